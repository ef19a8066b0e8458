/**
 * MockAsicBackend: the Backend contract on the mock ASIC (native/asic, libcfm_mock_asic.so),
 * plus what simulators and tests need: virtual time driven by a Clock, frames from/to the wire,
 * fault injection, persistence (statePath) and several instances per process.
 *
 * Time: without a clock the ASIC stands still until advance() is called. attachVirtualClock(c)
 * keeps one timer on c at the ASIC's next deadline; when it fires (and before every call) the
 * ASIC is advanced to the clock's time, then wire transmissions, punted frames and events are
 * drained. Two mocks on the same VirtualClock wired port to port form a network.
 */
import type { Clock, TimerHandle } from '../../common/clock.js';
import { CfmError } from '../../common/errors.js';
import { AsicBackend } from '../asic-binding/backend.js';
import { AsicDevice, PORT_PUNT_ALL } from '../asic-binding/device.js';
import type { RawCounters } from '../asic-binding/abi.js';
import { mockAsicLibPath } from '../asic-binding/paths.js';
import { ASIC_STATUS, type AsicStatusName } from '../asic-binding/status.js';
import type { BackendCapabilities, PortStateChange } from '../types.js';
import { mockCallMode, mockOpenArgs, mockPortNames, type MockAsicOptions } from './options.js';

/** Real time: how often the wire tap drains (onWireTransmit), while frames come / at most. */
const WIRE_POLL_MIN_MS = 2;
const WIRE_POLL_MAX_MS = 16;

/** A frame the ASIC put on the wire; atNs = device time it left the port (null: older library). */
export type WireTransmitHandler = (port: string, frame: Uint8Array, atNs: number | null) => void;

/** Interface Status TLV values (802.1Q 21.5.5). */
const IF_STATUS_VALUE: Record<NonNullable<PortStateChange['operStatus']>, number> = {
  up: 1, down: 2, testing: 3, unknown: 4, dormant: 5, notPresent: 6, lowerLayerDown: 7,
};

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export class MockAsicBackend extends AsicBackend {
  readonly options: MockAsicOptions;
  private clock: Clock | null = null;
  private offsetNs = 0; // ASIC time - clock time
  private timer: TimerHandle | null = null;
  private timerAtNs: number | null = null;
  private readonly wireHandlers = new Set<WireTransmitHandler>();
  private pumping = false;
  /** Real time: drains the wire for onWireTransmit handlers (injected frames appear without any call). */
  private wireTimer: ReturnType<typeof setTimeout> | null = null;
  private wireWaitMs = WIRE_POLL_MIN_MS;
  private readonly portStates = new Map<string, PortStateChange>();
  private readonly portListeners = new Set<(s: PortStateChange) => void>();

  constructor(options: MockAsicOptions = {}) {
    const dev = AsicDevice.open(options.libPath ?? mockAsicLibPath(), mockOpenArgs(options));
    const portNames = mockPortNames(options);
    super(dev, { kind: 'mock', calls: mockCallMode(options), ...(portNames ? { portNames } : {}) });
    this.options = { ...options };
  }

  /** The clock the ASIC follows (attachVirtualClock), or null. */
  get attachedClock(): Clock | null {
    return this.clock;
  }

  /** Drive the ASIC from a clock (VirtualClock in tests and the simulator). Returns a detach function. */
  attachVirtualClock(clock: Clock): () => void {
    if (this.options.realTime) throw new CfmError('BACKEND', 'a real-time mock ASIC cannot follow a virtual clock');
    this.detachClock();
    this.clock = clock;
    this.offsetNs = this.dev.mockNow() - clock.nowNs();
    this.reschedule();
    return () => {
      if (this.clock === clock) this.detachClock();
    };
  }

  /**
   * Receive and event times: in virtual time the device follows the attached clock at a known offset, so
   * the mapping is exact (without a clock, advance(): the device's own time is the port's clock);
   * in real time its CLOCK_MONOTONIC counter has its own origin (the open), mapped like any
   * device's (asic-binding/device-clock.ts).
   */
  protected override hostTimeOf(deviceNs: number, readNs: number): number {
    if (this.options.realTime) return super.hostTimeOf(deviceNs, readNs);
    return this.clock ? deviceNs - this.offsetNs : deviceNs;
  }

  /** Advance the ASIC's own time (when no clock is attached) and deliver what it produced. */
  advance(ns: number): void {
    if (this.clock) throw new CfmError('BACKEND', 'advance(): the mock follows an attached clock; advance the clock instead');
    this.dev.mockAdvance(ns);
    this.pump();
  }

  /** ASIC time in ns. */
  nowNs(): number {
    return this.dev.mockNow();
  }

  /** Time (ASIC time) of the next internal event, or null. */
  nextDeadlineNs(): number | null {
    return this.dev.mockNextDeadline();
  }

  /**
   * The state of one of the simulated switch's ports (its STP state, its link / oper state).
   * The ASIC's VOEs on the port send it in their status TLVs (cfm_mock_port_set_state) and
   * listeners of onPortState hear it (the manager: software MEPs' Port / Interface Status TLVs,
   * 802.1Q 20.9.2-20.9.3). The mock's relay forwards as before.
   */
  setPortState(port: string, s: Omit<PortStateChange, 'port'>): void {
    const p = this.portMap.toIndex(port, 'setPortState');
    const next: PortStateChange = { port, forwarding: true, operStatus: 'up', ...this.portStates.get(port), ...definedOnly(s) };
    this.before();
    this.dev.mockPortSetState(p, next.forwarding !== false, IF_STATUS_VALUE[next.operStatus ?? 'up']);
    this.after();
    this.portStates.set(port, next);
    for (const l of [...this.portListeners]) l({ ...next });
  }

  /** The mock's VOEs send their port's state themselves (cfm_mock_port_set_state). */
  override capabilities(): BackendCapabilities {
    return { ...super.capabilities(), voePortState: true };
  }

  /** Backend port-state hook: every port set so far at once, then each change. */
  onPortState(listener: (s: PortStateChange) => void): () => void {
    this.portListeners.add(listener);
    for (const s of this.portStates.values()) listener({ ...s });
    return () => this.portListeners.delete(listener);
  }

  /** A frame arriving on `port` from the wire. */
  injectFromWire(port: string, frame: Uint8Array): void {
    const p = this.portMap.toIndex(port, 'injectFromWire');
    this.before();
    this.dev.mockPortRx(p, frame);
    this.after();
  }

  /** Frames the ASIC puts on the wire (generated CCMs, CPU-injected and relayed frames). */
  onWireTransmit(cb: WireTransmitHandler): () => void {
    this.wireHandlers.add(cb);
    // In real time the device sends by itself (VOE CCMs, periodic injections from its own
    // thread): a tap must not wait for the next call to see them. Frames carry their send time.
    if (this.options.realTime && !this.wireTimer) this.pollWire();
    return () => {
      this.wireHandlers.delete(cb);
      if (this.wireHandlers.size === 0 && this.wireTimer) {
        clearTimeout(this.wireTimer);
        this.wireTimer = null;
      }
    };
  }

  /**
   * Every 2 ms while frames come, backing off to 16 ms while none do (an idle board costs no CPU
   * for its tap); the frames carry their send time either way.
   */
  private pollWire(): void {
    this.wireTimer = setTimeout(() => {
      const found = this.deliverWire();
      this.wireWaitMs = found ? WIRE_POLL_MIN_MS : Math.min(WIRE_POLL_MAX_MS, this.wireWaitMs * 2);
      if (this.wireTimer && !this.isClosed) this.pollWire();
    }, this.wireWaitMs);
    this.wireTimer.unref?.();
  }

  /** Fault injection: the device stops periodic injection `id` by itself (group "inject"). */
  failInjection(id: number, status: AsicStatusName = 'EIO'): void {
    this.dev.mockInjectFail(id, ASIC_STATUS[status]);
  }

  /**
   * Punt all CFM frames of a port without VOE to the CPU (software MEPs/MIPs there). Stays a
   * synchronous call even with calls on the thread pool: the manager's PuntControl is synchronous
   * and its failure must fail the apply; one call per port whose punting changes.
   */
  setPortPuntAll(port: string, on: boolean): void {
    this.dev.setPortFlags(this.portMap.toIndex(port, 'setPortPuntAll'), on ? PORT_PUNT_ALL : 0);
  }

  /** Device-wide counters (punt overflow, policer drops, frames dropped below an MP level ...); synchronous (diagnostics). */
  counters(): RawCounters {
    this.before();
    return this.dev.counters();
  }

  /** Fault injection: the k-th ABI call from now (1 = the next) fails with `status`. */
  failCall(k: number, status: AsicStatusName): void {
    this.dev.mockFailCall(k, ASIC_STATUS[status]);
  }

  /** Fault injection: each vendor-ABI call fails with `status` at `ppm` per million (0 = off); seed != 0 restarts the sequence. */
  failRandom(ppm: number, status: AsicStatusName = 'EIO', seed = 0): void {
    this.dev.mockFailRandom(ppm, ASIC_STATUS[status], seed);
  }

  /** A board's speed from now: each vendor-ABI call takes latencyUs + random 0..jitterUs (open with calls 'async' to keep it off the event loop). */
  setLatency(latencyUs: number, jitterUs = 0): void {
    this.dev.mockSetLatency(latencyUs * 1000, jitterUs * 1000);
  }

  /** Fault injection: the next n frames from the wire are lost. */
  dropFrames(n: number): void {
    this.dev.mockDropFrames(n);
  }

  /** Fault injection: VOE allocation reports a full table while on. */
  setTableFull(on: boolean): void {
    this.dev.mockTableFull(on);
  }

  /** Write the state file now (needs statePath). */
  save(): void {
    this.dev.mockSave();
  }

  override async close(): Promise<void> {
    if (this.isClosed) return;
    if (this.wireTimer) clearTimeout(this.wireTimer);
    this.wireTimer = null;
    this.before();
    this.detachClock();
    await super.close();
  }

  /** Bring the ASIC to the attached clock's time. */
  protected override before(): void {
    if (!this.clock || this.isClosed) return;
    const target = this.clock.nowNs() + this.offsetNs;
    const now = this.dev.mockNow();
    if (target > now) {
      this.dev.mockAdvance(target - now);
    } else {
      // Work created at the current instant (a VOE configured at t > 0 has its first CCM due at
      // t) is due now: advancing by 0 runs it. Without this the clock timer for that deadline
      // would re-fire at t forever.
      const due = this.dev.mockNextDeadline();
      if (due !== null && due <= now) this.dev.mockAdvance(0);
    }
  }

  protected override after(): void {
    this.pump();
    this.reschedule();
  }

  protected override wantsPolling(): boolean {
    // virtual time: frames only appear on calls that already drain them (advance, inject, timers)
    return this.options.realTime === true;
  }

  /** Also drains the wire transmit queue to onWireTransmit handlers (frames are dropped without one). */
  override pump(): void {
    if (this.isClosed || this.pumping) return;
    this.pumping = true;
    try {
      // handlers may feed frames back into this ASIC (a loop cable): drain until quiet
      for (let round = 0; round < 1000; round++) {
        super.pump();
        if (!this.deliverWire()) break;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Wire frames to the onWireTransmit handlers; false when there were none. */
  private deliverWire(): boolean {
    if (this.isClosed) return false;
    const out = this.dev.mockPortTxDrain();
    for (const f of out) {
      const port = this.portMap.toName(f.port);
      for (const h of [...this.wireHandlers]) h(port, f.frame, f.atNs);
    }
    return out.length > 0;
  }

  private reschedule(): void {
    if (!this.clock || this.isClosed) return;
    const at = this.dev.mockNextDeadline();
    const clockAt = at === null ? null : at - this.offsetNs;
    if (clockAt === this.timerAtNs && this.timer) return;
    this.timer?.cancel();
    this.timer = null;
    this.timerAtNs = clockAt;
    if (clockAt === null) return;
    this.timer = this.clock.setTimerAt(clockAt, () => {
      this.timer = null;
      this.timerAtNs = null;
      if (this.isClosed) return;
      this.before();
      this.after();
    });
  }

  private detachClock(): void {
    this.timer?.cancel();
    this.timer = null;
    this.timerAtNs = null;
    this.clock = null;
  }
}
