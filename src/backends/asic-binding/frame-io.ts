/**
 * The frame port of an AsicBackend (Backend.frames, vendor C ABI cfm_frame_tx / cfm_frame_rx):
 * frames sent through the device ahead of queued configuration calls, punted frames to their
 * handlers with the timer that drains the device for them while a handler is subscribed (none
 * with an event fd, whose notifications bring them: drains.ts), and the engine's rxSettled hook
 * (may punted frames received before a remote MEP's deadline still wait to be read?).
 *
 * It holds no device state of its own: the backend lends it what it needs (FrameIoHost), its
 * hooks staying overridable there (a virtual-clock mock pumps and polls differently).
 */
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import { runSync, type CallGen } from './calls.js';
import type { PortMap } from './convert.js';
import type { AsicDevice } from './device.js';
import type { Drains } from './drains.js';
import type { PuntedFrames } from './punted.js';

/** What the frame port uses of its backend. */
export interface FrameIoHost {
  dev: AsicDevice;
  portMap: PortMap;
  punted: PuntedFrames;
  drains: Drains;
  calls: 'sync' | 'async';
  pollIntervalMs: number;
  closed(): boolean;
  /** Whether a timer should poll punted frames (real time); virtual-clock backends say no. */
  wantsPolling(): boolean;
  /** Bring the device up to date before a call (the backend's hook). */
  before(): void;
  /** Drain the device now (sync) or schedule a drain (async). */
  pump(): void;
  /** One write: before, the calls, then deliver what they produced. */
  write<T>(calls: CallGen<T>): CallGen<T>;
  /** Run an operation's calls (here or on the thread pool, see calls.ts). */
  exec<T>(op: () => CallGen<T>, urgent?: boolean): Promise<T>;
  /** A failure of work nobody awaits: a process warning. */
  asyncFailure(what: string, e: unknown): void;
}

export class AsicFrameIo {
  readonly port: FramePort;
  private pollTimer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly h: FrameIoHost) {
    this.port = {
      send: (port: string, frame: Uint8Array, towards?: FrameDirection) => this.send(port, frame, towards ?? 'wire'),
      onReceive: (handler: (rx: FrameRx) => void) => this.subscribe(handler),
    };
  }

  /**
   * The engine's rxSettled hook (src/engine/continuity.ts): may punted frames received before a
   * remote MEP's deadline still wait to be read? With calls on the thread pool a drain queues
   * behind the configuration call under way (2 ms each on a slow SDK): then false, and
   * `onSettled` runs after a drain that starts from now on (so it reads everything the device
   * holds now). Virtual time: frames are delivered as the device makes them - true.
   */
  rxSettled(onSettled: () => void): boolean {
    const { h } = this;
    if (h.closed() || h.punted.handlerCount === 0 || !h.wantsPolling()) return true;
    if (h.calls === 'sync') {
      // the 5 ms poll timer reads them otherwise; never deliver inside the caller's call
      queueMicrotask(() => {
        h.pump();
        onSettled();
      });
      return false;
    }
    if (!h.drains.framesMayWait()) return true;
    h.drains.afterNextDrain(onSettled);
    return false;
  }

  stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  private send(port: string, frame: Uint8Array, towards: FrameDirection): void {
    const { h } = this;
    const p = h.portMap.toIndex(port, 'frames.send');
    if (h.calls === 'sync') {
      runSync(h.write(h.dev.gFrameTx(p, frame, towards)));
      return;
    }
    // FramePort.send returns nothing: the frame goes ahead of queued configuration calls
    h.exec(() => h.write(h.dev.gFrameTx(p, frame, towards)), true).catch((e: unknown) => h.asyncFailure(`frames.send on ${port}`, e));
  }

  private subscribe(handler: (rx: FrameRx) => void): () => void {
    const { h } = this;
    h.punted.add(handler);
    // with an event fd the frames come with its notifications: no timer
    if (h.wantsPolling() && !h.drains.notified && !this.pollTimer) {
      this.pollTimer = setInterval(() => {
        h.before();
        h.pump(); // async: schedules a drain job
      }, h.pollIntervalMs);
      this.pollTimer.unref?.();
    }
    return () => {
      if (h.punted.remove(handler)) this.stopPolling();
    };
  }
}
