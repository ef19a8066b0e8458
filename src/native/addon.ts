/**
 * Loads the N-API addon (a source build in build/Release/cfm_addon.node, else the package's
 * prebuild in prebuilds/<platform>-<arch>/, found by src/native/resolve.ts) and describes its
 * surface.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CfmError } from '../common/errors.js';
import { NATIVE_FILES, PACKAGE_ROOT, resolveNative } from './resolve.js';

export interface NativeInterfaceInfo {
  ifindex: number;
  mac: string;
  mtu: number;
  up: boolean;
  running: boolean;
}

export interface NativePacketStats {
  rxFrames: number;
  rxBatches: number;
  rxTruncated: number;
  rxOwnDropped: number;
  /** Socket errors read and cleared (ENETDOWN when the link went down). */
  rxErrors: number;
  /** Frames the kernel dropped because our queue was full, since the last read (both sockets when split). */
  rxKernelDrops: number;
  /** Of them, on the CCM socket (the only socket when not split). */
  rxKernelDropsCcm: number;
  /** Of them, on the socket of every other CFM opcode (0 when not split). */
  rxKernelDropsOther: number;
  /** CCMs and the other CFM frames on two sockets (PacketSocketOptions.splitCcm). */
  split: boolean;
  txFrames: number;
  txErrors: number;
  /** Timer wakeups of this thread's receive hold group (packet_group.h); 0 when not in it. */
  rxHoldWakeups: number;
}

export interface NativePacketSocket {
  readonly fd: number;
  readonly ifindex: number;
  readonly mac: string;
  /** false when the socket buffer is full (EAGAIN/ENOBUFS); throws on other errors. */
  send(frame: Uint8Array): boolean;
  sendBatch(frames: Uint8Array[]): number;
  start(): void;
  stop(): void;
  /** Read what is queued now (the frames handler runs before it returns); frames read. */
  poll(): number;
  close(): void;
  stats(): NativePacketStats;
  /** Longest wait for a received frame, ns (0 = read at once; > 0 = the thread's receive hold group). */
  setRxHold(holdNs: number): void;
}

/**
 * `data`, `lengths` and `arrivalNs` are the same objects on every call (reused areas): valid
 * during the call only. `readMonoNs`: when the batch was read; `arrivalNs[i]`: frame i's kernel
 * receive time (SO_TIMESTAMPNS converted to CLOCK_MONOTONIC ns).
 */
export type NativeFramesCallback = (data: Uint8Array, lengths: Uint32Array, count: number, readMonoNs: number, arrivalNs: Float64Array) => void;

export interface NativePacketSocketCtor {
  new (ifname: string, options: { netns?: string; membership?: boolean; rcvbufBytes?: number; receive?: boolean; splitCcm?: boolean }, onFrames: NativeFramesCallback): NativePacketSocket;
}

/** A timerfd on the libuv loop (native/addon/packet_deadline.h): the checkers' loss deadline. */
export interface NativePacketDeadline {
  /** Due at CLOCK_MONOTONIC `atNs` (a past time: at once); 0 or Infinity disarm. */
  arm(atNs: number): void;
  close(): void;
}

export interface NativePacketDeadlineCtor {
  new (onDue: () => void): NativePacketDeadline;
}

export interface NativeSchedulerEvent {
  id: number;
  kind: 'error' | 'recovered';
  errno: number;
  code: string;
  syscall: string;
  message?: string;
}

/** One CCM transmit entry: its frame and timing (scheduler.ts CcmTxSpec adds the socket). */
export interface CcmTxTiming {
  frame: Uint8Array;
  intervalNs: number;
  /** Byte offset in the frame of the 4-byte sequence number; omit (or -1) to send it unchanged. */
  seqOffset?: number;
  /** Byte offset of the CCM flags byte (RDI = 0x80). */
  flagsOffset?: number;
  firstSeq?: number;
  rdi?: boolean;
  /** Delay of the first frame (spreads many sessions over the interval). */
  startDelayNs?: number;
  /**
   * Put the entry on the absolute grid `phaseNs + k x intervalNs` (CLOCK_MONOTONIC; first
   * deadline the first grid point after startDelayNs; -1 = no grid). Entries with the same
   * interval and phase are due at the same instant: one wakeup, one sendmmsg per socket for all.
   */
  phaseNs?: number;
}

/** Scheduler.add's argument: the entry on the socket `fd`. */
export interface NativeSchedulerAdd extends CcmTxTiming {
  fd: number;
}

/** How the scheduler thread is really scheduled. */
export interface NativeSchedulerMode {
  policy: 'fifo' | 'rr' | 'other';
  priority: number;
  realtimeRequested: boolean;
  /** errno name when SCHED_FIFO was asked for and refused (e.g. EPERM without CAP_SYS_NICE). */
  error?: string;
  /** With realtime: the thread's stack is locked in memory (mlock). */
  locked?: boolean;
  /** errno name when mlock was refused (no CAP_IPC_LOCK and RLIMIT_MEMLOCK too small). */
  lockError?: string;
  /** Lane 0's kernel thread id (/proc/self/task/<tid>), once the thread runs. */
  tid?: number;
  /** The sender threads: lane 0 follows every deadline, lane 1 (realtime, 2+ CPUs) those of 3.33 ms entries, each pinned to its own CPU (-1 = not pinned). */
  lanes: { tid: number; cpu: number; fastOnly: boolean; policy: 'fifo' | 'rr' | 'other'; pinError?: string }[];
}

export interface NativeSchedulerInfo {
  seq: number;
  sent: number;
  errors: number;
  missed: number;
  lastErrno: number;
  rdi: boolean;
  intervalNs: number;
  /** Next deadline, CLOCK_MONOTONIC ns (same clock as process.hrtime). */
  deadlineNs: number;
}

export interface NativeScheduler {
  add(opts: NativeSchedulerAdd): number;
  setRdi(id: number, rdi: boolean): boolean;
  setFrame(id: number, frame: Uint8Array, seqOffset: number, flagsOffset: number): boolean;
  remove(id: number): boolean;
  info(id: number): NativeSchedulerInfo | undefined;
  jitter(record: boolean): Float64Array;
  size(): number;
  mode(): NativeSchedulerMode;
  close(): void;
}

export interface NativeSchedulerCtor {
  new (onEvent: (ev: NativeSchedulerEvent) => void, options?: { realtime?: boolean; recordJitter?: boolean; backupLane?: boolean }): NativeScheduler;
}

export interface CfmAddon {
  abiVersion: number;
  haveNetlink: boolean;
  /** CPU protection's admit function for the eBPF module (a type-tagged External; src/native/bpf.ts passes it on). */
  cpuProtectionHook?: unknown;
  PacketSocket: NativePacketSocketCtor;
  /** Absent from an addon built before it (a prebuild): callers fall back to a JS timer. */
  PacketDeadline?: NativePacketDeadlineCtor;
  Scheduler: NativeSchedulerCtor;
  interfaceInfo(name: string, netns?: string): NativeInterfaceInfo;
  /** Benchmark calibration: bare timerfd wakeups in a thread set up like the scheduler's (blocks). */
  timerProbe(periodNs: number, count: number, realtime: boolean, cpu?: number): { samples: Float64Array; policy: 'fifo' | 'other'; startNs: number };
  /** The calling thread's scheduling; with `set`, changes it (SCHED_FLAG_RESET_ON_FORK) and returns the one before. */
  threadPriority(set?: { policy: 'fifo' | 'other'; priority?: number; nice?: number }): { policy: string; priority: number; nice: number; resetOnFork: boolean };
  /** Other exports (netlink*, part B) are typed by their own wrappers. */
  [key: string]: unknown;
}

/** The source build's path (`npm run build:native`); the loaded one may be a prebuild: see addonPath(). */
export const ADDON_PATH = join(PACKAGE_ROOT, 'build', 'Release', NATIVE_FILES.addon);

let cached: { path: string; addon: CfmAddon } | undefined;
let loadError: Error | undefined;

/**
 * The addon, or a CfmError('UNSUPPORTED') saying why it cannot be loaded: the first of the source
 * build and prebuilds/<platform>-<arch>/ that loads (src/native/resolve.ts), or
 * $CFM_ADDON_PATH alone when set.
 */
export function loadAddon(): CfmAddon {
  if (cached) return cached.addon;
  if (loadError) throw loadError;
  if (process.platform !== 'linux') {
    loadError = new CfmError('UNSUPPORTED', `the native addon needs Linux (AF_PACKET, timerfd); this is ${process.platform}`);
    throw loadError;
  }
  const req = createRequire(import.meta.url);
  try {
    const { path, value } = resolveNative('addon', (p) => req(p) as CfmAddon, { override: process.env.CFM_ADDON_PATH || undefined });
    cached = { path, addon: value };
    return value;
  } catch (e) {
    loadError = e as Error;
    throw loadError;
  }
}

/** Path of the addon that loadAddon() loaded (loading it first). */
export function addonPath(): string {
  loadAddon();
  return cached!.path;
}

/** True when the addon loads (tests use it to skip with a reason). */
export function addonAvailable(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}
