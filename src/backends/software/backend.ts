/**
 * The software backend: "VOEs" on real Linux interfaces. CCM transmission runs in the native
 * scheduler (timerfd thread: honest 3.33 ms and 10 ms), reception comes from one AF_PACKET socket
 * per interface (BPF-filtered to CFM, tags restored) into a per-VOE CCM checker (checker.ts);
 * everything a VOE does not consume goes to `frames` (the CPU path) for the engine.
 */
import { RealClock, type Clock } from '../../common/clock.js';
import { CfmError } from '../../common/errors.js';
import { INTERVAL_CODES, intervalNs } from '../../common/interval.js';
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import type { Backend, BackendCapabilities, HwEvent, PortStateChange, VoeSpec, VoeState, VoeStatus } from '../types.js';
import { IF_STATUS_VALUE, LinkWatcher } from './link-watch.js';
import { PacketSocket } from '../../native/packet.js';
import { CcmScheduler, type SchedulerEvent } from '../../native/scheduler.js';
import { buildCcmFrame, OPCODE_CCM, parseCfmFrame } from './ccm-frame.js';
import { CcmChecker, monoNs } from './checker.js';
import { BPF_MAX_CAPACITY, type BpfCapacity, type BpfRx, type Datapath, type DatapathChoice, type KernelView } from './bpf-rx.js';
import { openReceive, type DatapathInfo } from './datapath.js';
import { deliverCcm, indexByPortVlan } from './rx-demux.js';
import { warnIfNotRealtime } from './tx-realtime.js';
import { validateSpec } from './validate.js';
import { txPlacement } from './tx-grid.js';
import { ExpiryTimer } from './expiry-timer.js';
import { receiveHoldNs } from './rx-hold.js';

export interface SoftwareBackendOptions {
  /** Linux interface names: the backend's ports. */
  ports: string[];
  /** Network namespace the interfaces live in (name under /run/netns, or a path). */
  netns?: string;
  /** Join the CFM multicast groups on each interface (default true). */
  membership?: boolean;
  /** Share a scheduler between backends (default: the backend creates and closes its own). */
  scheduler?: CcmScheduler;
  /**
   * SCHED_FIFO and a locked stack for the scheduler thread it creates (default true: best effort;
   * `schedulerMode()` says what runs, and a VOE at 3.33 ms or 10 ms gets one warning when refused).
   */
  realtime?: boolean;
  /**
   * Transmit on a shared phase grid (default true): VOEs with an interval of 100 ms or less start
   * in one of a few phase slots per interval (slots about 2 ms apart, at most 16), so those in one
   * slot are due at the same instant and go out in one scheduler wakeup with one sendmmsg per
   * port. false: every VOE on its own phase (one wakeup per CCM).
   */
  txGrid?: boolean;
  /** Max VOEs (default 8192). */
  maxVoes?: number;
  /** Clock that HwEvent.atNs and FrameRx.rxNs are reported on (default: a new RealClock). */
  clock?: Clock;
  /**
   * Receive datapath (issue 17): `tc` / `xdp` = the eBPF fast path (steady-state CCMs stop in the
   * kernel, LOC from kernel timers), `af-packet` = every CFM frame to user space, `auto` (default)
   * = tc where the program loads and attaches, else AF_PACKET (`datapathInfo()` says why).
   */
  datapath?: DatapathChoice;
  /**
   * Fewer event-loop wakeups per CCM (default true, issue 17): one expiry timer for every VOE's
   * rMEPwhile instead of one each, and on AF_PACKET a receive hold (rx-hold.ts: frames of all
   * ports read together, at most a quarter of the shortest receive interval late, never for
   * 3.33 ms). false: every frame read at once and a timer per VOE (for comparison benches).
   */
  coalesce?: boolean;
  /**
   * The checkers' rMEPwhile deadline (issue 17, LOC reported within one interval + 1 ms):
   * `native` (default where the addon has it) = a timerfd on the event loop, ns precision;
   * `js` = a setTimeout (whole ms, fires late; for the before/after bench).
   */
  lossDeadline?: 'native' | 'js';
  /**
   * AF_PACKET: CCMs on a socket of their own per port, every other CFM frame on a second one
   * (default true, issue 17): a flood of LBMs / LTMs / Y.1731 PDUs fills only the second queue,
   * so it cannot push the CCMs out. false: one socket per port (for the before/after bench).
   */
  splitCcm?: boolean;
  /**
   * eBPF datapath: entries of the program's MEP and peer maps (issue 17; default the most it
   * takes, 8192 and 65536). Sized to need, each CCM's map lookups stay in cache; capabilities()
   * then report `meps` VOEs (the planner keeps further MEPs in the engine) and a VOE beyond either
   * map is refused with a BACKEND error before anything changes. Ignored on AF_PACKET.
   */
  bpfCapacity?: Partial<BpfCapacity>;
}

/** A transmit error of one VOE (the scheduler tells only about changes). */
export interface TxStatusEvent {
  handle: number;
  key: string;
  ok: boolean;
  errno: number;
  code: string;
  message?: string;
}

interface Voe {
  handle: number;
  spec: VoeSpec;
  txId: number | undefined;
  checker: CcmChecker | undefined;
  /**
   * Sequence number of the VOE's next CCM while the scheduler does not hold it (created with
   * VoeSpec.initialSeq when seqUpdate, else 1; kept while ccmTx is off): 802.1Q 20.10, a MEP's sequence numbers
   * carry on, so a MEP moved here from the engine or a chip causes no sequence error (20.16.12).
   */
  nextSeq: number;
}

/** The spec as stored and read back: initialSeq is a create-time seed, not configuration. */
function copySpec(s: VoeSpec): VoeSpec {
  const { initialSeq: _seed, ...rest } = s;
  return { ...rest, maid: Uint8Array.from(s.maid), peers: [...s.peers] };
}

export class SoftwareBackend implements Backend {
  readonly kind = 'software';
  readonly frames: FramePort;
  readonly netns: string | undefined;
  private readonly portNames: string[];
  private readonly sockets = new Map<string, PacketSocket>();
  private readonly scheduler: CcmScheduler;
  private readonly ownScheduler: boolean;
  private readonly voes = new Map<number, Voe>();
  private readonly byTx = new Map<number, Voe>();
  private readonly events: HwEvent[] = [];
  private readonly eventListeners = new Set<(ev: HwEvent) => void>();
  private readonly pendingListeners = new Set<() => void>();
  private pendingNotified = false;
  private readonly txListeners = new Set<(ev: TxStatusEvent) => void>();
  private readonly rxHandlers = new Set<(rx: FrameRx) => void>();
  private readonly maxVoes: number;
  private readonly clock: Clock;
  private readonly unsubscribeTx: () => void;
  private readonly txGrid: boolean;
  private readonly coalesce: boolean;
  /** Shared by every checker when coalescing (else each checker has its own). */
  private readonly expiry: ExpiryTimer;
  private readonly nativeDeadline: boolean | undefined;
  private rxHoldNs = 0;
  /** port -> VLAN -> its VOEs (receive demux), rebuilt after a VOE is created, changed or deleted. */
  private rxIndex: Map<string, Map<number, Voe[]>> | undefined;
  private nextHandle = 1;
  private closed = false;
  private bpf: BpfRx | undefined;
  private readonly dpInfo: DatapathInfo;
  private linkWatch: LinkWatcher | undefined;
  /** The status TLV values each VOE's CCM was last built with (by spec object). */
  private readonly sentTlvs = new WeakMap<VoeSpec, string>();

  constructor(opts: SoftwareBackendOptions) {
    if (!Array.isArray(opts.ports) || opts.ports.length === 0) {
      throw new CfmError('CONFIG', 'software backend: at least one interface (port) is needed');
    }
    this.portNames = [...new Set(opts.ports)];
    this.netns = opts.netns;
    this.maxVoes = opts.maxVoes ?? 8192;
    // checked here, not by the loader: under `auto` a bad size must not become an AF_PACKET fallback
    for (const what of ['meps', 'peers'] as const) {
      const n = opts.bpfCapacity?.[what];
      if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= BPF_MAX_CAPACITY[what])) {
        throw new CfmError('CONFIG', `software backend option bpfCapacity.${what}: ${String(n)} is not a whole number 1..${BPF_MAX_CAPACITY[what]}`);
      }
    }
    this.clock = opts.clock ?? new RealClock();
    this.txGrid = opts.txGrid ?? true;
    this.coalesce = opts.coalesce ?? true;
    this.nativeDeadline = opts.lossDeadline === undefined ? undefined : opts.lossDeadline === 'native';
    this.expiry = new ExpiryTimer({ native: this.nativeDeadline });
    this.ownScheduler = !opts.scheduler;
    this.scheduler = opts.scheduler ?? new CcmScheduler({ realtime: opts.realtime ?? true });
    try {
      this.dpInfo = this.openDatapath(opts);
    } catch (e) {
      for (const s of this.sockets.values()) s.close();
      if (this.ownScheduler) this.scheduler.close();
      throw e;
    }
    this.unsubscribeTx = this.scheduler.onEvent((ev) => this.onTxEvent(ev));
    this.frames = {
      send: (port: string, frame: Uint8Array, towards?: FrameDirection) => this.sendFrame(port, frame, towards),
      onReceive: (handler: (rx: FrameRx) => void) => {
        this.rxHandlers.add(handler);
        return () => this.rxHandlers.delete(handler);
      },
    };
  }

  private openDatapath(opts: SoftwareBackendOptions): DatapathInfo {
    const r = openReceive({ ports: this.portNames, netns: opts.netns, membership: opts.membership, requested: opts.datapath ?? 'auto', splitCcm: opts.splitCcm ?? true, bpfCapacity: opts.bpfCapacity }, this.sockets, {
      frames: (port, frames, arrivalNs) => this.onRx(port, frames, arrivalNs),
      frame: (port, frame, atNs, kernel) => this.onRx(port, [frame], Float64Array.of(atNs), kernel),
      loc: (port, vlan, level, peer, atNs, lastSeenNs) => this.onKernelLoc(port, vlan, level, peer, atNs, lastSeenNs),
    });
    this.bpf = r.bpf;
    return r.info;
  }

  /** The receive datapath in use (the same for every port of this backend), and a fallback's reason. */
  datapathInfo(): DatapathInfo {
    return { ...this.dpInfo };
  }

  /** The receive datapath of a port: 'tc', 'xdp' or 'af-packet'. */
  datapath(port: string): Datapath {
    this.socket(port);
    return this.dpInfo.datapath;
  }

  /**
   * Extra: CPU protection inside the eBPF program, as a native-policer module for
   * src/cpu-protection (undefined on AF_PACKET, where the native policer runs on the sockets).
   */
  kernelPolicer(): ReturnType<BpfRx['policerModule']> | undefined {
    return this.bpf?.policerModule();
  }

  /** Extra: the eBPF program's counters (frames seen, stopped in the kernel, sent up, wakeups). */
  bpfStats(): ReturnType<BpfRx['stats']> | undefined {
    return this.bpf?.stats();
  }

  /** Extra: the eBPF maps' capacity (undefined on AF_PACKET: no map, memory the only limit). */
  bpfCapacity(): BpfCapacity | undefined {
    return this.bpf ? { ...this.bpf.capacity } : undefined;
  }

  capabilities(): BackendCapabilities {
    // eBPF: one MEP map entry per receiving VOE, like a chip's VOE table; the peer map bounds one
    // VOE's peers and, as remoteMepTable, all VOEs' peers together (createVoe checks it again)
    const voes = Math.min(this.maxVoes, this.bpf?.capacity.meps ?? this.maxVoes);
    return {
      kind: 'software',
      description: `software datapath: ${this.dpInfo.datapath === 'af-packet' ? 'AF_PACKET' : `eBPF ${this.dpInfo.datapath}`} receive + native timerfd CCM scheduler on ${this.portNames.join(', ')}${this.netns ? ` (netns ${this.netns})` : ''}`,
      portVoes: voes,
      serviceVoes: voes,
      txIntervals: [...INTERVAL_CODES],
      rxIntervals: [...INTERVAL_CODES],
      peersPerVoe: Math.min(8191, this.bpf?.capacity.peers ?? 8191),
      // the peer map's total, so the planner keeps the MEPs beyond it in the engine with a reason
      // instead of createVoe refusing them (AF_PACKET: no map, memory the only limit)
      ...(this.bpf ? { remoteMepTable: { entries: this.bpf.capacity.peers, name: 'eBPF peer map' } } : {}),
      upMep: false,
      vlanMep: true,
      // the backend generates CCMs itself (native scheduler), no injector budget to share
      ccmTxMode: 'hardware',
      loopbackOffload: false,
      linktraceOffload: false,
      policers: 0,
      frameIo: true,
      voePortState: true, // CCMs rebuilt from the link watcher's state (statusTlvs)
      txSeqSeed: true, // the scheduler's first sequence number is VoeSpec.initialSeq
    };
  }

  ports(): string[] {
    return [...this.portNames];
  }

  /** Local MAC address of a port (to use as a VOE's unicastMac). */
  portMac(port: string): string {
    return this.socket(port).mac;
  }

  /** The AF_PACKET socket of a port, for native stages on its receive path (CPU protection). */
  socketFd(port: string): number {
    return this.socket(port).fd;
  }

  /** How the CCM scheduler thread really runs, e.g. "SCHED_FIFO 10" or "SCHED_OTHER". */
  schedulerMode(): string {
    return this.scheduler.modeText();
  }

  /** Receive statistics of a port's socket (frames seen by JavaScript, kernel drops). */
  socketStats(port: string): ReturnType<PacketSocket['stats']> {
    return this.socket(port).stats();
  }

  async listVoes(): Promise<VoeState[]> {
    return [...this.voes.values()].map((v) => ({ handle: v.handle, spec: copySpec(v.spec) }));
  }

  async createVoe(spec: VoeSpec): Promise<number> {
    this.checkOpen();
    validateSpec(spec, this.portNames);
    if (this.voes.size >= this.maxVoes) throw new CfmError('BACKEND', `software backend: VOE table full (${this.voes.size}/${this.maxVoes})`);
    for (const v of this.voes.values()) {
      if (v.spec.key === spec.key) throw new CfmError('BACKEND', `software backend: a VOE with key '${spec.key}' exists (handle ${v.handle})`);
      this.checkClash(v, spec);
    }
    this.bpf?.checkFits(spec);
    const handle = this.nextHandle++;
    // the seed counts for a numbering VOE only, as in the ASIC binding (voe-writes.ts)
    const nextSeq = spec.seqUpdate && spec.initialSeq !== undefined ? spec.initialSeq >>> 0 : 1;
    const voe: Voe = { handle, spec: copySpec(spec), txId: undefined, checker: undefined, nextSeq };
    this.voes.set(handle, voe);
    this.rxIndex = undefined;
    this.startRx(voe);
    this.startTx(voe);
    this.updateRxHold();
    return handle;
  }

  async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    this.checkOpen();
    const voe = this.voe(handle);
    validateSpec(spec, this.portNames);
    for (const v of this.voes.values()) {
      if (v === voe) continue;
      if (v.spec.key === spec.key) throw new CfmError('BACKEND', `software backend: a VOE with key '${spec.key}' exists (handle ${v.handle})`);
      this.checkClash(v, spec);
    }
    this.bpf?.checkFits(spec, voe.checker ? voe.spec : undefined);
    const old = voe.spec;
    voe.spec = copySpec(spec);
    this.rxIndex = undefined;
    // Transmit: keep the running sequence number; same port and interval -> same grid, new bytes.
    if (voe.txId !== undefined && spec.ccmTx && old.port === spec.port && old.interval === spec.interval) {
      const built = this.build(voe.spec, this.txSeq(voe));
      this.scheduler.setFrame(voe.txId, built.frame, spec.seqUpdate ? built.seqOffset : -1, built.flagsOffset);
      this.scheduler.setRdi(voe.txId, spec.rdi);
    } else {
      this.stopTx(voe); // keeps the sequence number for the restart
      this.startTx(voe);
    }
    if (!spec.ccmRx) {
      voe.checker?.close();
      voe.checker = undefined;
      if (old.ccmRx) this.bpf?.remove(old);
    } else if (voe.checker) {
      voe.checker.reset(voe.spec);
      this.bpf?.change(handle, old, voe.spec);
    } else {
      this.startRx(voe);
    }
    this.updateRxHold();
  }

  async deleteVoe(handle: number): Promise<void> {
    const voe = this.voe(handle);
    this.stopTx(voe);
    if (voe.checker) this.bpf?.remove(voe.spec);
    voe.checker?.close();
    this.voes.delete(handle);
    this.rxIndex = undefined;
    this.updateRxHold();
  }

  async setRdi(handle: number, rdi: boolean): Promise<void> {
    const voe = this.voe(handle);
    voe.spec.rdi = rdi;
    if (voe.txId !== undefined) this.scheduler.setRdi(voe.txId, rdi);
  }

  async readStatus(handle: number): Promise<VoeStatus> {
    const voe = this.voe(handle);
    const tx = voe.txId !== undefined ? this.scheduler.info(voe.txId) : undefined;
    const c = voe.checker;
    const sticky = c?.takeSticky();
    const k = this.kernelCounts(voe);
    return {
      handle,
      peers: c ? k.peers : [],
      unexpectedMepId: sticky?.['unexpected-mep-id'] ?? false,
      unexpectedMegId: sticky?.['unexpected-meg-id'] ?? false,
      unexpectedLevel: sticky?.['unexpected-level'] ?? false,
      unexpectedPeriod: sticky?.['unexpected-period'] ?? false,
      unexpectedPriority: sticky?.['unexpected-priority'] ?? false,
      counters: {
        ccmTx: (c?.counters.ccmTx ?? 0) + (tx?.sent ?? 0),
        ccmRxValid: (c?.counters.ccmRxValid ?? 0) + k.valid,
        ccmRxInvalid: c?.counters.ccmRxInvalid ?? 0,
        ccmRxOutOfOrder: (c?.counters.ccmRxOutOfOrder ?? 0) + k.seqErrors,
        cpuCopies: c?.counters.cpuCopies ?? 0,
      },
      txSeq: tx?.seq ?? voe.nextSeq, // the same read as ccmTx (one CCM may be in flight: its number taken, not yet counted)
    };
  }

  /** Peer status with the kernel's share (eBPF: steady-state CCMs counted there, last sequence number). */
  private kernelCounts(voe: Voe): { peers: ReturnType<CcmChecker['peerStatus']>; valid: number; seqErrors: number } {
    const peers = voe.checker?.peerStatus() ?? [];
    let valid = 0;
    let seqErrors = 0;
    if (this.bpf && voe.checker) {
      for (const p of peers) {
        const k = this.bpf.peer(voe.spec, p.mepId);
        if (!k) continue;
        valid += k.valid;
        seqErrors += k.seqErrors;
        if (k.seen) p.lastSeq = k.lastSeq;
      }
    }
    return { peers, valid, seqErrors };
  }

  async pollEvents(): Promise<HwEvent[]> {
    return this.events.splice(0, this.events.length);
  }

  /** Backend push hook: `listener` runs (on the loop, once per burst) when events are pending. */
  onEventsPending(listener: () => void): () => void {
    this.pendingListeners.add(listener);
    return () => this.pendingListeners.delete(listener);
  }

  /** Port state from rtnetlink (link-watch.ts): oper state and bridge STP state of the ports. */
  onPortState(listener: (s: PortStateChange) => void): () => void {
    if (this.closed) return () => undefined;
    return this.watchLinks().onChange(listener);
  }

  /** Extra (not in the Backend contract): be told of each event as it happens. */
  onEvent(fn: (ev: HwEvent) => void): () => void {
    this.eventListeners.add(fn);
    return () => this.eventListeners.delete(fn);
  }

  /** Extra: transmit failures and recoveries (e.g. ENETDOWN while the link is down). */
  onTxStatus(fn: (ev: TxStatusEvent) => void): () => void {
    this.txListeners.add(fn);
    return () => this.txListeners.delete(fn);
  }

  /** Extra: the native transmit state of a VOE (next sequence number, frames sent, errors). */
  txInfo(handle: number): { seq: number; sent: number; errors: number; lastErrno: number } | undefined {
    const voe = this.voe(handle);
    return voe.txId !== undefined ? this.scheduler.info(voe.txId) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const voe of this.voes.values()) {
      this.stopTx(voe);
      voe.checker?.close();
    }
    this.voes.clear();
    this.expiry.close();
    this.rxIndex = undefined;
    this.unsubscribeTx();
    if (this.ownScheduler) this.scheduler.close();
    this.bpf?.close();
    this.bpf = undefined;
    this.linkWatch?.close();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.rxHandlers.clear();
    this.eventListeners.clear();
    this.pendingListeners.clear();
    this.txListeners.clear();
  }

  // ---- internals

  private checkOpen(): void {
    if (this.closed) throw new CfmError('BACKEND', 'software backend is closed');
  }

  private voe(handle: number): Voe {
    const v = this.voes.get(handle);
    if (!v) throw new CfmError('BACKEND', `software backend: no VOE with handle ${handle}`);
    return v;
  }

  private socket(port: string): PacketSocket {
    const s = this.sockets.get(port);
    if (!s) throw new CfmError('BACKEND', `software backend: '${port}' is not one of its interfaces (${this.portNames.join(', ')})`);
    return s;
  }

  /** One MEP per MA per port: two VOEs on the same port, VLAN and level would both claim its CCMs. */
  private checkClash(v: Voe, spec: VoeSpec): void {
    if (v.spec.port === spec.port && v.spec.vlan === spec.vlan && v.spec.level === spec.level) {
      throw new CfmError('BACKEND', `software backend: VOE '${v.spec.key}' already is the MEP at level ${spec.level} on ${spec.port} vlan ${spec.vlan}`);
    }
  }

  /**
   * The CCM a VOE sends. Its status TLVs report the port's real state (802.1Q 20.9.2-20.9.3):
   * the link watcher's STP / oper state when known, else the configured values; the spec (read
   * back) keeps the configured values.
   */
  private build(spec: VoeSpec, seq: number) {
    const [portStatusTlv, interfaceStatusTlv] = this.statusTlvs(spec);
    this.sentTlvs.set(spec, `${portStatusTlv}/${interfaceStatusTlv}`);
    return buildCcmFrame({
      srcMac: spec.unicastMac, level: spec.level, vlan: spec.vlan, priority: spec.priority, mepId: spec.mepId,
      // without seqUpdate the scheduler patches nothing: the frame carries 0 (not numbered, Y.1731 7.1.1)
      maid: spec.maid, interval: spec.interval, rdi: spec.rdi, seq: spec.seqUpdate ? seq : 0, portStatusTlv, interfaceStatusTlv,
    });
  }

  /** Port / Interface Status TLV values a VOE sends: the port's state when known, else the configured ones. */
  private statusTlvs(spec: VoeSpec): [number, number] {
    const ps = spec.portStatusTlv || spec.interfaceStatusTlv ? this.portState(spec.port) : undefined;
    if (!ps) return [spec.portStatusTlv, spec.interfaceStatusTlv];
    return [
      spec.portStatusTlv ? (ps.forwarding === false ? 1 : 2) : 0,
      spec.interfaceStatusTlv ? IF_STATUS_VALUE[ps.operStatus ?? 'up'] : 0,
    ];
  }

  /** A port's state from the link watcher; undefined until read, or when rtnetlink cannot be opened. */
  private portState(port: string): PortStateChange | undefined {
    try {
      return this.watchLinks().state(port);
    } catch {
      return undefined; // no link watch (no rtnetlink here): the VOE sends its configured values
    }
  }

  /** The rtnetlink link watcher (started on first need); a port's change rebuilds its VOEs' CCMs. */
  private watchLinks(): LinkWatcher {
    if (this.linkWatch) return this.linkWatch;
    const w = new LinkWatcher({ ports: this.portNames, netns: this.netns });
    this.linkWatch = w;
    w.onChange((s) => {
      for (const voe of this.voes.values()) {
        const sp = voe.spec;
        if (voe.txId === undefined || sp.port !== s.port || !(sp.portStatusTlv || sp.interfaceStatusTlv)) continue;
        if (this.sentTlvs.get(sp) === this.statusTlvs(sp).join('/')) continue; // no change in what it sends
        const built = this.build(sp, this.txSeq(voe));
        this.scheduler.setFrame(voe.txId, built.frame, sp.seqUpdate ? built.seqOffset : -1, built.flagsOffset);
      }
    });
    return w;
  }

  /** Sequence number of the VOE's next CCM (the scheduler's while it transmits; it counts only with seqUpdate). */
  private txSeq(voe: Voe): number {
    return (voe.txId !== undefined ? this.scheduler.info(voe.txId)?.seq : undefined) ?? voe.nextSeq;
  }

  private startTx(voe: Voe): void {
    const spec = voe.spec;
    if (!spec.ccmTx) return;
    if (spec.interval <= 2) warnIfNotRealtime(this.scheduler);
    const firstSeq = voe.nextSeq;
    const built = this.build(spec, firstSeq);
    const period = intervalNs(spec.interval);
    voe.txId = this.scheduler.add({
      socket: this.socket(spec.port),
      frame: built.frame,
      intervalNs: period,
      seqOffset: spec.seqUpdate ? built.seqOffset : undefined,
      flagsOffset: built.flagsOffset,
      firstSeq,
      rdi: spec.rdi,
      ...txPlacement(voe.handle, period, this.txGrid, this.sharingInterval(spec.interval)),
    });
    this.byTx.set(voe.txId, voe);
  }

  /** VOEs that transmit at `interval` (the phase grid's slot count grows with them). */
  private sharingInterval(interval: VoeSpec['interval']): number {
    let n = 0;
    for (const v of this.voes.values()) if (v.spec.ccmTx && v.spec.interval === interval) n++;
    return n;
  }

  private stopTx(voe: Voe): void {
    if (voe.txId === undefined) return;
    voe.nextSeq = this.txSeq(voe);
    this.scheduler.remove(voe.txId);
    this.byTx.delete(voe.txId);
    voe.txId = undefined;
  }

  private startRx(voe: Voe): void {
    if (!voe.spec.ccmRx) return;
    voe.checker = new CcmChecker(voe.handle, voe.spec, {
      emit: (ev) => this.emit(ev),
      flush: () => void (this.bpf ? this.bpf.poll() : this.sockets.get(voe.spec.port)?.poll()),
    }, this.coalesce ? this.expiry : new ExpiryTimer({ native: this.nativeDeadline }));
    this.bpf?.add(voe.handle, voe.spec);
  }

  /** AF_PACKET: the receive hold the VOEs' intervals allow, set on every port's socket when it changes. */
  private updateRxHold(): void {
    if (this.bpf || !this.coalesce) return;
    const hold = receiveHoldNs(this.voes.values());
    if (hold === this.rxHoldNs) return;
    this.rxHoldNs = hold;
    for (const s of this.sockets.values()) s.setReceiveHold(hold);
  }

  /** CLOCK_MONOTONIC ns (the addon's and checker's time) -> the backend's clock. */
  private toClockNs(mono: number): number {
    return this.clock.nowNs() - (monoNs() - mono);
  }

  private emit(ev: HwEvent): void {
    ev.atNs = this.toClockNs(ev.atNs);
    this.events.push(ev);
    for (const l of this.eventListeners) l(ev);
    // Push: one notification per burst of events (after the current receive batch or timer),
    // so the manager drains at once instead of waiting for a poll.
    if (this.pendingListeners.size > 0 && !this.pendingNotified) {
      this.pendingNotified = true;
      queueMicrotask(() => {
        this.pendingNotified = false;
        if (this.closed) return;
        for (const l of this.pendingListeners) l();
      });
    }
  }

  private onTxEvent(ev: SchedulerEvent): void {
    const voe = this.byTx.get(ev.id);
    if (!voe) return;
    const out: TxStatusEvent = { handle: voe.handle, key: voe.spec.key, ok: ev.kind === 'recovered', errno: ev.errno, code: ev.code };
    if (ev.message) out.message = ev.message;
    for (const l of this.txListeners) l(out);
  }

  private sendFrame(port: string, frame: Uint8Array, towards?: FrameDirection): void {
    if (towards === 'relay') {
      throw new CfmError('UNSUPPORTED', 'software backend: no bridge relay (up MEPs are not modelled); frames go to the wire only');
    }
    this.checkOpen();
    if (!this.socket(port).send(frame)) {
      throw new CfmError('BACKEND', `software backend: send on ${port}: socket buffer full`);
    }
  }

  /** The kernel timer of a peer expired (eBPF datapath). */
  private onKernelLoc(port: string, vlan: number, level: number, peer: number, atNs: number, lastSeenNs: number): void {
    for (const v of (this.rxIndex ??= indexByPortVlan(this.voes.values())).get(port)?.get(vlan) ?? []) {
      if (v.spec.level === level) v.checker?.kernelLoc(peer, atNs, lastSeenNs);
    }
  }

  private onRx(port: string, frames: Uint8Array[], arrivalNs: Float64Array, kernel?: KernelView): void {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      // the frame's kernel receive time: continuity is judged on the wire's timing, not the read's
      const rxNs = arrivalNs[i]!;
      const p = parseCfmFrame(f);
      if (!p) continue;
      // the index is looked up per frame: a handler may create or delete VOEs mid-batch
      const candidates = p.opcode === OPCODE_CCM ? (this.rxIndex ??= indexByPortVlan(this.voes.values())).get(port)?.get(p.vlan) : undefined;
      const consumed = candidates ? deliverCcm(candidates, (v) => this.voes.get(v.handle) === v, port, p, rxNs, kernel) : false;
      if (!consumed && this.rxHandlers.size > 0) {
        const rx: FrameRx = { port, frame: Uint8Array.from(f), from: 'wire', rxNs: this.toClockNs(rxNs) };
        for (const h of this.rxHandlers) h(rx);
      }
    }
  }
}

export type { DatapathInfo };

export function openSoftwareBackend(opts: SoftwareBackendOptions): Promise<SoftwareBackend> {
  return Promise.resolve().then(() => new SoftwareBackend(opts));
}
