/**
 * The command groups of `cfm`, one module each (owner in parentheses), imported on demand: a
 * launch imports only the module(s) of the command on its command line (`cfm run` needs neither
 * the ASIC bindings nor the telemetry, simulator or conformance code of the other commands; start-up,
 * docs/linux.md). Anything else (no command, --help, `help`, a misspelt command) imports them all,
 * so commander lists and suggests every command as before. test/startup/lazy-commands.test.ts
 * checks each `commands` list against what its module really registers.
 */
import type { Command } from 'commander';

export interface CommandModule {
  register(program: Command): void;
}

export interface LazyCommandModule {
  /** The top-level commands the module registers (or adds subcommands to, as `profile`). */
  readonly commands: readonly string[];
  load(): Promise<CommandModule>;
}

export const commandModules: readonly LazyCommandModule[] = [
  { commands: ['decode', 'craft'], load: () => import('./decode.js') },                     // (pdu)
  { commands: ['validate', 'config', 'profile'], load: () => import('./config.js') },       // (config, profiles)
  { commands: ['sim'], load: () => import('./sim.js') },                                    // (engine, simulator)
  { commands: ['plan', 'apply', 'status', 'monitor', 'demo'], load: () => import('./offload.js') }, // (offload)
  { commands: ['run'], load: () => import('./linux.js') },                                  // (software datapath)
  { commands: ['profile', 'bridge-cfm', 'devlink'], load: () => import('./kernel.js') },    // profile detect (kernel backend)
  { commands: ['cpu-protection', 'debug'], load: () => import('./ops.js') },                // (operator features)
  { commands: ['loopback', 'linktrace', 'mep', 'cc'], load: () => import('./oam.js') },     // (operator OAM over the control socket)
  { commands: ['conformance'], load: () => import('./conformance.js') },                    // (vendor C ABI rules, packaging)
  { commands: ['dm', 'lm', 'slm', 'tst', 'pm'], load: () => import('./y1731.js') },         // (Y.1731 tests over the control socket)
];

/** The modules a command line (node, script, args...) needs, in registration order. */
export function modulesFor(argv: readonly string[]): readonly LazyCommandModule[] {
  const word = argv[2];
  const some = word === undefined ? [] : commandModules.filter((m) => m.commands.includes(word));
  return some.length ? some : commandModules;
}
