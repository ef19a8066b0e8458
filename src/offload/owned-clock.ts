/**
 * A view of a Clock whose timers can all be cancelled at once. The manager hands one to the
 * engine and to hardware MEPs' FNGs, so closing the manager leaves no timer behind (a stopped
 * 10 min MEP would otherwise keep a RealClock process alive until its next tick).
 */
import { clockTimeOfDay, type Clock, type TimeOfDay, type TimerHandle } from '../common/clock.js';

export class OwnedClock implements Clock {
  private readonly live = new Set<TimerHandle>();

  /** The clock this view schedules on. */
  constructor(readonly base: Clock) {}

  nowNs(): number {
    return this.base.nowNs();
  }

  /** The base clock's time of day (what Y.1731 DM frames carry). */
  timeOfDay(atNs = this.base.nowNs()): TimeOfDay {
    return clockTimeOfDay(this.base, atNs);
  }

  setTimer(delayNs: number, fn: () => void): TimerHandle {
    return this.setTimerAt(this.base.nowNs() + Math.max(0, delayNs), fn);
  }

  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    const h: TimerHandle = this.base.setTimerAt(atNs, () => {
      this.live.delete(wrapped);
      fn();
    });
    const wrapped: TimerHandle = {
      cancel: () => {
        this.live.delete(wrapped);
        h.cancel();
      },
    };
    this.live.add(wrapped);
    return wrapped;
  }

  /** Cancel every timer still pending. */
  cancelAll(): void {
    for (const h of [...this.live]) h.cancel();
    this.live.clear();
  }
}
