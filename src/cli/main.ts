/**
 * `cfm` entry point. Each command group lives in its own file under commands/ and registers
 * itself on the program; this file only wires them up and turns errors into exit codes:
 * 0 ok, 1 a failure the command reports (invalid config, failed apply, invalid frame),
 * 2 bad usage, 70 an internal error (a bug).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CfmError } from '../common/errors.js';
import { SwitchChoiceError } from '../offload/switch-choice.js';
import { modulesFor } from './commands/index.js';

/** The program with the commands `argv` needs (every command when argv names none: commands/index.ts). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('cfm')
    .description('Ethernet CFM (802.1Q/802.1ag) and Y.1731 OAM on switch hardware')
    .version('0.1.0')
    .exitOverride()
    .addHelpText('after', EXIT_CODES_HELP);
  for (const mod of await Promise.all(modulesFor(argv).map((m) => m.load()))) mod.register(program);
  oneLineErrors(program, '');
  noOptionAsValue(program);
  return program;
}

/** The exit codes of every command (docs/oam-cli.md "Exit codes"), shown by `cfm --help`. */
const EXIT_CODES_HELP = `
Exit codes:
  0   done (for an OAM test: the answer was complete)
  1   the command ran and reports a failure (invalid config, refused or failed apply,
      lost replies, no manager on the socket, a backend error)
  2   the command line is wrong (unknown option, bad value, unknown MEP or MA key)
  70  internal error (a bug: please report it)
Errors are one line on stderr ("cfm: ..."). Every command: cfm COMMAND --help; docs/oam-cli.md
in the installed package (node_modules/cfm-offload/docs).
`;

/**
 * A command-line error (unknown option or command, missing argument) is one line naming it and
 * where the help is, like every other error of cfm: not commander's error plus the whole usage.
 * Set on every command, since each names its own help.
 */
function oneLineErrors(cmd: Command, path: string): void {
  cmd.configureOutput({
    outputError: (str, write) => write(`cfm: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see cfm ${path}--help)\n`),
  });
  for (const c of cmd.commands) oneLineErrors(c, `${path}${c.name()} `);
}

/** Options whose value is free text (it may start with "--"; `--data=--x` is how to give it). */
const FREE_TEXT = new Set(['--data', '--vendor-args', '--args']);

/**
 * `cfm loopback M --count --socket S`: commander takes "--socket" as the count and then
 * complains about S as an extra argument. A value that is itself an option is refused where it is
 * given, naming the option that lacks its value.
 */
function noOptionAsValue(cmd: Command): void {
  for (const opt of cmd.options) {
    if (!opt.required || opt.variadic || FREE_TEXT.has(opt.long ?? '')) continue;
    const inner = opt.parseArg;
    opt.argParser(<T>(value: string, previous: T): T => {
      if (/^--[a-z]/.test(value)) throw new InvalidArgumentError('that is an option; the value is missing');
      return inner ? inner(value, previous) : (value as T);
    });
  }
  for (const c of cmd.commands) noOptionAsValue(c);
}

let pipeGuarded = false;

/**
 * `cfm decode big.pcap | head`: when the reader closes the pipe, stop quietly (exit 0) as Unix
 * tools do, instead of Node's unhandled EPIPE error with a stack trace. Once per process.
 */
function quietOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0; parse errors were already printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CfmError) {
      // the library names its `switch` option; the command line names the flag
      process.stderr.write(`cfm: ${err instanceof SwitchChoiceError ? err.cliMessage() : err.message}\n`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    if (isSystemError(err)) {
      // the operating system refused (EACCES on a state file, ENOSPC, EISDIR, ...): the
      // environment, not a bug of ours, so one line and exit 1 rather than an internal error's stack
      process.stderr.write(`cfm: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** An error of a system call (Node's ErrnoException: `code` EXXX and the `syscall`). */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  const x = e as NodeJS.ErrnoException | null;
  return e instanceof Error && typeof x?.syscall === 'string' && typeof x.code === 'string' && /^E[A-Z0-9]+$/.test(x.code);
}
