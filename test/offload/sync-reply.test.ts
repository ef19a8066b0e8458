/**
 * Two software up MEPs of one MA on one mock switch: the CPU side relays a frame from one to the
 * other inside the send, so each reply arrives during the send of its request. A loopback and the
 * Y.1731 two-way tests (DM, SLM) through the library end as soon as the last reply is in, not at
 * the 5 s reply timeout (before the fix: `cfm loopback ... --count 1` took 5.6 s for a 0.1 ms reply).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import { openSwitch, type CfmSwitch } from '../../src/offload/api.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { groupItem, maItem, mepItem, mockBoardConfig } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-sync-reply-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SW_UP_PAIR = mockBoardConfig(5, [maItem('a', 100, '100ms', [1, 2])],
  [groupItem('g', 'a', [mepItem(1, 'p1', 'up', ', offload: software'), mepItem(2, 'p2', 'up', ', offload: software')])]);

/** Runs the virtual clock in 1 ms steps until `p` settles; the virtual time it took, ns. */
async function timed<T>(clock: VirtualClock, p: Promise<T>): Promise<{ value: T; tookNs: number }> {
  const t0 = clock.nowNs();
  let settled = false;
  const q = p.finally(() => { settled = true; });
  for (let i = 0; i < 7000 && !settled; i++) await runVirtual(clock, 1e6, 1e6);
  return { value: await q, tookNs: clock.nowNs() - t0 };
}

describe('two software MEPs of one switch: sessions answered during their own send', () => {
  it('loopback, DM and SLM with count 1 end at once (virtual time), not after the reply timeout', async () => {
    const cfg = join(dir, 'sw-up-pair.yaml');
    writeFileSync(cfg, SW_UP_PAIR);
    const clock = new VirtualClock();
    const sw: CfmSwitch = openSwitch({ config: cfg, clock });
    try {
      const rep = await sw.apply();
      expect(rep.plan.meps.map((m) => m.ccm)).toEqual(['software', 'software']);
      await runVirtual(clock, 1e9, 10e6);
      const lb = await timed(clock, sw.loopback('d/a/1', { targetMepId: 2, count: 1, timeoutMs: 5000 }));
      expect(lb.value).toMatchObject({ sent: 1, received: 1, done: true });
      expect(lb.tookNs).toBeLessThan(100e6);
      const dm = await timed(clock, sw.y1731.dm('d/a/1', { targetMepId: 2, count: 1, timeoutMs: 5000 }));
      expect(dm.value).toMatchObject({ sent: 1, received: 1, completed: true });
      expect(dm.tookNs).toBeLessThan(100e6);
      const slm = await timed(clock, sw.y1731.slm('d/a/1', { targetMepId: 2, count: 1, timeoutMs: 5000 }));
      expect(slm.value).toMatchObject({ sent: 1, received: 1, completed: true });
      expect(slm.tookNs).toBeLessThan(100e6);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});
