/**
 * Timers batched by due time. Many MEPs configured together transmit at the same instants;
 * instead of one clock timer (and closure) per MEP per interval, the engine keeps one clock
 * timer per distinct due time and a plain array of the items due then. Cancelling is lazy: the
 * callback checks whether the item still wants this time (so a re-armed or stopped MEP costs
 * nothing to "cancel").
 */
import type { Clock, TimerHandle } from '../common/clock.js';

export class BatchTimer<T> {
  private readonly buckets = new Map<number, T[]>();
  private readonly timers = new Map<number, TimerHandle>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (item: T, atNs: number) => void,
  ) {}

  add(atNs: number, item: T): void {
    const b = this.buckets.get(atNs);
    if (b) {
      b.push(item);
      return;
    }
    this.buckets.set(atNs, [item]);
    this.timers.set(atNs, this.clock.setTimerAt(atNs, () => this.run(atNs)));
  }

  /** Drop every pending due time and its clock timer (engine close: nothing may fire after). */
  clear(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.buckets.clear();
  }

  private run(atNs: number): void {
    const b = this.buckets.get(atNs);
    this.timers.delete(atNs);
    if (!b) return;
    this.buckets.delete(atNs);
    for (let i = 0; i < b.length; i++) this.fire(b[i], atNs);
  }

  /** Number of distinct pending due times (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
