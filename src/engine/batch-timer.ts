/**
 * Timers batched by due time. Many MEPs configured together transmit at the same instants;
 * instead of one clock timer (and closure) per MEP per interval, the engine keeps one clock
 * timer per distinct due time and a plain array of the items due then. Cancelling is lazy: the
 * callback checks whether the item still wants this time (so a re-armed or stopped MEP costs
 * nothing to "cancel").
 */
import type { Clock } from '../common/clock.js';

export class BatchTimer<T> {
  private readonly buckets = new Map<number, T[]>();

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
    this.clock.setTimerAt(atNs, () => this.run(atNs));
  }

  private run(atNs: number): void {
    const b = this.buckets.get(atNs);
    if (!b) return;
    this.buckets.delete(atNs);
    for (let i = 0; i < b.length; i++) this.fire(b[i], atNs);
  }

  /** Number of distinct pending due times (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
