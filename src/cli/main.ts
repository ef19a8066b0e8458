/**
 * `cfm` entry point. Each command group lives in its own file under commands/ and registers
 * itself on the program; this file only wires them up and turns errors into exit codes:
 * 0 ok, 1 a failure the command reports (invalid config, failed apply, invalid frame),
 * 2 bad usage, 70 an internal error (a bug).
 */
import { Command, CommanderError } from 'commander';
import { CfmError } from '../common/errors.js';
import { commandModules } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cfm')
    .description('Ethernet CFM (802.1Q/802.1ag) and Y.1731 OAM on switch hardware')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const mod of commandModules) mod.register(program);
  return program;
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
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with code 0; parse errors were already printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof CfmError) {
      process.stderr.write(`cfm: ${err.message}\n`);
      return err.code === 'USAGE' ? 2 : 1;
    }
    throw err;
  }
}
