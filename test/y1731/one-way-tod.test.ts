/**
 * One-way delay between two systems whose processes started at different moments (found by a
 * user: `cfm dm --one-way` between two `cfm run` managers on one host reported the 594 ms between
 * the two processes' starts). Y.1731 8.2.1 FD = RxTimef - TxTimeStampf compares the two systems'
 * timestamps: the kit writes time of day (IEEE 1588 seconds + ns, 9.16), so with synchronised
 * time of day the link delay comes out exactly whatever each clock's own count.
 */
import { describe, expect, it } from 'vitest';
import { addNs, clockNsAt, clockTimeOfDay, diffNs, RealClock, VirtualClock, VIRTUAL_EPOCH, type Clock, type TimeOfDay, type TimerHandle } from '../../src/common/clock.js';
import { CfmEngine, testRxOf, type Mep } from '../../src/engine/index.js';
import { ensureY } from '../../src/engine/mep-y1731.js';
import { TestSession } from '../../src/engine/y1731-test.js';
import { decodeFrame } from '../../src/pdu/index.js';
import { MAID_A, MS } from '../engine/helpers.js';

/** A process's clock: counts from its own start (`startedAtNs` on the shared virtual time), time of day shared. */
class ProcessClock implements Clock {
  constructor(private readonly base: VirtualClock, private readonly startedAtNs: number) {}
  nowNs(): number { return this.base.nowNs() - this.startedAtNs; }
  setTimerAt(atNs: number, fn: () => void): TimerHandle { return this.base.setTimerAt(atNs + this.startedAtNs, fn); }
  setTimer(delayNs: number, fn: () => void): TimerHandle { return this.base.setTimer(delayNs, fn); }
  timeOfDay(atNs = this.nowNs()): TimeOfDay { return this.base.timeOfDay(atNs + this.startedAtNs); }
}

const LINK_NS = 1_234_567; // one way, A -> B
const BACK_NS = 3_000_001; // B -> A

/** Two engines, each on its own ProcessClock, joined by an asymmetric link on the shared virtual time. */
function twoSystems(startA: number, startB: number) {
  const base = new VirtualClock(0, { seconds: 1_764_000_000, nanoseconds: 999_999_000 });
  base.advance(Math.max(startA, startB));
  const engines: CfmEngine[] = [];
  const mk = (i: number, start: number, delayNs: number): CfmEngine => {
    const clock = new ProcessClock(base, start);
    const e = new CfmEngine({
      clock,
      subscribe: false,
      port: {
        send: (_p, frame) => { base.setTimer(delayNs, () => { const peer = engines[1 - i]; peer.process('p1', 'wire', frame, peer.clock.nowNs()); }); },
        onReceive: () => () => undefined,
      },
    });
    engines.push(e);
    return e;
  };
  const a = mk(0, startA, LINK_NS);
  const b = mk(1, startB, BACK_NS);
  const cfg = { level: 3, interval: 4 as const, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down' as const };
  const mA = a.addMep({ ...cfg, key: 'a', mepId: 1, remoteMepIds: [2], mac: '02:00:00:00:01:01' });
  const mB = b.addMep({ ...cfg, key: 'b', mepId: 2, remoteMepIds: [1], mac: '02:00:00:00:02:01' });
  return { base, a, b, mA, mB };
}

function run(m: Mep, kind: '1dm' | 'dmm', target: string) {
  return new TestSession(m, kind, { target, count: 5, intervalMs: 100, timeoutMs: 1000 }).start();
}

describe('1DM / DMM between systems on different clocks with the same time of day', () => {
  it('1DM measures the link delay exactly, the process start times apart by 594 ms', () => {
    const { base, mA, mB } = twoSystems(5_000 * MS, 5_594 * MS);
    expect(mA.ctx.clock.nowNs() - mB.ctx.clock.nowNs()).toBe(594 * MS);
    const sent: Uint8Array[] = [];
    const send = mA.sendFrame.bind(mA);
    mA.sendFrame = (f: Uint8Array) => { sent.push(f); send(f); };
    const todAtFirst = base.timeOfDay(); // the first frame leaves at once
    const s = run(mA, '1dm', mB.cfg.mac!);
    base.advance(2000 * MS);
    expect(s.result).toMatchObject({ sent: 5, done: true });
    const [rx] = testRxOf(mB).oneWay;
    expect(rx).toMatchObject({ received: 5, outOfOrder: 0, minNs: LINK_NS, maxNs: LINK_NS });
    expect(rx.delaysNs).toEqual(Array(5).fill(LINK_NS));
    // Y1731 (cfm sim / the engine's own 1DM) measures the same
    ensureY(mA).start1dm({ targetMac: mB.cfg.mac!, count: 2, intervalMs: 100 });
    base.advance(1000 * MS);
    expect(ensureY(mB).oneWay.delaysNs).toEqual(Array(7).fill(LINK_NS)); // the session's 5 and these 2
    // on the wire: TxTimeStampf is the time of day (PTP seconds + ns), not the process's count
    const pdu = decodeFrame(sent[0]).pdu as { opcode: number; txTimestampF: TimeOfDay };
    expect(pdu.opcode).toBe(45);
    expect(pdu.txTimestampF.seconds).toBeGreaterThan(1_764_000_000);
    expect(pdu.txTimestampF).toEqual(todAtFirst);
  });

  it('two-way DM gives the round trip, unchanged by the clocks\' offsets', () => {
    const { base, mA, mB } = twoSystems(77_000 * MS, 3 * MS);
    const s = run(mA, 'dmm', mB.cfg.mac!);
    base.advance(2000 * MS);
    expect(s.result).toMatchObject({ sent: 5, received: 5, completed: true, delay: { minNs: LINK_NS + BACK_NS, maxNs: LINK_NS + BACK_NS } });
  });
});

describe('Clock time of day', () => {
  it('VirtualClock: a fixed default epoch, the time of day given at its start, exact ns', () => {
    expect(new VirtualClock().timeOfDay()).toEqual(VIRTUAL_EPOCH);
    const c = new VirtualClock(7e9, { seconds: 1_800_000_000, nanoseconds: 999_999_999 });
    expect(c.timeOfDay()).toEqual({ seconds: 1_800_000_000, nanoseconds: 999_999_999 });
    c.advance(1);
    expect(c.timeOfDay()).toEqual({ seconds: 1_800_000_001, nanoseconds: 0 });
    expect(clockNsAt(c, { seconds: 1_800_000_001, nanoseconds: 5 })).toBe(7e9 + 6);
    expect(addNs({ seconds: 10, nanoseconds: 5 }, -6)).toEqual({ seconds: 9, nanoseconds: 999_999_999 });
  });

  it('a clock without timeOfDay counts time of day from the epoch at its 0', () => {
    const plain: Clock = { nowNs: () => 2_500_000_001, setTimer: () => ({ cancel: () => undefined }), setTimerAt: () => ({ cancel: () => undefined }) };
    expect(clockTimeOfDay(plain)).toEqual({ seconds: 2, nanoseconds: 500_000_001 });
  });

  it('RealClocks created at different moments agree on the time of day (CLOCK_REALTIME)', async () => {
    const first = new RealClock();
    await new Promise((r) => setTimeout(r, 30));
    const second = new RealClock();
    const t1 = first.timeOfDay();
    const t2 = second.timeOfDay();
    // the counts differ by the 30 ms between the creations; the times of day by the µs between readings
    expect(first.nowNs() - second.nowNs()).toBeGreaterThanOrEqual(29 * MS);
    expect(Math.abs(diffNs(t2, t1))).toBeLessThan(1 * MS);
    const wallMs = Date.now();
    expect(Math.abs(t2.seconds * 1000 + t2.nanoseconds / 1e6 - wallMs)).toBeLessThan(50);
  });
});
