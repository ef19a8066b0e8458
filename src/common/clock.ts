/**
 * Time for the protocol engine, the simulator and the mock ASIC. Nothing in the engine reads the
 * wall clock: it is handed a Clock, so tests and the demo run a whole network in virtual time,
 * exactly and instantly, and production runs the same code on RealClock.
 * Times are integer nanoseconds in a JS number (exact up to 2^53 ns, about 104 days).
 */
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
}

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

  constructor(startNs = 0) {
    this.now = startNs;
  }

  nowNs(): number {
    return this.now;
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

/** Wall-clock time on the monotonic clock (process.hrtime), timers on the libuv loop. */
export class RealClock implements Clock {
  private readonly originNs = process.hrtime.bigint();

  nowNs(): number {
    return Number(process.hrtime.bigint() - this.originNs);
  }

  setTimer(delayNs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, delayNs / 1e6));
    return { cancel: () => clearTimeout(t) };
  }

  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    return this.setTimer(atNs - this.nowNs(), fn);
  }
}
