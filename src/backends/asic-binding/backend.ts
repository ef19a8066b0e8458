/**
 * AsicBackend: the Backend contract (src/backends/types.ts) on top of any library implementing
 * the vendor C ABI. MockAsicBackend and VendorBackend are thin subclasses.
 *
 * State is always read back from the device (listVoes reads configs and keys from the ASIC), so
 * a new process finds the VOEs a previous one created (warm restart adoption by key).
 * Punted frames and events are polled (the ABI has no callbacks): `pump()` drains them; it runs
 * on pollEvents(), after every call that can produce frames, and on a timer while frame
 * handlers are subscribed (subclasses driven by a virtual clock pump after each advance).
 */
import type { IntervalCode } from '../../common/interval.js';
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import { CfmError } from '../../common/errors.js';
import type {
  Backend, BackendCapabilities, HwEvent, PolicerCounters, PolicerSpec, VoeChanges, VoeSpec, VoeState, VoeStatus,
} from '../types.js';
import type { RawCaps, RawCcConf, RawPolicerConf } from './abi.js';
import {
  AsicDevice, type VoeEntry, CAP_FRAME_IO, CAP_LB_OFFLOAD, CAP_LT_OFFLOAD, CAP_UP_MEP, CAP_VLAN_MEP, POLICER_ANY_PORT, TX_MODE,
} from './device.js';
import { PortMap, ccConfOf, eventOf, specOf, statusOf, voeConfOf } from './convert.js';
import { ASIC_STATUS, AsicError } from './status.js';

export interface AsicBackendOptions {
  /** Backend kind reported by capabilities() ('mock', 'vendor'). */
  kind: string;
  /** Port names, index = ABI port number. Default swp1..swpN. */
  portNames?: string[];
  /** Poll period for punted frames while handlers are subscribed (real-time use). Default 5 ms. */
  pollIntervalMs?: number;
}

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
    this.frames = {
      send: (port: string, frame: Uint8Array, towards?: FrameDirection) => this.sendFrame(port, frame, towards ?? 'wire'),
      onReceive: (handler: (rx: FrameRx) => void) => this.subscribe(handler),
    };
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
    this.before();
    return this.dev.voeSnapshot().map((e) => this.stateOfEntry(e));
  }

  /** The VOEs changed since an earlier answer's token (journal of own writes, AsicDevice). */
  async voeChanges(since: bigint | null): Promise<VoeChanges> {
    this.before();
    const c = this.dev.voeChangesSince(since);
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
    this.before();
    const handle = this.dev.voeAlloc(conf);
    try {
      // seed before the CC config: the very first CCM carries it (no sequence error at the peer)
      if (spec.initialSeq !== undefined && spec.seqUpdate && this.dev.hasTxSeq) this.dev.txSeqSet(handle, spec.initialSeq);
      this.dev.ccSet(handle, cc);
    } catch (e) {
      try {
        this.dev.voeFree(handle);
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
    this.before();
    const cur = this.dev.voeConfGet(handle);
    const changed =
      cur.port !== conf.port || cur.direction !== conf.direction || cur.level !== conf.level || cur.vlan !== conf.vlan ||
      cur.key !== conf.key || Array.from(cur.unicast_mac).join() !== Array.from(conf.unicast_mac).join();
    if (changed) this.dev.voeConfSet(handle, conf);
    try {
      this.dev.ccSet(handle, cc); // the device keeps sequence numbers and peer state it can keep
    } catch (e) {
      // all or nothing: put the identity back when the CC part is refused
      if (changed) {
        try {
          this.dev.voeConfSet(handle, { ...cur, unicast_mac: Array.from(cur.unicast_mac), reserved: [0, 0] });
        } catch {
          /* report the original error */
        }
      }
      throw e;
    }
    this.after();
  }

  async deleteVoe(handle: number): Promise<void> {
    this.before();
    this.dev.voeFree(handle);
    this.after();
  }

  async setRdi(handle: number, rdi: boolean): Promise<void> {
    this.before();
    this.dev.rdiSet(handle, rdi);
    this.after();
  }

  async readStatus(handle: number): Promise<VoeStatus> {
    this.before();
    const st = statusOf(handle, this.dev.status(handle, true));
    if (this.dev.hasTxSeq) st.txSeq = this.dev.txSeqGet(handle);
    return st;
  }

  async pollEvents(): Promise<HwEvent[]> {
    this.before();
    this.pump();
    return this.events.splice(0, this.events.length);
  }

  async setPolicer(id: number, spec: PolicerSpec | null): Promise<void> {
    this.before();
    this.dev.policerSet(id, spec ? this.policerConfOf(spec) : disabledPolicer());
    this.after();
  }

  async readPolicer(id: number): Promise<PolicerCounters> {
    this.before();
    const c = this.dev.policerCounters(id, false);
    return { passed: c.passed, dropped: c.dropped };
  }

  /** Drain punted frames to the handlers and hardware events into the pollEvents buffer. */
  pump(): void {
    if (this.closed) return;
    for (const raw of this.dev.pollEvents()) {
      const ev = eventOf(raw);
      if (ev) this.events.push(ev);
    }
    // nobody polls: keep the newest events only (status read-back stays the truth)
    if (this.events.length > MAX_BUFFERED_EVENTS) {
      this.eventsLost += this.events.length - MAX_BUFFERED_EVENTS;
      this.events.splice(0, this.events.length - MAX_BUFFERED_EVENTS);
    }
    if (this.rxHandlers.size === 0) return; // punted frames wait in the device's bounded queue
    for (let f = this.dev.frameRx(); f; f = this.dev.frameRx()) {
      // a frame punted by an up MEP came to it through the relay (802.1Q 19.2)
      const from = f.info.voe !== 0 && this.voeIsUp(f.info.voe) ? 'relay' : 'wire';
      const rx: FrameRx = { port: this.portMap.toName(f.info.port), frame: f.frame, from, rxNs: f.info.time_ns };
      for (const h of [...this.rxHandlers]) h(rx);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.stopPolling();
    this.closed = true;
    this.rxHandlers.clear();
    this.dev.close();
  }

  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a timer should poll punted frames (real time); virtual-clock subclasses say no. */
  protected wantsPolling(): boolean {
    return true;
  }

  private voeIsUp(voe: number): boolean {
    try {
      return this.dev.voeConfGet(voe).direction === 1;
    } catch {
      return false; // freed meanwhile
    }
  }

  private sendFrame(port: string, frame: Uint8Array, towards: FrameDirection): void {
    const p = this.portMap.toIndex(port, 'frames.send');
    this.before();
    this.dev.frameTx(p, frame, towards);
    this.after();
  }

  private subscribe(handler: (rx: FrameRx) => void): () => void {
    this.rxHandlers.add(handler);
    if (this.wantsPolling() && !this.pollTimer) {
      this.pollTimer = setInterval(() => {
        this.before();
        this.pump();
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

  private policerConfOf(spec: PolicerSpec): RawPolicerConf {
    const port = spec.port === '*' || spec.port === '' ? POLICER_ANY_PORT : this.portMap.toIndex(spec.port, 'PolicerSpec.port');
    let levelMask = 0;
    for (const l of spec.levels) {
      if (!Number.isInteger(l) || l < 0 || l > 7) throw new AsicError('PolicerSpec.levels', ASIC_STATUS.EINVAL, `level ${l} is not 0..7`);
      levelMask |= 1 << l;
    }
    const opcodeMask = new Array<number>(8).fill(0);
    for (const op of spec.opcodes) {
      if (!Number.isInteger(op) || op < 0 || op > 255) throw new AsicError('PolicerSpec.opcodes', ASIC_STATUS.EINVAL, `opcode ${op} is not 0..255`);
      opcodeMask[op >> 5] = (opcodeMask[op >> 5] | (1 << (op & 31))) >>> 0;
    }
    if (!Number.isInteger(spec.ratePps) || spec.ratePps < 0) {
      throw new AsicError('PolicerSpec.ratePps', ASIC_STATUS.EINVAL, `rate ${spec.ratePps} is not a non-negative integer`);
    }
    return { enable: 1, port, vlan: spec.vlan, level_mask: levelMask, opcode_mask: opcodeMask, rate_pps: spec.ratePps, burst: 0 };
  }
}

const UNCONFIGURED_CC: RawCcConf = {
  maid: new Array(48).fill(0), mep_id: 0, interval: 4, priority: 0, peer_count: 0, peers: [], tx_enable: 0, rx_enable: 0,
  seq_update: 0, rdi: 0, port_status_tlv: 0, if_status_tlv: 0,
};

function disabledPolicer(): RawPolicerConf {
  return { enable: 0, port: POLICER_ANY_PORT, vlan: 0, level_mask: 0, opcode_mask: new Array<number>(8).fill(0), rate_pps: 0, burst: 0 };
}
