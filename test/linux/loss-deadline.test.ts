/**
 * The software checkers' loss deadline (issue 17: LOC reported within one interval + 1 ms of its
 * stamp): a timerfd on the event loop (native/addon/packet_deadline.h) instead of a setTimeout.
 * What must hold (802.1Q 20.20: rMEPwhile expires 3.5 intervals after the last CCM): the deadline
 * never runs before its CLOCK_MONOTONIC time, runs once, can be moved earlier or disarmed, and the
 * shared expiry timer checks each member at (not before) its expiry with one wakeup for members
 * due together. How late it runs under load is measured by the bench (`CFM_BENCH_ONLY=loc`).
 */
import { describe, expect, it } from 'vitest';
import { ExpiryTimer, type ExpiryMember } from '../../src/backends/software/expiry-timer.js';
import { PacketDeadline } from '../../src/native/packet.js';
import { linuxTestGate, waitFor } from './netns.js';

const gate = linuxTestGate('test/linux/loss-deadline (timerfd deadline on the event loop)');
const monoNow = () => Number(process.hrtime.bigint());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!gate.run)('PacketDeadline (timerfd on the libuv loop)', () => {
  it('is in the addon this build loads', () => {
    expect(PacketDeadline.available()).toBe(true);
  });

  it('runs once, never before its CLOCK_MONOTONIC time', async () => {
    const ran: number[] = [];
    const d = new PacketDeadline(() => ran.push(monoNow()));
    const at = monoNow() + 5_000_000;
    d.arm(at);
    await waitFor(() => ran.length === 1, 2000, 'the deadline');
    await sleep(30);
    d.close();
    expect(ran).toHaveLength(1);
    expect(ran[0]!).toBeGreaterThanOrEqual(at);
  });

  it('a deadline moved earlier runs at the earlier time, once', async () => {
    const ran: number[] = [];
    const d = new PacketDeadline(() => ran.push(monoNow()));
    const late = monoNow() + 5_000_000_000;
    d.arm(late);
    const early = monoNow() + 3_000_000;
    d.arm(early);
    await waitFor(() => ran.length === 1, 2000, 'the deadline');
    d.close();
    expect(ran[0]!).toBeGreaterThanOrEqual(early);
    expect(ran[0]!).toBeLessThan(late);
  });

  it('a past time runs at once; disarm and close stop it', async () => {
    const ran: number[] = [];
    const d = new PacketDeadline(() => ran.push(monoNow()));
    d.arm(monoNow() - 1_000_000);
    await waitFor(() => ran.length === 1, 2000, 'the deadline');
    d.arm(monoNow() + 10_000_000);
    d.disarm();
    const e = new PacketDeadline(() => ran.push(monoNow()));
    e.arm(monoNow() + 10_000_000);
    e.close();
    e.arm(monoNow()); // closed: a no-op, not a throw
    await sleep(60);
    d.close();
    expect(ran).toHaveLength(1);
  });

  it('rejects a time that is not one', () => {
    const d = new PacketDeadline(() => undefined);
    expect(() => d.arm(Number.NaN)).toThrow(/atNs/);
    d.close();
  });
});

describe.skipIf(!gate.run)('ExpiryTimer on the native deadline', () => {
  class Member implements ExpiryMember {
    checkedAt: number[] = [];
    constructor(public expiryNs: number) {}
    nextExpiryNs(): number {
      return this.expiryNs;
    }
    check(nowNs: number): void {
      if (nowNs >= this.expiryNs) {
        this.checkedAt.push(nowNs);
        this.expiryNs = Infinity;
      }
    }
  }

  it('checks members at their expiry, those due together in one wakeup', async () => {
    const timer = new ExpiryTimer();
    expect(timer.kind).toBe('native');
    const t0 = monoNow();
    const a = new Member(t0 + 4_000_000);
    const b = new Member(t0 + 4_000_000);
    const c = new Member(t0 + 40_000_000);
    for (const m of [a, b, c]) {
      timer.add(m);
      timer.schedule(m.expiryNs);
    }
    await waitFor(() => c.checkedAt.length === 1, 2000, 'the deadline');
    expect(a.checkedAt[0]!).toBeGreaterThanOrEqual(t0 + 4_000_000);
    expect(a.checkedAt).toEqual(b.checkedAt); // one wakeup for both
    expect(c.checkedAt[0]!).toBeGreaterThanOrEqual(t0 + 40_000_000);
    expect(timer.fired).toBe(2);
    timer.close();
  });

  it('a member removed before its expiry is not checked', async () => {
    const timer = new ExpiryTimer();
    const m = new Member(monoNow() + 5_000_000);
    timer.add(m);
    timer.schedule(m.expiryNs);
    timer.remove(m);
    await sleep(40);
    expect(m.checkedAt).toEqual([]);
    expect(timer.fired).toBe(0);
  });

  it('the setTimeout fallback checks at the expiry too', async () => {
    const timer = new ExpiryTimer({ native: false });
    expect(timer.kind).toBe('js');
    const at = monoNow() + 3_000_000;
    const m = new Member(at);
    timer.add(m);
    timer.schedule(at);
    await waitFor(() => m.checkedAt.length === 1, 2000, 'the deadline');
    expect(m.checkedAt[0]!).toBeGreaterThanOrEqual(at);
    timer.close();
  });
});
