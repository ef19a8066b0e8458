/**
 * Two mock-ASIC switches in the simulator (test/offload/harness.ts), each manager serving its
 * control socket in-process exactly as `cfm apply --follow` wires it, and a pump that runs the
 * virtual clock while a `cfm` command (run in-process) talks to a manager over its socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oamHandlers, serveControl, type ControlServer } from '../../src/offload/control.js';
import { runVirtual, settle } from '../../src/offload/sim/run.js';
import { runCfm } from '../helpers/cli.js';
import { mkModel, p2p, rig, type Rig } from '../offload/harness.js';
import type { LocalMep } from '../../src/config/model.js';
import type { IntervalCode } from '../../src/common/interval.js';

export interface Served {
  r: Rig;
  sock: Record<string, string>;
  /** Run `cfm ARGS` against switch `sw`'s socket while virtual time runs. */
  cfm(sw: string, ...args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Advance virtual time (ms). */
  run(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Run `p` to completion, advancing the virtual clock 1 ms per step meanwhile. */
export async function pumped<T>(r: Rig, p: Promise<T>): Promise<T> {
  let done = false;
  const tracked = p.finally(() => { done = true; });
  tracked.catch(() => undefined);
  while (!done) {
    r.net.clock.advanceTo(r.net.clock.nowNs() + 1_000_000);
    await settle();
  }
  return tracked;
}

/** sw1 MEP 1 and sw2 MEP 2 in md1/ma1 on swp1, linked sw1:swp1-sw2:swp1 (0.5 ms one way). */
export async function served(o: { interval?: IntervalCode; pin?: LocalMep['placement'] } = {}): Promise<Served> {
  const r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
  r.net.link('sw1:swp1-sw2:swp1').set({ delayNs: 500_000 });
  const model = mkModel(p2p(o.interval ?? 3, { sw: 'sw1', id: 1, port: 'swp1', pin: o.pin }, { sw: 'sw2', id: 2, port: 'swp1', pin: o.pin }));
  for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
  const dir = mkdtempSync(join(tmpdir(), 'cfm-oam-'));
  const sock: Record<string, string> = {};
  const servers: ControlServer[] = [];
  for (const n of ['sw1', 'sw2']) {
    const m = r.mgr[n];
    sock[n] = join(dir, `${n}.sock`);
    servers.push(await serveControl(sock[n], {
      status: () => m.status(),
      subscribe: (fn) => m.onFault(fn),
      ...oamHandlers(m),
    }));
  }
  await runVirtual(r.net.clock, 1e9); // CCMs both ways: remote MEPs up, MACs learned
  return {
    r, sock,
    cfm: (sw, ...args) => pumped(r, runCfm(...args, '--socket', sock[sw])),
    run: (ms) => runVirtual(r.net.clock, ms * 1e6),
    async close() {
      for (const s of servers) await s.close();
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
