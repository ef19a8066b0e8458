/**
 * startOps on the mock ASIC: CPU protection lands in the hardware policers, the debug decoder
 * picks up tags persisted by `cfm debug tag` (state file) at the next refresh, and statistics are
 * written for `cfm debug dump` / `cfm cpu-protection counters`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import { VirtualClock } from '../../src/common/clock.js';
import { summarize } from '../../src/cpu-protection/summary.js';
import type { DebugLogEntry } from '../../src/debug/decoder.js';
import { startOps } from '../../src/debug/runtime.js';
import { readStats, writeTags } from '../../src/debug/state.js';
import { CfmEngine } from '../../src/engine/engine.js';
import { cfmFrame, MIP_MAC, PEERS, seedModel } from '../cpu-protection/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-ops-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

const tick = () => new Promise((r) => setImmediate(r));

describe('startOps', () => {
  it('hardware policers + persisted debug tags + statistics file', async () => {
    const model = seedModel({ aggregate: true });
    const clock = new VirtualClock();
    const be = new MockAsicBackend({ ports: ['swp1', 'swp2', 'swp3', 'swp4'], policers: 8, puntQueue: 4096 });
    closers.push(() => be.close());
    be.attachVirtualClock(clock);
    be.setPortPuntAll('swp4', true);
    const log: DebugLogEntry[] = [];
    const ops = await startOps(model, be, { log: (e) => log.push(e), stateDir: dir, clock, refreshMs: 60_000 });
    closers.push(() => ops.close());
    expect(ops.protection.plan.bindings[0]).toMatchObject({ enforcement: 'hardware', policers: 7 });
    expect(ops.protection.engine).toBeNull();
    const engine = new CfmEngine({ clock, port: ops.wrap(be.frames) });
    closers.push(() => engine.close());
    engine.addMip({ key: 'default/swp4/100/5', level: 5, vlan: 100, port: 'swp4', mac: MIP_MAC });

    const burst = (t: number) => {
      clock.advanceTo(t);
      for (const p of PEERS) be.injectFromWire('swp4', cfmFrame(p, 5, 3, 100, t));
    };
    burst(1e6); // no tags yet: nothing decoded
    await tick();
    expect(log).toEqual([]);

    writeTags([{ kind: 'mip', switch: 'default', port: 'swp4', vlan: 100, level: 5, mipKey: 'default/swp4/100/5', direction: 'both' }], dir);
    await ops.refresh();
    expect(ops.debug.tagged.map((t) => t.key)).toEqual(['default/swp4/100/5']);
    burst(2e9); // one LBM passes the hardware policer (1 pps aggregate), is answered and decoded
    await tick();
    expect(log.map((e) => `${e.dir} ${e.json.opcodeName}`)).toEqual(['rx LBM', 'tx LBR']);

    await ops.refresh();
    const st = readStats(dir)!;
    expect(st.pid).toBe(process.pid);
    expect(st.debug!.rx).toMatchObject({ enqueued: 1, decoded: 1, exceptions: 0 });
    expect(st.cpuProtection).toHaveLength(1);
    expect(st.cpuProtection[0].enforcement).toBe('hardware');
    expect(summarize(st.cpuProtection[0]).perEntry['default/swp4/100 entry 10']).toEqual({ passed: 2, dropped: 4 });
  });
});
