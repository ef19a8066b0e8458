/**
 * Punted frames on their way to Backend.frames handlers. With an event fd but no handler yet the
 * device's queue is read anyway (the fd stays readable while frames are queued), so frames are
 * held here, bounded like the device's punt queue, and handed to the first handler to subscribe.
 */
import type { FrameRx } from '../../common/frame-port.js';

export class PuntedFrames {
  private readonly handlers = new Set<(rx: FrameRx) => void>();
  private readonly held: FrameRx[] = [];
  /** Frames dropped from the held ones (nobody subscribed). */
  lost = 0;

  /** `maxHeld`: the device's punt queue length (cfm_asic_caps_t.punt_queue_len, at least 1). */
  constructor(private readonly maxHeld: number) {}

  get handlerCount(): number {
    return this.handlers.size;
  }

  /** Add a handler; held frames go to the handlers in a microtask (never inside the caller's call). */
  add(handler: (rx: FrameRx) => void): void {
    this.handlers.add(handler);
    if (this.held.length) {
      const held = this.held.splice(0, this.held.length);
      queueMicrotask(() => {
        for (const rx of held) this.toHandlers(rx);
      });
    }
  }

  /** Remove a handler; true when none is left. */
  remove(handler: (rx: FrameRx) => void): boolean {
    this.handlers.delete(handler);
    return this.handlers.size === 0;
  }

  clear(): void {
    this.handlers.clear();
  }

  /** To the handlers, or held (the oldest dropped beyond maxHeld) while there are none. */
  deliver(rx: FrameRx): void {
    if (this.handlers.size > 0) {
      this.toHandlers(rx);
      return;
    }
    this.held.push(rx);
    if (this.held.length > this.maxHeld) {
      this.lost += this.held.length - this.maxHeld;
      this.held.splice(0, this.held.length - this.maxHeld);
    }
  }

  private toHandlers(rx: FrameRx): void {
    for (const h of [...this.handlers]) h(rx);
  }
}
