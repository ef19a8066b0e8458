/**
 * A DMM test on a clock that moves between two readings, as the real clock of `cfm apply
 * --follow` does (found by QA: from the installed package, `cfm dm` against a running mock
 * manager got "received 0 packets" while lm/slm/loopback worked). The session must match each
 * DMR by the TxTimeStampf its DMM carried (Y.1731 8.2.2), not by a second clock reading; so must
 * a proactive DMM PM session (src/offload/y1731/pm.ts).
 */
import { describe, expect, it } from 'vitest';
import { TestSession } from '../../src/engine/y1731-test.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { PmSessionConfig } from '../../src/config/model.js';
import { MS, pair } from '../engine/helpers.js';
import { mkModel, p2p, rig } from '../offload/harness.js';

describe('DMM on a clock that advances on every reading', () => {
  it('every DMR is matched to its DMM and the delays are the link round trip (within the clock drift)', () => {
    const { net, m1, m2 } = pair({ link: { delayNs: 1 * MS } });
    net.clock.advance(3000 * MS); // CCMs: m1 has learnt m2's MAC
    const clock = m1.ctx.clock;
    const virtualNow = clock.nowNs.bind(clock);
    let drift = 0;
    clock.nowNs = () => virtualNow() + (drift += 1000); // each reading 1 µs later than the last
    const s = new TestSession(m1, 'dmm', { target: m2.cfg.mac!, count: 3, intervalMs: 100, timeoutMs: 1000 }).start();
    net.clock.advance(2000 * MS);
    expect(s.result).toMatchObject({ kind: 'dmm', sent: 3, received: 3, done: true, completed: true });
    for (const d of s.result.delaysNs ?? []) {
      expect(d).toBeGreaterThanOrEqual(2 * MS);
      expect(d).toBeLessThan(2 * MS + 100_000);
    }
  });
});

describe('a proactive DMM PM session on a clock that advances on every reading', () => {
  it('counts the DMRs and measures the delay', async () => {
    const r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    try {
      r.net.link('sw1:swp1-sw2:swp1').set({ delayNs: 1 * MS });
      const virtualNow = r.net.clock.nowNs.bind(r.net.clock);
      let drift = 0;
      r.net.clock.nowNs = () => virtualNow() + (drift += 100);
      const pm: PmSessionConfig = { id: 'dm', type: 'dmm', targetMepId: 2, enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 1, history: 8, priority: 7, fdBinsUs: [5000], ifdvBinsUs: [1000] };
      const [a, b] = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' });
      const model = mkModel([{ ...a, pmSessions: [pm] }, b]);
      for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
      await runVirtual(r.net.clock, 150e9, 1e9);
      const [s] = r.mgr.sw1.y1731.pmShow('md1/ma1/1');
      const full = s.history.filter((h) => h.received > 0);
      expect(full.length, JSON.stringify(s.history)).toBeGreaterThan(0);
      for (const h of full) {
        expect(h.received).toBe(h.sent);
        expect(h.fd?.minNs).toBeGreaterThanOrEqual(2 * MS);
        expect(h.fd?.maxNs).toBeLessThan(3 * MS);
      }
    } finally {
      await r.close();
    }
  });
});
