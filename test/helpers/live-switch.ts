/**
 * A running manager as `cfm apply --follow` leaves it, for the CLI tests that talk to one: a
 * switch opened from a config file and applied, its control socket answering status, monitor and
 * `apply --dry-run --socket` (src/offload/dry-run.ts).
 */
import { loadModel, openSwitch, type CfmSwitch } from '../../src/offload/api.js';
import { serveControl } from '../../src/offload/control.js';
import { dryRunHandler } from '../../src/offload/dry-run.js';

export interface LiveSwitch {
  sw: CfmSwitch;
  /** Stop serving, then close the switch and clear its VOEs. */
  close(): Promise<void>;
}

/** Open and apply `config` on the mock board, and serve its control socket at `sock`. */
export async function serveLiveSwitch(config: string, sock: string): Promise<LiveSwitch> {
  const sw = openSwitch({ config });
  await sw.apply();
  const server = await serveControl(sock, { status: () => sw.status(), subscribe: (fn) => sw.onFault(fn), dryRun: dryRunHandler(sw.manager, loadModel) });
  return {
    sw,
    close: async () => {
      await server.close();
      await sw.close({ clearHardware: true });
    },
  };
}
