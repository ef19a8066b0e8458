/**
 * A DMM test on a clock that moves between two readings, as the real clock of `cfm apply
 * --follow` does (found by QA: from the installed package, `cfm dm` against a running mock
 * manager got "received 0 packets" while lm/slm/loopback worked). The session must match each
 * DMR by the TxTimeStampf its DMM carried (Y.1731 8.2.2), not by a second clock reading.
 */
import { describe, expect, it } from 'vitest';
import { TestSession } from '../../src/engine/y1731-test.js';
import { MS, pair } from '../engine/helpers.js';

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
