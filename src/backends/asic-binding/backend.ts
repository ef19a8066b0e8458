/**
 * AsicBackend: the Backend contract (src/backends/types.ts) on top of any library implementing
 * the vendor C ABI. MockAsicBackend and VendorBackend are thin subclasses.
 *
 * State is always read back from the device (listVoes reads configs and keys from the ASIC), so
 * a new process finds the VOEs a previous one created (warm restart adoption by key).
 * Punted frames and events are drained by `pump()`: on pollEvents(), after every call that can
 * produce frames, on a timer while frame handlers are subscribed (subclasses driven by a virtual
 * clock pump after each advance), and - when the shim has the optional "event_fd" group - when its
 * fd says something is pending (then onEventsPending tells the manager, and no timer polls).
 *
 * Calls (calls.ts): 'sync' runs them on the event loop (a fast device: the mock in virtual time);
 * 'async' (the default for vendor shims: a real SDK takes up to milliseconds per call) runs each
 * operation's calls one after the other on libuv's thread pool, one operation at a time per
 * handle (SerialQueue; frames and drains go before queued configuration). In async mode pump()
 * only schedules a drain (at most one per pollIntervalMs while configuration calls run).
 *
 * Its parts in this folder: caps.ts (capabilities), voe-writes.ts (all-or-nothing VOE writes),
 * voe-states.ts (read-back answers), device-drain.ts (one drain: events, punted frames),
 * punted.ts (frames to their handlers, held while none), frame-io.ts (the frame port: send,
 * subscribe and its poll timer, rxSettled), receive-clock.ts (device times onto the manager's
 * clock), drains.ts (when to drain; the event fd), inject.ts (the injector).
 */
import type { FramePort } from '../../common/frame-port.js';
import { CfmError } from '../../common/errors.js';
import { RealClock, type Clock } from '../../common/clock.js';
import type {
  Backend, BackendCapabilities, HwEvent, PolicerCounters, PolicerSpec, VoeChanges, VoeLmCounters, VoeSpec, VoeState, VoeStatus,
} from '../types.js';
import type { RawCaps } from './abi.js';
import type { AsicDevice } from './device.js';
import { PortMap, ccConfOf, disabledPolicer, policerConfOf, statusOf, voeConfOf } from './convert.js';
import { runAsync, runSync, SerialQueue, type CallGen } from './calls.js';
import { Drains } from './drains.js';
import { PM_DM, PM_LM, gLmCounters, gPmSet } from './pm.js';
import { openInjector, type AsicInjector } from './inject.js';
import { gDrainEvents, gDrainPunted, type HostTimeOf } from './device-drain.js';
import type { DeviceClockEstimate } from './device-clock.js';
import type { AsicBackendOptions } from './backend-options.js';
import { capabilitiesOf } from './caps.js';
import { ReceiveClock } from './receive-clock.js';
import { AsicFrameIo } from './frame-io.js';
import { PuntedFrames } from './punted.js';
import { gCreateVoe, gUpdateVoe } from './voe-writes.js';
import { VoeStates } from './voe-states.js';

export { intervalsOfMask } from './caps.js';
export type { AsicBackendOptions } from './backend-options.js';

/** Events kept for pollEvents() between polls. */
export const MAX_BUFFERED_EVENTS = 65536;

export class AsicBackend implements Backend {
  readonly kind: string;
  readonly frames: FramePort;
  protected readonly dev: AsicDevice;
  protected readonly portMap: PortMap;
  private readonly rawCaps: RawCaps;
  private readonly events: HwEvent[] = [];
  /** VoeState per read-back entry (voe-states.ts). */
  private readonly states: VoeStates;
  private readonly pollIntervalMs: number;
  private closed = false;
  /** Events dropped from the pollEvents buffer because nobody polled (see MAX_BUFFERED_EVENTS). */
  eventsLost = 0;
  /** Where the ABI calls run (see the file comment). */
  readonly calls: 'sync' | 'async';
  private readonly queue = new SerialQueue();
  /** When the device is drained in async mode, and its event fd (drains.ts). */
  private readonly drains: Drains;
  /** Punted frames to the handlers (held, bounded, in event fd mode until one subscribes). */
  private readonly punted: PuntedFrames;
  /** The frame port: send, subscribe (and its poll timer), rxSettled (frame-io.ts). */
  private readonly frameIo: AsicFrameIo;
  /** Punted frames dropped while held (nobody subscribed). */
  get framesLost(): number {
    return this.punted.lost;
  }
  set framesLost(n: number) {
    this.punted.lost = n;
  }
  /**
   * Present only when the shim has the "event_fd" group, the device has an interrupt and the
   * addon watches the fd: the manager then drains at once and polls only as a safety net.
   */
  onEventsPending?: (listener: () => void) => () => void;
  /** The device's periodic frame injector (optional group "inject", inject.ts), when it has one. */
  readonly injector?: AsicInjector;
  /** Receive times: device time -> the manager's clock (receive-clock.ts). */
  private readonly rxClock: ReceiveClock;
  /** hostTimeOf for the drains (device-drain.ts), as subclasses override it. */
  private readonly hostTimeOfFn: HostTimeOf = (deviceNs, readNs) => this.hostTimeOf(deviceNs, readNs);

  constructor(dev: AsicDevice, opts: AsicBackendOptions) {
    this.dev = dev;
    this.kind = opts.kind;
    try {
      this.rawCaps = dev.caps();
      if (opts.portNames && opts.portNames.length !== this.rawCaps.ports) {
        throw new CfmError('BACKEND', `${opts.portNames.length} port names given for a device with ${this.rawCaps.ports} ports`);
      }
      if (opts.portNames && new Set(opts.portNames).size !== opts.portNames.length) {
        throw new CfmError('BACKEND', `port names must be unique (${opts.portNames.join(', ')})`);
      }
    } catch (e) {
      dev.close(); // do not leak the handle (a named mock instance would stay referenced)
      throw e;
    }
    this.portMap = opts.portNames ? new PortMap(opts.portNames) : PortMap.numbered(this.rawCaps.ports);
    this.states = new VoeStates(this.portMap);
    this.pollIntervalMs = opts.pollIntervalMs ?? 5;
    this.calls = opts.calls ?? 'async';
    this.rxClock = new ReceiveClock(dev, opts.clock ?? new RealClock(), (what, e) => this.asyncFailure(what, e));
    this.punted = new PuntedFrames(Math.max(1, this.rawCaps.punt_queue_len));
    this.drains = new Drains({
      intervalMs: this.pollIntervalMs,
      run: () => this.exec(() => this.gPump(), true),
      hasEvents: () => this.events.length > 0,
      onError: (what, e) => this.asyncFailure(what, e),
    });
    if (opts.eventFd !== false && this.drains.watchDevice(dev)) this.onEventsPending = (listener) => this.drains.subscribe(listener);
    if (opts.injector !== false) {
      this.injector = openInjector(dev, this.portMap, (op, urgent) => this.exec(op, urgent), (what, e) => this.asyncFailure(what, e));
    }
    this.frameIo = new AsicFrameIo({
      dev, portMap: this.portMap, punted: this.punted, drains: this.drains, calls: this.calls, pollIntervalMs: this.pollIntervalMs,
      closed: () => this.closed,
      wantsPolling: () => this.wantsPolling(),
      before: () => this.before(),
      pump: () => this.pump(),
      write: (calls) => this.gWrite(calls),
      exec: (op, urgent) => this.exec(op, urgent),
      asyncFailure: (what, e) => this.asyncFailure(what, e),
    });
    this.frames = this.frameIo.port;
  }

  /**
   * Give receive times on `clock` from now on (the manager's: src/engine/continuity.ts decides LOC
   * on them against its deadlines). The device-time estimate starts again on the new clock.
   */
  useClock(clock: Clock): void {
    this.rxClock.use(clock);
  }

  /** How device times are mapped onto the clock (source; error bound for a time atNs, default now: device-clock.ts). */
  deviceClockEstimate(atNs?: number): DeviceClockEstimate {
    return this.rxClock.estimate(atNs);
  }

  /** Read the device time now (group "clock") for the mapping; a no-op without the group. */
  async sampleDeviceClock(): Promise<void> {
    return this.exec(() => this.gSampleTime(), true);
  }

  /** The device (for the conformance suite, diagnostics). */
  get device(): AsicDevice {
    return this.dev;
  }

  /** Hooks for subclasses: bring the device up to date before a call / deliver its output after. */
  protected before(): void {}
  protected after(): void {
    this.pump();
  }

  capabilities(): BackendCapabilities {
    // read once at open (the ABI's capabilities do not change); a copy per call, as before
    const c0 = (this.caps ??= this.capsOf());
    return { ...c0, txIntervals: c0.txIntervals.slice(), rxIntervals: c0.rxIntervals.slice() };
  }

  private caps: BackendCapabilities | undefined;

  private capsOf(): BackendCapabilities {
    return capabilitiesOf(this.kind, this.rawCaps, this.dev, this.injector);
  }

  ports(): string[] {
    return this.portMap.names.slice();
  }

  /**
   * Read back every VOE. With the optional generation calls this is one call while only this
   * handle changed the device (AsicDevice.voeSnapshot), else a full read-back. The VoeState
   * and spec objects are frozen and shared between calls while their VOE does not change (their
   * peers and MAID bytes are not frozen, to stay on V8's fast paths: do not write them).
   */
  async listVoes(): Promise<VoeState[]> {
    return this.exec(() => this.gListVoes());
  }

  private *gListVoes(): CallGen<VoeState[]> {
    this.before();
    return (yield* this.dev.gVoeSnapshot()).map((e) => this.states.of(e));
  }

  /** The VOEs changed since an earlier answer's token (journal of own writes, AsicDevice). */
  async voeChanges(since: bigint | null): Promise<VoeChanges> {
    return this.exec(() => this.gVoeChanges(since));
  }

  private *gVoeChanges(since: bigint | null): CallGen<VoeChanges> {
    this.before();
    const c = yield* this.dev.gVoeChangesSince(since);
    if (c.full) return { token: c.gen, full: true, voes: c.entries.map((e) => this.states.of(e)) };
    return { token: c.gen, full: false, changed: c.changed.map((e) => this.states.of(e)), removed: c.removed };
  }

  /** Create = allocate + CC config, all or nothing (voe-writes.ts). */
  async createVoe(spec: VoeSpec): Promise<number> {
    const conf = voeConfOf(spec, this.portMap);
    const cc = ccConfOf(spec);
    return this.exec(() => this.gWrite(gCreateVoe(this.dev, spec, conf, cc)));
  }

  async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    const conf = voeConfOf(spec, this.portMap);
    const cc = ccConfOf(spec);
    return this.exec(() => this.gWrite(gUpdateVoe(this.dev, handle, conf, cc)));
  }

  async deleteVoe(handle: number): Promise<void> {
    return this.exec(() => this.gWrite(this.dev.gVoeFree(handle)));
  }

  async setRdi(handle: number, rdi: boolean): Promise<void> {
    return this.exec(() => this.gWrite(this.dev.gRdiSet(handle, rdi)));
  }

  /** Optional group "pm" (pm.ts): CFM_ENOTSUP from the device names the function it refused. */
  async setVoePm(handle: number, fn: { dm: boolean; lm: boolean }): Promise<void> {
    return this.exec(() => this.gWrite(gPmSet(this.dev, handle, (fn.dm ? PM_DM : 0) | (fn.lm ? PM_LM : 0))));
  }

  async voeLmCounters(handle: number): Promise<VoeLmCounters> {
    return this.exec(() => gLmCounters(this.dev, handle));
  }

  /** One write: bring the device up to date, write, deliver what it produced (not after a refused write). */
  private *gWrite<T>(write: CallGen<T>): CallGen<T> {
    this.before();
    const r = yield* write;
    this.after();
    return r;
  }

  async readStatus(handle: number): Promise<VoeStatus> {
    return this.exec(() => this.gReadStatus(handle));
  }

  private *gReadStatus(handle: number): CallGen<VoeStatus> {
    this.before();
    const st = statusOf(handle, yield* this.dev.gStatus(handle, true));
    if (this.dev.hasTxSeq) st.txSeq = yield* this.dev.gTxSeqGet(handle);
    return st;
  }

  async pollEvents(): Promise<HwEvent[]> {
    const evs = await this.exec(() => this.gPollEvents(), true);
    this.drains.rearm(); // drained: wait for the next notification
    return evs;
  }

  private *gPollEvents(): CallGen<HwEvent[]> {
    this.before();
    // With an event fd, events already drained (the notification's drain) are all there is: the
    // fd was re-armed after that drain and tells about anything newer. Without one, drain now.
    if (this.drains.notified && this.events.length > 0) return this.events.splice(0, this.events.length);
    if (this.calls === 'sync') this.pump(); // with what subclasses add (the mock's wire side)
    else yield* this.gPump();
    return this.events.splice(0, this.events.length);
  }

  async setPolicer(id: number, spec: PolicerSpec | null): Promise<void> {
    const conf = spec ? policerConfOf(spec, this.portMap) : disabledPolicer();
    return this.exec(() => this.gWrite(this.dev.gPolicerSet(id, conf)));
  }

  async readPolicer(id: number): Promise<PolicerCounters> {
    return this.exec(() => this.gReadPolicer(id));
  }

  private *gReadPolicer(id: number): CallGen<PolicerCounters> {
    this.before();
    const c = yield* this.dev.gPolicerCounters(id, false);
    return { passed: c.passed, dropped: c.dropped };
  }

  /**
   * Drain punted frames to the handlers and hardware events into the pollEvents buffer: at once
   * with sync calls; in async mode a drain job is scheduled (none with an event fd, which tells
   * when there is something; else at most one per pollIntervalMs) - await drain() for it.
   */
  pump(): void {
    if (this.closed) return;
    if (this.calls === 'sync') runSync(this.gPump());
    else this.drains.soon();
  }

  /** Drain the device now (in async mode: after the operation under way) and wait for it. */
  async drain(): Promise<void> {
    if (this.closed) return;
    if (this.calls === 'sync') return this.pump();
    await this.exec(() => this.gPump(), true);
    this.drains.rearm();
  }

  private *gPump(): CallGen<void> {
    this.drains.started();
    try {
      yield* this.gPumpBody();
    } finally {
      this.drains.finished();
    }
  }

  private *gPumpBody(): CallGen<void> {
    if (this.closed) return;
    // refresh the device-time estimate before reading frames stamped with that time
    this.rxClock.sampleIfDue();
    const had = this.events.length;
    yield* gDrainEvents(this.dev, this.rxClock, this.events, this.injector, this.hostTimeOfFn);
    if (this.events.length > had) this.drains.foundEvents();
    // nobody polls: keep the newest events only (status read-back stays the truth)
    if (this.events.length > MAX_BUFFERED_EVENTS) {
      this.eventsLost += this.events.length - MAX_BUFFERED_EVENTS;
      this.events.splice(0, this.events.length - MAX_BUFFERED_EVENTS);
    }
    // Without handlers punted frames wait in the device's bounded queue - unless an event fd
    // watches it: the fd stays readable while frames are queued, so they are read and held here.
    if (this.punted.handlerCount === 0 && !this.drains.notified) return;
    yield* gDrainPunted(this.dev, this.portMap, this.rxClock, this.punted, this.hostTimeOfFn);
  }

  /** The engine's rxSettled hook: may punted frames still wait to be read (frame-io.ts)? */
  rxSettled(onSettled: () => void): boolean {
    return this.frameIo.rxSettled(onSettled);
  }

  /**
   * A punted frame's receive time (or an event's time) on the host clock: the device time it
   * carries, mapped (device-clock.ts); never after readNs, when the host had read it. Subclasses that drive the
   * device from the host clock know the offset exactly (the mock in virtual time).
   */
  protected hostTimeOf(deviceNs: number, readNs: number): number {
    return this.rxClock.toHost(deviceNs, readNs);
  }

  private *gSampleTime(): CallGen<void> {
    this.rxClock.sample();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.frameIo.stopPolling();
    this.closed = true;
    this.punted.clear();
    this.drains.close();
    // after the operations under way; cfm_asic_close itself runs here, once
    if (!this.queue.idle) await this.queue.run(async () => undefined).catch(() => undefined);
    this.dev.close();
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a timer should poll punted frames (real time); virtual-clock subclasses say no. */
  protected wantsPolling(): boolean {
    return true;
  }

  /**
   * Run an operation: its calls here (sync) or on the thread pool through this handle's queue.
   * Either way the answer is a promise, rejected with the operation's error.
   */
  protected exec<T>(op: () => CallGen<T>, urgent = false): Promise<T> {
    if (this.calls === 'sync') {
      try {
        return Promise.resolve(runSync(op()));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.queue.run(() => runAsync(op()), urgent);
  }

  /** A failure of work nobody awaits (a frame sent, a background drain): a process warning. */
  private asyncFailure(what: string, e: unknown): void {
    if (this.closed) return;
    process.emitWarning(`cfm ${this.kind} backend: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
