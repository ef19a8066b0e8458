/**
 * The error of a config with several switches when none was chosen, in the library's terms (the
 * `switch` option of openSwitch, openBackend, planConfig, the planner and the software runner).
 * The CLI says it in its own terms (--switch): it maps this error by its type (src/cli/main.ts),
 * so library callers are never told about a command-line flag.
 */
import { UsageError } from '../common/errors.js';

export class SwitchChoiceError extends UsageError {
  constructor(readonly switches: readonly string[]) {
    super(`the config has several switches (${switches.join(', ')}): choose one with the 'switch' option (e.g. { switch: '${switches[0]}' })`);
    this.name = 'SwitchChoiceError';
  }

  /** The same for a command line: the flag instead of the option. */
  cliMessage(): string {
    return `the config has several switches (${this.switches.join(', ')}): choose one with --switch`;
  }
}
