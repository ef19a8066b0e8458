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
 */
import type { IntervalCode } from '../../common/interval.js';
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import { CfmError } from '../../common/errors.js';
import { RealClock, type Clock } from '../../common/clock.js';
import type {
  Backend, BackendCapabilities, HwEvent, PolicerCounters, PolicerSpec, VoeChanges, VoeLmCounters, VoeSpec, VoeState, VoeStatus,
} from '../types.js';
import type { RawCaps, RawCcConf, RawPolicerConf, RawVoeConf } from './abi.js';
import {
  AsicDevice, type VoeEntry, CAP_FRAME_IO, CAP_PM_DM, CAP_PM_LM, CAP_LB_OFFLOAD, CAP_LT_OFFLOAD, CAP_UP_MEP, CAP_VLAN_MEP, POLICER_ANY_PORT, TX_MODE,
} from './device.js';
import { PortMap, ccConfOf, disabledPolicer, eventOf, policerConfOf, specOf, statusOf, voeConfOf } from './convert.js';
import { ASIC_STATUS, AsicError } from './status.js';
import { runAsync, runSync, SerialQueue, type CallGen } from './calls.js';
import { Drains } from './drains.js';
import { PM_DM, PM_LM, gLmCounters, gPmSet, hasPm } from './pm.js';
import { AsicInjector, EVENT_INJECT_STOPPED, injectCaps } from './inject.js';
import { DeviceClockMap, type DeviceClockEstimate } from './device-clock.js';

export interface AsicBackendOptions {
  /** Backend kind reported by capabilities() ('mock', 'vendor'). */
  kind: string;
  /** Port names, index = ABI port number. Default swp1..swpN. */
  portNames?: string[];
  /** Poll period for punted frames while handlers are subscribed (real-time use). Default 5 ms. */
  pollIntervalMs?: number;
  /** Where ABI calls run: 'sync' on the event loop (fast devices), 'async' on the thread pool (default). */
  calls?: 'sync' | 'async';
  /** Use the shim's event fd when it has one (default true); false = poll as without it. */
  eventFd?: boolean;
  /** Offer the device's periodic frame injector as Backend.injector when it has one (default true). */
  injector?: boolean;
  /**
   * The clock punted frames' receive times (FrameRx.rxNs) are given on: the manager's (it calls
   * useClock). Default a RealClock of this backend's own.
   */
  clock?: Clock;
}

/** Device-time reads per refresh of the estimate (the one with the smallest round trip counts). */
const SAMPLE_READS = 3;
/** A device-time read slower than this ends the burst (it runs on the event loop). */
const SLOW_READ_NS = 200_000;

/** Events kept for pollEvents() between polls. */
export const MAX_BUFFERED_EVENTS = 65536;

export function intervalsOfMask(mask: number): IntervalCode[] {
  const out: IntervalCode[] = [];
  for (let c = 1; c <= 7; c++) if (mask & (1 << c)) out.push(c as IntervalCode);
  return out;
}

export class AsicBackend implements Backend {
  readonly kind: string;
  readonly frames: FramePort;
  protected readonly dev: AsicDevice;
  protected readonly portMap: PortMap;
  private readonly rawCaps: RawCaps;
  private readonly events: HwEvent[] = [];
  private readonly rxHandlers = new Set<(rx: FrameRx) => void>();
  /** VoeState per read-back entry (entries are immutable and replaced on change, see voeSnapshot). */
  private readonly stateOf = new WeakMap<VoeEntry, VoeState>();
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private readonly pollIntervalMs: number;
  private closed = false;
  /** Events dropped from the pollEvents buffer because nobody polled (see MAX_BUFFERED_EVENTS). */
  eventsLost = 0;
  /** Where the ABI calls run (see the file comment). */
  readonly calls: 'sync' | 'async';
  private readonly queue = new SerialQueue();
  /** When the device is drained in async mode, and its event fd (drains.ts). */
  private readonly drains: Drains;
  /** Event fd mode without frame handlers: punted frames kept (bounded) until one subscribes. */
  private readonly heldFrames: FrameRx[] = [];
  /** Punted frames dropped from heldFrames (nobody subscribed). */
  framesLost = 0;
  /**
   * Present only when the shim has the "event_fd" group, the device has an interrupt and the
   * addon watches the fd: the manager then drains at once and polls only as a safety net.
   */
  onEventsPending?: (listener: () => void) => () => void;
  /** The device's periodic frame injector (optional group "inject", inject.ts), when it has one. */
  readonly injector?: AsicInjector;
  /** Receive times: device time -> hostClock (device-clock.ts). */
  private hostClock: Clock;
  private readonly deviceClock = new DeviceClockMap();
  /** The shim has the "clock" group and the device answered it (not ENOTSUP, no failure). */
  private timeReadable: boolean;
  /** Host time just before the last cfm_frame_rx that found the punt queue empty. */
  private rxEmptyAtNs = -Infinity;

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
    this.pollIntervalMs = opts.pollIntervalMs ?? 5;
    this.calls = opts.calls ?? 'async';
    this.hostClock = opts.clock ?? new RealClock();
    this.timeReadable = dev.hasTimeGet;
    this.drains = new Drains({
      intervalMs: this.pollIntervalMs,
      run: () => this.exec(() => this.gPump(), true),
      hasEvents: () => this.events.length > 0,
      onError: (what, e) => this.asyncFailure(what, e),
    });
    if (opts.eventFd !== false) this.watchEvents();
    if (opts.injector !== false) this.injector = this.openInjector();
    this.frames = {
      send: (port: string, frame: Uint8Array, towards?: FrameDirection) => this.sendFrame(port, frame, towards ?? 'wire'),
      onReceive: (handler: (rx: FrameRx) => void) => this.subscribe(handler),
    };
  }

  /**
   * Give receive times on `clock` from now on (the manager's: src/engine/continuity.ts decides LOC
   * on them against its deadlines). The device-time estimate starts again on the new clock.
   */
  useClock(clock: Clock): void {
    if (clock === this.hostClock) return;
    this.hostClock = clock;
    this.deviceClock.reset();
    this.rxEmptyAtNs = -Infinity;
  }

  /** How device times are mapped onto the clock (source; error bound for a time atNs, default now: device-clock.ts). */
  deviceClockEstimate(atNs?: number): DeviceClockEstimate {
    return this.deviceClock.estimate(atNs ?? this.hostClock.nowNs());
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
    const c = this.rawCaps;
    const caps: BackendCapabilities = {
      kind: this.kind,
      description: c.description,
      portVoes: c.port_voes,
      serviceVoes: c.service_voes,
      txIntervals: intervalsOfMask(c.tx_intervals),
      rxIntervals: intervalsOfMask(c.rx_intervals),
      peersPerVoe: c.peers_per_voe,
      upMep: (c.flags & CAP_UP_MEP) !== 0,
      vlanMep: (c.flags & CAP_VLAN_MEP) !== 0,
      ccmTxMode: TX_MODE[c.ccm_tx_mode] ?? 'none',
      loopbackOffload: (c.flags & CAP_LB_OFFLOAD) !== 0,
      linktraceOffload: (c.flags & CAP_LT_OFFLOAD) !== 0,
      policers: c.policers,
      frameIo: (c.flags & CAP_FRAME_IO) !== 0,
    };
    if (c.ccm_tx_mode === 2 && c.injector_budget_fps > 0) caps.injectorBudgetFps = c.injector_budget_fps;
    if (this.dev.hasTxSeq) caps.txSeqSeed = true;
    // cfm_asic.h: the CFM_CAP_PM_* bits count only with the group's calls (older shims: neither)
    if (hasPm(this.dev)) caps.pmOffload = { dm: (c.flags & CAP_PM_DM) !== 0, lm: (c.flags & CAP_PM_LM) !== 0 };
    if (this.injector) caps.frameInjector = this.injector.caps();
    return caps;
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
    return (yield* this.dev.gVoeSnapshot()).map((e) => this.stateOfEntry(e));
  }

  /** The VOEs changed since an earlier answer's token (journal of own writes, AsicDevice). */
  async voeChanges(since: bigint | null): Promise<VoeChanges> {
    return this.exec(() => this.gVoeChanges(since));
  }

  private *gVoeChanges(since: bigint | null): CallGen<VoeChanges> {
    this.before();
    const c = yield* this.dev.gVoeChangesSince(since);
    if (c.full) return { token: c.gen, full: true, voes: c.entries.map((e) => this.stateOfEntry(e)) };
    return { token: c.gen, full: false, changed: c.changed.map((e) => this.stateOfEntry(e)), removed: c.removed };
  }

  private stateOfEntry(e: VoeEntry): VoeState {
    let st = this.stateOf.get(e);
    if (!st) {
      // allocated but never configured (a crash between alloc and CC config): report it so
      // the reconciler can delete it; its CC fields read as "off"
      st = Object.freeze({ handle: e.handle, spec: Object.freeze(specOf(e.conf, e.cc ?? UNCONFIGURED_CC, this.portMap)) });
      this.stateOf.set(e, st);
    }
    return st;
  }

  /** Create = allocate + CC config, all or nothing (a failed CC config frees the VOE again). */
  async createVoe(spec: VoeSpec): Promise<number> {
    const conf = voeConfOf(spec, this.portMap);
    const cc = ccConfOf(spec);
    return this.exec(() => this.gCreateVoe(spec, conf, cc));
  }

  private *gCreateVoe(spec: VoeSpec, conf: RawVoeConf, cc: RawCcConf): CallGen<number> {
    this.before();
    const handle = yield* this.dev.gVoeAlloc(conf);
    try {
      // seed before the CC config: the very first CCM carries it (no sequence error at the peer)
      if (spec.initialSeq !== undefined && spec.seqUpdate && this.dev.hasTxSeq) yield* this.dev.gTxSeqSet(handle, spec.initialSeq);
      yield* this.dev.gCcSet(handle, cc);
    } catch (e) {
      try {
        yield* this.dev.gVoeFree(handle);
      } catch {
        /* the original error is the one to report */
      }
      throw e;
    }
    this.after();
    return handle;
  }

  async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    const conf = voeConfOf(spec, this.portMap);
    const cc = ccConfOf(spec);
    return this.exec(() => this.gUpdateVoe(handle, conf, cc));
  }

  private *gUpdateVoe(handle: number, conf: RawVoeConf, cc: RawCcConf): CallGen<void> {
    this.before();
    const cur = yield* this.dev.gVoeConfGet(handle);
    const changed =
      cur.port !== conf.port || cur.direction !== conf.direction || cur.level !== conf.level || cur.vlan !== conf.vlan ||
      cur.key !== conf.key || Array.from(cur.unicast_mac).join() !== Array.from(conf.unicast_mac).join();
    if (changed) yield* this.dev.gVoeConfSet(handle, conf);
    try {
      yield* this.dev.gCcSet(handle, cc); // the device keeps sequence numbers and peer state it can keep
    } catch (e) {
      // all or nothing: put the identity back when the CC part is refused
      if (changed) {
        try {
          yield* this.dev.gVoeConfSet(handle, { ...cur, unicast_mac: Array.from(cur.unicast_mac), reserved: [0, 0] });
        } catch {
          /* report the original error */
        }
      }
      throw e;
    }
    this.after();
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

  /** One write: bring the device up to date, write, deliver what it produced. */
  private *gWrite(write: CallGen<void>): CallGen<void> {
    this.before();
    yield* write;
    this.after();
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
    if (this.timeReadable && this.deviceClock.needsSample(this.hostClock.nowNs())) this.sampleTime();
    const had = this.events.length;
    const raws = yield* this.dev.gPollEvents();
    const polledNs = this.hostClock.nowNs();
    for (const raw of raws) {
      if (raw.kind === EVENT_INJECT_STOPPED) {
        this.injector?.stopped(raw.value);
        continue;
      }
      const ev = eventOf(raw);
      if (!ev) continue;
      // device time -> the manager's clock, as for frames (a hardware MEP's FNG runs from it)
      ev.atNs = this.hostTimeOf(ev.atNs, polledNs);
      this.events.push(ev);
    }
    if (this.events.length > had) this.drains.foundEvents();
    // nobody polls: keep the newest events only (status read-back stays the truth)
    if (this.events.length > MAX_BUFFERED_EVENTS) {
      this.eventsLost += this.events.length - MAX_BUFFERED_EVENTS;
      this.events.splice(0, this.events.length - MAX_BUFFERED_EVENTS);
    }
    // Without handlers punted frames wait in the device's bounded queue - unless an event fd
    // watches it: the fd stays readable while frames are queued, so they are read and held here.
    if (this.rxHandlers.size === 0 && !this.drains.notified) return;
    // frames read now were not queued yet when the previous drain found the queue empty
    const notBeforeNs = this.rxEmptyAtNs;
    for (;;) {
      const callNs = this.hostClock.nowNs();
      const f = yield* this.dev.gFrameRx();
      if (!f) {
        this.rxEmptyAtNs = callNs;
        break;
      }
      // read by now on the host (an upper bound of the read time: it is after the call returned)
      const readNs = this.hostClock.nowNs();
      const deviceNs = Number(f.info.time_ns);
      this.deviceClock.learn(deviceNs, readNs, notBeforeNs);
      // a frame punted by an up MEP came to it through the relay (802.1Q 19.2)
      const from = f.info.voe !== 0 && (yield* this.gVoeIsUp(f.info.voe)) ? 'relay' : 'wire';
      const rx: FrameRx = { port: this.portMap.toName(f.info.port), frame: f.frame, from, rxNs: this.hostTimeOf(deviceNs, readNs) };
      if (this.rxHandlers.size === 0) this.hold(rx);
      else for (const h of [...this.rxHandlers]) h(rx);
    }
  }

  /**
   * The engine's rxSettled hook (src/engine/continuity.ts): may punted frames received before a
   * remote MEP's deadline still wait to be read? With calls on the thread pool a drain queues
   * behind the configuration call under way (2 ms each on a slow SDK): then false, and
   * `onSettled` runs after a drain that starts from now on (so it reads everything the device
   * holds now). Virtual time: frames are delivered as the device makes them - true.
   */
  rxSettled(onSettled: () => void): boolean {
    if (this.closed || this.rxHandlers.size === 0 || !this.wantsPolling()) return true;
    if (this.calls === 'sync') {
      // the 5 ms poll timer reads them otherwise; never deliver inside the caller's call
      queueMicrotask(() => {
        this.pump();
        onSettled();
      });
      return false;
    }
    if (!this.drains.framesMayWait()) return true;
    this.drains.afterNextDrain(onSettled);
    return false;
  }

  /**
   * A punted frame's receive time (or an event's time) on the host clock: the device time it
   * carries, mapped (device-clock.ts); never after readNs, when the host had read it. Subclasses that drive the
   * device from the host clock know the offset exactly (the mock in virtual time).
   */
  protected hostTimeOf(deviceNs: number, readNs: number): number {
    return this.deviceClock.toHost(deviceNs, readNs);
  }

  private *gSampleTime(): CallGen<void> {
    this.sampleTime();
  }

  /**
   * Device-time reads between two host-clock reads (group "clock"), the best of SAMPLE_READS.
   * Called inside an operation (the drain), so no other call of this handle is under way; made
   * here on the event loop, not on the thread pool: a pool round trip would add the hop and the
   * event loop's latency to the bound (ms on a busy host), a counter read costs microseconds.
   */
  private sampleTime(): void {
    for (let i = 0; i < SAMPLE_READS && this.timeReadable; i++) {
      const beforeNs = this.hostClock.nowNs();
      let deviceNs: number | null;
      try {
        deviceNs = this.dev.timeGetNow();
      } catch (e) {
        this.timeReadable = false; // learn from the frames instead
        this.asyncFailure('cfm_asic_time_get (receive times are learnt from the frames instead)', e);
        return;
      }
      const afterNs = this.hostClock.nowNs();
      if (deviceNs === null) this.timeReadable = false;
      else this.deviceClock.addSample(beforeNs, deviceNs, afterNs);
      // a read that is not a quick counter read (a slow SDK): do not hold the event loop again
      if (afterNs - beforeNs > SLOW_READ_NS) break;
    }
  }

  private hold(rx: FrameRx): void {
    this.heldFrames.push(rx);
    const max = Math.max(1, this.rawCaps.punt_queue_len);
    if (this.heldFrames.length > max) {
      this.framesLost += this.heldFrames.length - max;
      this.heldFrames.splice(0, this.heldFrames.length - max);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopPolling();
    this.closed = true;
    this.rxHandlers.clear();
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

  private watchEvents(): void {
    let fd: number | null;
    try {
      fd = this.dev.eventFd();
    } catch (e) {
      this.asyncFailure('cfm_event_fd (events are polled instead)', e);
      return;
    }
    if (fd === null) return;
    if (!this.drains.watchFd(fd)) return; // no addon: poll as for a shim without the group
    this.onEventsPending = (listener) => this.drains.subscribe(listener);
  }

  private openInjector(): AsicInjector | undefined {
    try {
      const raw = injectCaps(this.dev);
      return raw ? new AsicInjector(this.dev, raw, this.portMap, (op, urgent) => this.exec(op, urgent)) : undefined;
    } catch (e) {
      this.asyncFailure('cfm_inject_caps_get (software MEPs send their CCMs themselves)', e);
      return undefined;
    }
  }

  private *gVoeIsUp(voe: number): CallGen<boolean> {
    try {
      return (yield* this.dev.gVoeConfGet(voe)).direction === 1;
    } catch {
      return false; // freed meanwhile
    }
  }

  private sendFrame(port: string, frame: Uint8Array, towards: FrameDirection): void {
    const p = this.portMap.toIndex(port, 'frames.send');
    if (this.calls === 'sync') {
      runSync(this.gWrite(this.dev.gFrameTx(p, frame, towards)));
      return;
    }
    // FramePort.send returns nothing: the frame goes ahead of queued configuration calls
    this.exec(() => this.gWrite(this.dev.gFrameTx(p, frame, towards)), true).catch((e: unknown) => this.asyncFailure(`frames.send on ${port}`, e));
  }

  private subscribe(handler: (rx: FrameRx) => void): () => void {
    this.rxHandlers.add(handler);
    if (this.heldFrames.length) {
      const held = this.heldFrames.splice(0, this.heldFrames.length);
      queueMicrotask(() => {
        for (const rx of held) for (const h of [...this.rxHandlers]) h(rx);
      });
    }
    // with an event fd the frames come with its notifications: no timer
    if (this.wantsPolling() && !this.drains.notified && !this.pollTimer) {
      this.pollTimer = setInterval(() => {
        this.before();
        this.pump(); // async: schedules a drain job
      }, this.pollIntervalMs);
      this.pollTimer.unref?.();
    }
    return () => {
      this.rxHandlers.delete(handler);
      if (this.rxHandlers.size === 0) this.stopPolling();
    };
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

}

const UNCONFIGURED_CC: RawCcConf = {
  maid: new Array(48).fill(0), mep_id: 0, interval: 4, priority: 0, peer_count: 0, peers: [], tx_enable: 0, rx_enable: 0,
  seq_update: 0, rdi: 0, port_status_tlv: 0, if_status_tlv: 0,
};
