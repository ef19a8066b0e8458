/**
 * Typed wrapper over the eBPF datapath (native/bpf/cfm.bpf.c, loader native/bpf/bpf_datapath.cc):
 * the CFM receive fast path in the kernel, at tc ingress or XDP. Records from its ring buffer
 * arrive on the event loop, one call per wakeup.
 * The loader is its own optional module, cfm_bpf.node (the only binary linking libbpf.so.1),
 * found by src/native/resolve.ts (source build, then prebuilds/<platform>-<arch>/) and loaded
 * lazily on first use: the main addon loads without libbpf, and when this module does not load
 * (not built, no prebuild for the platform, libbpf1 missing, older glibc) bpfUnavailableReason()
 * says so in one line: `auto`'s fallback reason, an explicit tc/xdp's error.
 */
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { CfmError } from '../common/errors.js';
import { loadAddon } from './addon.js';
import { callNative } from './errors.js';
import { BPF_PREBUILD_TAGS, NativeLoadError, PACKAGE_ROOT, platformTag, resolveNative } from './resolve.js';

export type BpfMode = 'tc' | 'xdp';

/** A state change or frame from the kernel (the layout of native/bpf/cfm_bpf.h `cfm_rec`). */
export interface BpfRecord {
  type: 'frame' | 'loc';
  ifindex: number;
  /** frame: kernel arrival time; loc: the peer's last CCM + rMEPwhile. CLOCK_MONOTONIC ns. */
  atNs: number;
  /** The kernel's state of the peer before this record (when `prevSeen`). */
  prevSeen: boolean;
  prevSeenNs: number;
  prevSeq: number;
  /** loc: the remote MEPID. */
  peer: number;
  vlan: number;
  level: number;
  truncated: boolean;
  /** frame: a configured peer's valid CCM; the kernel's timer now runs that peer's rMEPwhile. */
  timed: boolean;
  /** frame: the frame as on the wire (tags restored); a view valid during the call only. */
  frame: Uint8Array | undefined;
}

export interface BpfPeerState {
  lastSeenNs: number;
  valid: number;
  seqErrors: number;
  lastSeq: number;
  seen: boolean;
  loc: boolean;
}

export interface BpfStats {
  cfmFrames: number;
  consumed: number;
  up: number;
  ringFull: number;
  truncated: number;
  loc: number;
  /** Ring-buffer wakeups of user space and records read. */
  wakeups: number;
  records: number;
  /** Frames sent up that CPU protection dropped. */
  policed: number;
  mode: BpfMode;
  /** The program's kernel run time and runs (all its ports), counted only while BPF statistics are enabled (enableBpfRunTimeStats). */
  programRunTimeNs: number;
  programRuns: number;
}

/** The kernel's run-time statistics of the loaded program (bpf_prog_info), summed over its ports. */
export interface BpfProgramStats {
  id: number;
  /** Counted only while BPF statistics are enabled (enableBpfRunTimeStats, or sysctl kernel.bpf_stats_enabled=1). */
  runTimeNs: number;
  runCount: number;
  recursionMisses: number;
}

export interface BpfMepConfig {
  maid: Uint8Array;
  mepId: number;
  interval: number;
  intervalNs: number;
  timeoutNs: number;
  priority: number;
  handle: number;
}

interface NativeBpf {
  attach(ifname: string, policerFd?: number): number;
  detach(ifindex: number): void;
  setMep(ifindex: number, vlan: number, level: number, mep: BpfMepConfig): void;
  deleteMep(ifindex: number, vlan: number, level: number): void;
  setPeer(ifindex: number, vlan: number, level: number, mepId: number, timeoutNs: number): void;
  deletePeer(ifindex: number, vlan: number, level: number, mepId: number): void;
  readPeer(ifindex: number, vlan: number, level: number, mepId: number): BpfPeerState | undefined;
  poll(): number;
  stats(): BpfStats;
  programStats(): BpfProgramStats;
  close(): void;
  cpConfigure(program: Uint32Array): void;
  cpPort(ifindex: number, portIndex: number): void;
  cpTestRun(portIndex: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array;
  cpCounters(): { buckets: Float64Array; bindings: Float64Array };
}
/** Options of a BpfDatapath. */
export interface BpfDatapathOptions {
  mode: BpfMode;
  netns?: string;
  /**
   * Capacity of the MEP and peer maps (default 8192 and 65536, the most the program takes). Size
   * them to need: a hash map's bucket array has one slot per entry, and a 65536-entry one costs
   * each CCM cache and TLB misses (the program's run time per CCM about halved at 256).
   */
  maxMeps?: number;
  maxPeers?: number;
  /** The program's load-time choices, for the benchmark's before/after only (default: the datapath). */
  variant?: BpfProgramVariant;
}

/**
 * How the program is loaded (native/bpf/cfm.bpf.c cfg_*). The defaults are the datapath; the
 * benchmark (bench/linux-datapath.bench.ts) loads it as it was before beside it, in one run:
 * - peerFirst (default true): a steady-state CCM costs one hash lookup, its peer, checked against
 *   the peer's copy of its MEP; false: the MEP, then the peer (two lookups, as before 12-06);
 * - cpGate (default true): CPU protection without the lookups it can skip: no port lookup per
 *   frame while no port has a policy, no exact-VLAN binding lookup while every binding is
 *   port-wide, a known peer's bucket found in one lookup instead of two;
 * - prealloc (default false): the MEP and peer hash maps preallocated (one array of elements,
 *   the full size in kernel memory at once) instead of BPF_F_NO_PREALLOC: measured, no steady gain.
 */
export interface BpfProgramVariant {
  peerFirst?: boolean;
  cpGate?: boolean;
  prealloc?: boolean;
}

let benchVariant: BpfProgramVariant | undefined;

/**
 * The variant the next BpfDatapath objects load without an explicit `variant` (the benchmark
 * switches the software backend's program with it); undefined = the datapath's defaults.
 * Not part of the package's API.
 */
export function setBpfProgramVariantForBench(v: BpfProgramVariant | undefined): void {
  benchVariant = v;
}

const MAX_MEPS = 8192; // native/bpf/cfm_bpf.h CFM_MAX_MEPS
const MAX_PEERS = 65536; // CFM_MAX_PEERS

function checkCapacity(what: 'maxMeps' | 'maxPeers', n: number | undefined, max: number): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= max)) {
    throw new CfmError('USAGE', `eBPF datapath option ${what}: ${String(n)} is not a whole number 1..${max}`);
  }
}

type NativeBpfCtor = new (
  opts: BpfDatapathOptions & { cpuProtection?: unknown },
  onRecords: (data: Uint8Array, count: number) => void,
) => NativeBpf;

/** What cfm_bpf.node exports. */
interface BpfModule {
  abiVersion: number;
  libbpfVersion: string;
  BpfDatapath: NativeBpfCtor;
  /** The benchmarks' and flood tests' generator (native/bpf/flood_gen.cc; src/native/flood-gen.ts). */
  /** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run-time statistics while the returned fd is open. */
  enableRunTimeStats: () => number;
  closeStatsFd: (fd: number) => void;
  floodXdp?: (opts: { ifname: string; netns?: string; frame: Uint8Array; durationMs: number }) => Promise<{ sent: number; elapsedNs: number }>;
}

/** The module ABI this wrapper speaks (native/bpf/bpf_datapath.cc abiVersion). */
const BPF_ABI = 1;

let bpfModule: { path: string; mod: BpfModule } | undefined;
let bpfModuleError: string | undefined;

/** One line from the resolver's attempts: the file that exists but would not load, else "not built". */
function bpfLoadReason(e: unknown): string {
  if (!(e instanceof NativeLoadError)) return (e as Error).message;
  const rel = (p: string) => (p.startsWith(PACKAGE_ROOT) ? relative(PACKAGE_ROOT, p) : p);
  const failed = e.tried.find((t) => t.error !== 'not there');
  if (!failed) {
    const tag = platformTag();
    const prebuilt = (BPF_PREBUILD_TAGS as readonly string[]).includes(tag) ? 'its prebuild is missing from this install' : `it is prebuilt for ${BPF_PREBUILD_TAGS.join(', ')} only, this is ${tag}`;
    return `the eBPF module cfm_bpf.node is not installed (tried ${e.tried.map((t) => rel(t.path)).join(', ')}): `
      + `${prebuilt}; build from source with clang, bpftool and libbpf-dev (npm run build:native)`;
  }
  const hint = /libbpf\.so/.test(failed.error) ? ' (it needs libbpf.so.1: Debian package libbpf1)' : '';
  return `cannot load the eBPF module ${rel(failed.path)}: ${failed.error}${hint}`;
}

/**
 * The eBPF module, loaded on first call ($CFM_BPF_PATH alone when set), or a
 * CfmError('UNSUPPORTED') with the one-line reason it cannot be loaded.
 */
export function loadBpfModule(): BpfModule {
  if (bpfModule) return bpfModule.mod;
  if (bpfModuleError === undefined) {
    const req = createRequire(import.meta.url);
    try {
      const r = resolveNative('bpf', (p) => {
        const m = req(p) as BpfModule;
        if (m.abiVersion !== BPF_ABI) throw new Error(`module ABI ${String(m.abiVersion)}, this package speaks ${BPF_ABI} (a stale build)`);
        return m;
      }, { override: process.env.CFM_BPF_PATH || undefined });
      bpfModule = { path: r.path, mod: r.value };
      return r.value;
    } catch (e) {
      bpfModuleError = bpfLoadReason(e);
    }
  }
  throw new CfmError('UNSUPPORTED', bpfModuleError);
}

/** Path of the eBPF module that loadBpfModule() loaded (loading it first). */
export function bpfModulePath(): string {
  loadBpfModule();
  return bpfModule!.path;
}

const REC_FRAME = 1;
const REC_LOC = 2;
const F_PREV_SEEN = 1;
const F_TRUNCATED = 2;
const F_TIMED = 4;
const REC_BYTES = 40;

/**
 * Why the eBPF datapath cannot be used here (the addon or the eBPF module does not load), or
 * undefined when it can be tried (loading the program may still be refused: capabilities).
 */
export function bpfUnavailableReason(): string | undefined {
  try {
    loadAddon();
    loadBpfModule();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/** Decode one wakeup's records (8-byte aligned, like the ring buffer). */
export function decodeBpfRecords(data: Uint8Array, count: number): BpfRecord[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: BpfRecord[] = [];
  let o = 0;
  for (let i = 0; i < count && o + REC_BYTES <= data.byteLength; i++) {
    const type = dv.getUint32(o, true);
    const len = dv.getUint16(o + 28, true);
    const flags = dv.getUint8(o + 35);
    out.push({
      type: type === REC_LOC ? 'loc' : 'frame',
      ifindex: dv.getUint32(o + 4, true),
      atNs: Number(dv.getBigUint64(o + 8, true)),
      prevSeenNs: Number(dv.getBigUint64(o + 16, true)),
      prevSeq: dv.getUint32(o + 24, true),
      peer: dv.getUint16(o + 30, true),
      vlan: dv.getUint16(o + 32, true),
      level: dv.getUint8(o + 34),
      prevSeen: (flags & F_PREV_SEEN) !== 0,
      truncated: (flags & F_TRUNCATED) !== 0,
      timed: (flags & F_TIMED) !== 0,
      frame: type === REC_FRAME && len > 0 ? data.subarray(o + REC_BYTES, o + REC_BYTES + len) : undefined,
    });
    o += (REC_BYTES + len + 7) & ~7;
  }
  return out;
}

/**
 * Turn on the kernel's run-time statistics of BPF programs (run_time_ns, run_cnt) until close():
 * BPF_ENABLE_STATS, scoped to a file descriptor (closed on close() or process exit), rather than
 * the sysctl kernel.bpf_stats_enabled, which a crash would leave on. Needs CAP_SYS_ADMIN. While on,
 * every BPF program in the kernel pays two clock reads per run.
 */
export function enableBpfRunTimeStats(): { close(): void } {
  const reason = bpfUnavailableReason();
  if (reason) throw new CfmError('UNSUPPORTED', reason);
  const mod = loadBpfModule();
  const fd = callNative('BPF run-time statistics', () => mod.enableRunTimeStats());
  let open = true;
  return {
    close: () => {
      if (open) mod.closeStatsFd(fd);
      open = false;
    },
  };
}

export class BpfDatapath {
  readonly mode: BpfMode;
  private readonly native: NativeBpf;
  private closed = false;

  constructor(opts: BpfDatapathOptions, onRecords: (recs: BpfRecord[]) => void) {
    const reason = bpfUnavailableReason();
    if (reason) throw new CfmError('UNSUPPORTED', reason);
    checkCapacity('maxMeps', opts.maxMeps, MAX_MEPS);
    checkCapacity('maxPeers', opts.maxPeers, MAX_PEERS);
    this.mode = opts.mode;
    const Ctor = loadBpfModule().BpfDatapath;
    // the addon's CPU-protection admit hook: frames the program sends up meet the same policers
    const cpuProtection = loadAddon().cpuProtectionHook;
    const variant = opts.variant ?? benchVariant;
    this.native = callNative(`eBPF datapath (${opts.mode})`,
      () => new Ctor({ ...opts, variant, cpuProtection }, (data, count) => onRecords(decodeBpfRecords(data, count))));
  }

  /** Attach to an interface; `policerFd`: the port's packet socket (CPU-protection key). */
  attach(ifname: string, policerFd?: number): number {
    return callNative(`eBPF ${this.mode} attach to ${ifname}`, () => this.native.attach(ifname, policerFd));
  }

  setMep(ifindex: number, vlan: number, level: number, mep: BpfMepConfig): void {
    callNative('eBPF MEP map', () => this.native.setMep(ifindex, vlan, level, mep));
  }

  deleteMep(ifindex: number, vlan: number, level: number): void {
    if (!this.closed) this.native.deleteMep(ifindex, vlan, level);
  }

  setPeer(ifindex: number, vlan: number, level: number, mepId: number, timeoutNs: number): void {
    callNative('eBPF peer map', () => this.native.setPeer(ifindex, vlan, level, mepId, timeoutNs));
  }

  deletePeer(ifindex: number, vlan: number, level: number, mepId: number): void {
    if (!this.closed) this.native.deletePeer(ifindex, vlan, level, mepId);
  }

  readPeer(ifindex: number, vlan: number, level: number, mepId: number): BpfPeerState | undefined {
    return this.closed ? undefined : this.native.readPeer(ifindex, vlan, level, mepId);
  }

  /** Read the ring buffer now (the records handler runs before this returns). */
  poll(): number {
    return this.closed ? 0 : this.native.poll();
  }

  stats(): BpfStats {
    return this.native.stats();
  }

  /** The program's kernel run time and runs (0 unless BPF statistics are enabled: enableBpfRunTimeStats). */
  programStats(): BpfProgramStats {
    return callNative('eBPF program statistics', () => this.native.programStats());
  }

  /** CPU protection in the program: the native policer's compiled program (src/cpu-protection/native.ts). */
  cpConfigure(program: Uint32Array): void {
    callNative('eBPF CPU-protection policy', () => this.native.cpConfigure(program));
  }

  /** Frames arriving on `ifindex` are the policy's port `portIndex` (-1: not policed). */
  cpPort(ifindex: number, portIndex: number): void {
    callNative('eBPF CPU-protection ports', () => this.native.cpPort(ifindex, portIndex));
  }

  /** Replay frames through the tc program at their own times (BPF_PROG_TEST_RUN); 1 = pass, 0 = dropped. */
  cpTestRun(portIndex: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array {
    return callNative('eBPF test run', () => this.native.cpTestRun(portIndex, data, lengths, timesNs));
  }

  /** Bucket and binding counters, in the native policer's raw shape. */
  cpCounters(): { buckets: Float64Array; bindings: Float64Array } {
    return this.native.cpCounters();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
  }
}

/**
 * The program's CPU-protection policer (seed 002) with the native CpuPolicer's surface, so
 * src/cpu-protection/native.ts can drive it (`new NativeCpuPolicer(compiled, { addon: { CpuPolicer:
 * BpfCpuPolicer } })`): configure, admitBatch (the frames replayed through the tc program at their
 * own times), counters. It polices live traffic at the ports of a BpfDatapath (cpPort), not on a
 * packet socket, so attach() is refused.
 */
export class BpfCpuPolicer {
  private readonly dp = new BpfDatapath({ mode: 'tc' }, () => undefined);

  configure(program: Uint32Array): void {
    this.dp.cpConfigure(program);
  }

  attach(_fd: number, _port: number): void {
    throw new CfmError('UNSUPPORTED', 'the eBPF policer polices at the ports of its program (cpPort), not on a packet socket');
  }

  detach(_fd: number): void {
    // nothing is attached to sockets
  }

  admitBatch(port: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array {
    return this.dp.cpTestRun(port, data, lengths, timesNs);
  }

  counters(): { buckets: Float64Array; bindings: Float64Array } {
    return this.dp.cpCounters();
  }

  close(): void {
    this.dp.close();
  }
}
