/**
 * When an AsicBackend with calls on the thread pool drains its device (events and punted frames):
 *  - with an event fd (vendor ABI group "event_fd"): when the fd says something is pending; after
 *    each drain the one-shot watch is re-armed (the drain made the fd unreadable, or it fires
 *    again at once), and the listeners of Backend.onEventsPending are told when the drain found
 *    hardware events - not for punted frames alone (a software MEP's CCMs every 10 ms would
 *    otherwise queue a manager poll each: the frames went to their handlers already);
 *  - without one: on request, at most once per `intervalMs` while calls keep asking (a drain after
 *    every configuration call would double the calls of an apply on a slow SDK).
 * Requests while a drain job waits in the queue join it.
 */
import { eventFdReadable, watchEventFd, type EventFdWatch } from './event-fd.js';

export interface DrainOptions {
  intervalMs: number;
  /** Queue one drain job (urgent) and settle when it is done. */
  run(): Promise<void>;
  /** Whether drained hardware events still wait for pollEvents. */
  hasEvents(): boolean;
  /** A drain or the fd watch failed (nobody awaits them). */
  onError(what: string, e: unknown): void;
}

export class Drains {
  private queued = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastMs = 0;
  private watch: EventFdWatch | null = null;
  private readonly listeners = new Set<() => void>();
  private closed = false;
  private telling = false;
  private fd: number | null = null;
  /** A drain job runs (started, not finished). */
  private running = false;
  /** Callbacks for the next drain job to start (rxSettled), and for the one running. */
  private waiters: Array<() => void> = [];
  private serving: Array<() => void> = [];

  constructor(private readonly o: DrainOptions) {}

  /** The device notifies (an event fd is watched): no timer needs to poll it. */
  get notified(): boolean {
    return this.watch !== null;
  }

  /**
   * Watch the device's event fd when it has one (group "event_fd"); false: no fd, no addon or a
   * failed cfm_event_fd (told to onError) - the caller polls as for a shim without the group.
   */
  watchDevice(dev: { eventFd(): number | null }): boolean {
    let fd: number | null;
    try {
      fd = dev.eventFd();
    } catch (e) {
      this.o.onError('cfm_event_fd (events are polled instead)', e);
      return false;
    }
    return fd !== null && this.watchFd(fd);
  }

  /** Watch the device's event fd; false when the addon is not there (the caller polls). */
  watchFd(fd: number): boolean {
    const w = watchEventFd(fd, (err) => this.readable(err));
    if (!w) return false;
    this.watch = w;
    this.fd = fd;
    w.arm();
    return true;
  }

  /** Backend.onEventsPending. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A drain found hardware events (they wait for pollEvents): tell the onEventsPending listeners,
   * after the operation that drained (a listener's pollEvents must not run inside it).
   */
  foundEvents(): void {
    if (!this.watch || this.listeners.size === 0 || this.telling) return;
    this.telling = true;
    queueMicrotask(() => {
      this.telling = false;
      // a pollEvents that drained them took them already: nothing to tell
      if (!this.closed && this.o.hasEvents()) for (const l of [...this.listeners]) l();
    });
  }

  /** A drain job started (for the throttle). */
  started(): void {
    this.queued = false;
    this.running = true;
    this.lastMs = Date.now();
    // this job reads every frame the device holds now: it answers those who asked before it began
    if (this.waiters.length) this.serving.push(...this.waiters.splice(0));
  }

  /** The drain job ended (its frames went to the handlers, or it failed). */
  finished(): void {
    this.running = false;
    if (this.serving.length === 0) return;
    // after the job (what they do - an engine's LOC decision, its events - is not part of it)
    const cbs = this.serving.splice(0);
    queueMicrotask(() => {
      for (const cb of cbs) cb();
    });
  }

  /**
   * Whether punted frames may wait to be read now: a drain queued or under way, the device's
   * event fd readable (a shim raises it as frames are queued), or - without an fd - always (the
   * frames wait for the next poll).
   */
  framesMayWait(): boolean {
    if (this.queued || this.running || this.fd === null) return true;
    return eventFdReadable(this.fd, 0) !== false;
  }

  /** Call `cb` once a drain job that starts from now on has ended (joins one that waits). */
  afterNextDrain(cb: () => void): void {
    this.waiters.push(cb);
    this.request();
  }

  /** The device was drained: wait for the next notification. */
  rearm(): void {
    if (!this.closed) this.watch?.arm();
  }

  /** A drain job now (joins one that waits). */
  request(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    this.o.run().then(
      () => this.rearm(),
      (e: unknown) => {
        this.queued = false;
        this.finished();
        for (const cb of this.waiters.splice(0)) cb(); // failed before it started: nothing better to wait for
        this.rearm();
        this.o.onError('draining events and punted frames', e);
      },
    );
  }

  /** A drain soon: none with an event fd (it tells), else at most one per intervalMs. */
  soon(): void {
    if (this.watch || this.closed) return;
    const wait = this.lastMs + this.o.intervalMs - Date.now();
    if (wait <= 0) {
      this.request();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.request();
      }, wait);
      this.timer.unref?.();
    }
  }

  close(): void {
    this.closed = true;
    // nobody will drain any more: nothing is held for those who wait
    for (const cb of [...this.serving.splice(0), ...this.waiters.splice(0)]) cb();
    this.listeners.clear();
    this.watch?.close();
    this.watch = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readable(err?: Error): void {
    if (this.closed) return;
    if (err) this.o.onError('waiting for the event fd', err);
    this.request(); // tells the listeners when it found events
  }
}
