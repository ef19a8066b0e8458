/**
 * A session whose last reply comes back during its own send (a synchronous wire: two software
 * MEPs of one switch relayed by the CPU side) ends at once, not after the reply timeout.
 * Before the fix `sent` was counted after sendFrame, the reply handler saw sent < count, and
 * the session waited out its 5 s timeout for a reply it already had.
 */
import { describe, expect, it } from 'vitest';
import { CfmEngine } from '../../src/engine/engine.js';
import { ensureLb } from '../../src/engine/mep-lb.js';
import { TestSession } from '../../src/engine/y1731-test.js';
import type { TestKind } from '../../src/engine/y1731-test-types.js';
import { VirtualClock } from '../../src/common/clock.js';
import type { FramePort, FrameRx } from '../../src/common/frame-port.js';
import { MAID_A } from './helpers.js';

/** Two engines joined by a wire that delivers each frame inside the sender's send call. */
function syncPair() {
  const clock = new VirtualClock();
  const handlers: Array<Array<(rx: FrameRx) => void>> = [[], []];
  const portOf = (me: number): FramePort => ({
    send: (port, frame) => {
      for (const h of handlers[1 - me]) h({ port, frame: frame.slice(), from: 'wire', rxNs: clock.nowNs() });
    },
    onReceive: (h) => {
      handlers[me].push(h);
      return () => undefined;
    },
  });
  const e1 = new CfmEngine({ clock, port: portOf(0) });
  const e2 = new CfmEngine({ clock, port: portOf(1) });
  const base = { level: 3, interval: 4 as const, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down' as const, ccmTx: false };
  const m1 = e1.addMep({ ...base, key: 'm1', mepId: 1, mac: '02:00:00:00:00:01', remoteMepIds: [2] });
  e2.addMep({ ...base, key: 'm2', mepId: 2, mac: '02:00:00:00:00:02', remoteMepIds: [1] });
  return { clock, m1 };
}

describe('sessions answered during their own send', () => {
  it('loopback count 1: done before any time passes, timeout timer cancelled', () => {
    const { clock, m1 } = syncPair();
    const pendingBefore = clock.pending();
    const s = ensureLb(m1).start({ target: '02:00:00:00:00:02', count: 1, timeoutMs: 5000 });
    expect(s.result).toMatchObject({ sent: 1, received: 1, done: true });
    expect(clock.nowNs()).toBe(0);
    expect(clock.pending()).toBe(pendingBefore);
  });

  it('loopback count 3: done at the third LBM (2 gaps), not 5 s later', () => {
    const { clock, m1 } = syncPair();
    const s = ensureLb(m1).start({ target: '02:00:00:00:00:02', count: 3, intervalMs: 10, timeoutMs: 5000 });
    let doneAtNs = -1;
    s.onDone(() => { doneAtNs = clock.nowNs(); });
    clock.advance(20e6);
    expect(s.result).toMatchObject({ sent: 3, received: 3, done: true });
    expect(doneAtNs).toBe(20e6);
  });

  for (const kind of ['dmm', 'lmm', 'slm'] as TestKind[]) {
    it(`${kind} count 2: done at the last frame`, () => {
      const { clock, m1 } = syncPair();
      const pendingBefore = clock.pending();
      const s = new TestSession(m1, kind, { target: '02:00:00:00:00:02', count: 2, intervalMs: 10, timeoutMs: 5000 }).start();
      let doneAtNs = -1;
      s.onDone(() => { doneAtNs = clock.nowNs(); });
      clock.advance(10e6);
      expect(s.result).toMatchObject({ sent: 2, received: 2, done: true, completed: true });
      expect(doneAtNs).toBe(10e6);
      expect(clock.pending()).toBe(pendingBefore); // no timeout timer left behind
    });
  }
});
