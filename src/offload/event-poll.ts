/**
 * When the manager drains hardware events: on a timer of the manager's clock, and at once when
 * the backend pushes a notification (Backend.onEventsPending; the timer then stays as a slow
 * safety net). Every drain runs in the manager's serial chain, so it never interleaves with an
 * apply; a drain still waiting there (behind an apply: seconds on a slow SDK, issue 16) serves
 * every later ask too, instead of one queued drain per tick or notification.
 *
 * Kept apart from the manager: scheduling and coalescing of polls is one concern, what a poll
 * does (hw-runtime.ts) another.
 */
import type { Backend } from '../backends/types.js';
import type { Clock, TimerHandle } from '../common/clock.js';

export interface EventPollOptions {
  /** Only its optional notification hook is used. */
  backend: Pick<Backend, 'onEventsPending'>;
  clock: Clock;
  /** Timer period (ns). */
  pollNs: number;
  /** The manager's serial chain (apply, polls and status never interleave). */
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  /** One drain, run inside the chain. */
  poll: () => Promise<number>;
  /** True once the manager closed: notifications are ignored then. */
  closed: () => boolean;
}

export class EventPoll {
  private timer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  /** The poll waiting in the serial chain, if one is (pollOnce). */
  private queued: Promise<number> | null = null;

  constructor(private readonly o: EventPollOptions) {}

  /** Drain and handle pending hardware events now (or with the poll already queued). */
  pollOnce(): Promise<number> {
    if (this.queued) return this.queued;
    const p = this.o.serial(() => {
      this.queued = null; // asks from now on need a poll after this one
      return this.o.poll();
    });
    this.queued = p;
    return p;
  }

  /** Start the timer and the notification subscription (once; no-op after the manager closed). */
  start(): void {
    if (this.timer || this.o.closed()) return;
    const backend = this.o.backend;
    if (backend.onEventsPending && !this.unsubscribe) {
      // Pushed notifications drain at once; the timer below stays as a slow safety net.
      this.unsubscribe = backend.onEventsPending(() => {
        if (this.o.closed()) return;
        void this.pollOnce().catch((e: unknown) => warnPollFailed(e));
      });
    }
    const tick = () => {
      this.timer = this.o.clock.setTimer(this.o.pollNs, tick);
      void this.pollOnce().catch((e: unknown) => {
        warnPollFailed(e);
      });
    };
    this.timer = this.o.clock.setTimer(this.o.pollNs, tick);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function warnPollFailed(e: unknown): void {
  process.emitWarning(`cfm offload: hardware event poll failed: ${e instanceof Error ? e.message : String(e)}`);
}
