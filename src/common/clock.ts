/**
 * Time for the protocol engine, the simulator and the mock ASIC. Nothing in the engine reads the
 * wall clock: it is handed a Clock, so tests and the demo run a whole network in virtual time,
 * exactly and instantly, and production runs the same code on RealClock.
 * Times are integer nanoseconds in a JS number (exact up to 2^53 ns, about 104 days).
 *
 * Besides that count, a clock has a time of day (timeOfDay): what Y.1731 DM frames carry
 * (TxTimeStampf etc., 9.14-9.16, in the IEEE 1588 PTP representation: seconds + nanoseconds since
 * 1970-01-01 00:00 UTC). One-way delay (8.2.1: RxTimef - TxTimeStampf) compares two systems'
 * timestamps, so they must be time of day, not each process's own count from its start.
 * Time of day is kept as seconds + nanoseconds: as one JS number (1.7e18 ns) it would lose the ns.
 */
/** IEEE 1588 (PTP) time: seconds + nanoseconds (0..999 999 999) since 1970-01-01 00:00 UTC. */
export interface TimeOfDay {
  seconds: number;
  nanoseconds: number;
}
export interface TimerHandle {
  /** Cancel the timer; a no-op if it already fired or was cancelled. */
  cancel(): void;
}

export interface Clock {
  /** Current time in ns since the clock's epoch. */
  nowNs(): number;
  /** Run `fn` once at absolute time `atNs` (or as soon as possible if in the past). */
  setTimerAt(atNs: number, fn: () => void): TimerHandle;
  /** Run `fn` once after `delayNs`. */
  setTimer(delayNs: number, fn: () => void): TimerHandle;
  /**
   * Time of day at clock time `atNs` (default: now). Optional so that a plain test clock stays a
   * three-liner; such a clock's time of day is its own count from 1970 (clockTimeOfDay below).
   */
  timeOfDay?(atNs?: number): TimeOfDay;
}

const NS_PER_S = 1e9;

/** `origin` + `ns` as a time of day, exactly (the ns part is normalised into 0..1e9-1). */
export function addNs(origin: TimeOfDay, ns: number): TimeOfDay {
  const total = origin.nanoseconds + ns;
  const carry = Math.floor(total / NS_PER_S);
  return { seconds: origin.seconds + carry, nanoseconds: total - carry * NS_PER_S };
}

/** a - b in ns, exact while the difference fits 2^53 ns (104 days) whatever the epoch. */
export function diffNs(a: TimeOfDay, b: TimeOfDay): number {
  return (a.seconds - b.seconds) * NS_PER_S + (a.nanoseconds - b.nanoseconds);
}

/** Time of day of `c` at `atNs` (default now); a clock without timeOfDay counts from the epoch. */
export function clockTimeOfDay(c: Clock, atNs = c.nowNs()): TimeOfDay {
  return c.timeOfDay ? c.timeOfDay(atNs) : addNs({ seconds: 0, nanoseconds: 0 }, atNs);
}

/**
 * The time on `c`'s own count at which its time of day is `t`: how a time-of-day timestamp from
 * another system (a 1DM's TxTimeStampf) is compared with the local receive time. Exact while `t`
 * is within 104 days of the clock's time of day at 0.
 */
export function clockNsAt(c: Clock, t: TimeOfDay): number {
  return diffNs(t, clockTimeOfDay(c, 0));
}

/** 2025-01-01 00:00:00 UTC: the default time of day at a VirtualClock's 0 (deterministic runs). */
export const VIRTUAL_EPOCH: TimeOfDay = { seconds: 1_735_689_600, nanoseconds: 0 };

interface Entry {
  atNs: number;
  seq: number;
  fn: (() => void) | null;
}

/**
 * Deterministic virtual clock: timers fire in (time, creation order). `advance` runs every timer
 * due up to the target, including timers those timers schedule, then sets now = target.
 */
export class VirtualClock implements Clock {
  private now = 0;
  private seq = 0;
  private heap: Entry[] = [];
  private live = 0;

  private readonly todAtZero: TimeOfDay;

  /**
   * `timeOfDayAtStart`: the time of day at `startNs` (default VIRTUAL_EPOCH + startNs). Two
   * clocks started at different counts but given the same time of day model two systems with
   * synchronised time of day (PTP / NTP) whose processes started at different moments.
   */
  constructor(startNs = 0, timeOfDayAtStart?: TimeOfDay) {
    this.now = startNs;
    this.todAtZero = timeOfDayAtStart ? addNs(timeOfDayAtStart, -startNs) : VIRTUAL_EPOCH;
  }

  nowNs(): number {
    return this.now;
  }

  timeOfDay(atNs = this.now): TimeOfDay {
    return addNs(this.todAtZero, atNs);
  }

  /** Number of timers still pending (cancelled ones excluded). */
  pending(): number {
    return this.live;
  }

  setTimer(delayNs: number, fn: () => void): TimerHandle {
    return this.setTimerAt(this.now + Math.max(0, delayNs), fn);
  }

  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    const e: Entry = { atNs: Math.max(atNs, this.now), seq: this.seq++, fn };
    this.push(e);
    this.live++;
    return {
      cancel: () => {
        if (e.fn) {
          e.fn = null;
          this.live--;
        }
      },
    };
  }

  /** Advance virtual time by `deltaNs`, firing due timers in order. Returns timers fired. */
  advance(deltaNs: number): number {
    return this.advanceTo(this.now + deltaNs);
  }

  advanceTo(targetNs: number): number {
    let fired = 0;
    while (this.heap.length > 0 && this.heap[0].atNs <= targetNs) {
      const e = this.pop();
      if (!e.fn) continue;
      const fn = e.fn;
      e.fn = null;
      this.live--;
      this.now = e.atNs;
      fn();
      fired++;
    }
    if (targetNs > this.now) this.now = targetNs;
    return fired;
  }

  /** Time of the next pending timer, or undefined. */
  nextAtNs(): number | undefined {
    while (this.heap.length > 0 && !this.heap[0].fn) this.pop();
    return this.heap.length > 0 ? this.heap[0].atNs : undefined;
  }

  private less(a: Entry, b: Entry): boolean {
    return a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Wall-clock time on the monotonic clock (process.hrtime), timers on the libuv loop. Time of day:
 * CLOCK_REALTIME as sampled at the clock's creation, advanced by the monotonic clock
 * (performance.timeOrigin is gettimeofday at process start, µs precision, and performance.now()
 * runs on the same monotonic clock as hrtime). NTP slewing reaches both clocks alike; a step of
 * the system time after the creation is not followed (restart the manager after one).
 */
export class RealClock implements Clock {
  private readonly originNs = process.hrtime.bigint();
  private readonly todAtZero: TimeOfDay = realtimeAtNow();

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.originNs);
  }

  timeOfDay(atNs = this.nowNs()): TimeOfDay {
    return addNs(this.todAtZero, atNs);
  }

  setTimer(delayNs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, delayNs / 1e6));
    return { cancel: () => clearTimeout(t) };
  }

  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    return this.setTimer(atNs - this.nowNs(), fn);
  }
}

/** CLOCK_REALTIME now, to the µs (performance.timeOrigin + performance.now(), in ms). */
function realtimeAtNow(): TimeOfDay {
  const originMs = performance.timeOrigin;
  const sinceMs = performance.now();
  const s = Math.floor(originMs / 1000);
  const ns = Math.round((originMs - s * 1000) * 1e6) + Math.round(sinceMs * 1e6);
  return addNs({ seconds: s, nanoseconds: 0 }, ns);
}
