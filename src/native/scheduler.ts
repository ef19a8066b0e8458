/**
 * Typed wrapper over the native CCM transmit scheduler (802.1Q 20.10 CCI timer in a native
 * thread on absolute CLOCK_MONOTONIC deadlines). JavaScript hands over a prebuilt frame and the
 * byte offsets of the sequence number and flags; the thread patches them and sends on time.
 * Only changes come back: an entry starting to fail (errno) or recovering.
 */
import { loadAddon, type CcmTxTiming, type NativeScheduler, type NativeSchedulerEvent, type NativeSchedulerInfo, type NativeSchedulerMode } from './addon.js';
import { callNative } from './errors.js';
import type { PacketSocket } from './packet.js';
import { raiseEventThread, type EventThreadPriority } from './realtime-main.js';

/** A CCM to send every intervalNs on `socket` (the frame and timing: addon.ts CcmTxTiming). */
export interface CcmTxSpec extends CcmTxTiming {
  socket: PacketSocket;
}

export type SchedulerMode = NativeSchedulerMode;

export type SchedulerEvent = NativeSchedulerEvent;
export type TxInfo = NativeSchedulerInfo;

export interface JitterSummary {
  samples: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

export class CcmScheduler {
  private readonly native: NativeScheduler;
  private readonly listeners = new Set<(ev: SchedulerEvent) => void>();
  private readonly eventThread: { priority: EventThreadPriority; release: () => void } | undefined;
  private closed = false;

  /**
   * `realtime`: SCHED_FIFO and a locked stack where permitted. `backupLane` (default: `realtime`):
   * on two or more CPUs a second sender thread, pinned to another CPU than the first, also wakes
   * at the deadlines of 3.33 ms entries, so a stall of one CPU (a hypervisor holding
   * one vCPU for tens of ms, measured on the development VM) does not delay their CCMs.
   * `eventThread` (default: `realtime`): raise the calling thread, whose event loop turns the
   * datapath's records (LOC...) into events, to nice -10 while this scheduler is open
   * (src/native/realtime-main.ts).
   */
  constructor(options: { realtime?: boolean; recordJitter?: boolean; backupLane?: boolean; eventThread?: boolean } = {}) {
    const addon = loadAddon();
    const { eventThread, ...native } = options;
    this.native = callNative('CCM scheduler', () => new addon.Scheduler((ev) => {
      for (const l of this.listeners) l(ev);
    }, native));
    if (eventThread ?? options.realtime ?? false) this.eventThread = raiseEventThread();
  }

  /** Subscribe to error / recovered events; returns an unsubscribe function. */
  onEvent(fn: (ev: SchedulerEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  add(spec: CcmTxSpec): number {
    return callNative(`CCM scheduler add on ${spec.socket.ifname}`, () => this.native.add({
      fd: spec.socket.fd,
      frame: spec.frame,
      intervalNs: Math.round(spec.intervalNs),
      seqOffset: spec.seqOffset ?? -1,
      flagsOffset: spec.flagsOffset ?? -1,
      firstSeq: spec.firstSeq ?? 0,
      rdi: spec.rdi ?? false,
      startDelayNs: Math.round(spec.startDelayNs ?? 0),
      phaseNs: spec.phaseNs === undefined ? -1 : Math.round(spec.phaseNs),
    }));
  }

  setRdi(id: number, rdi: boolean): boolean {
    return this.native.setRdi(id, rdi);
  }

  /** New frame content (same grid, same running sequence number). */
  setFrame(id: number, frame: Uint8Array, seqOffset = -1, flagsOffset = -1): boolean {
    return callNative('CCM scheduler setFrame', () => this.native.setFrame(id, frame, seqOffset, flagsOffset));
  }

  remove(id: number): boolean {
    return this.native.remove(id);
  }

  info(id: number): TxInfo | undefined {
    return this.native.info(id);
  }

  size(): number {
    return this.native.size();
  }

  /** The thread's real scheduling: SCHED_FIFO when `realtime` was asked for and permitted. */
  mode(): SchedulerMode {
    return this.native.mode();
  }

  /** The event thread's priority, when this scheduler raised it (`eventThread`). */
  eventThreadPriority(): EventThreadPriority | undefined {
    return this.eventThread?.priority;
  }

  /**
   * One line for logs and benchmark notes, e.g. "SCHED_FIFO 10, 2 lanes on CPUs 0,1" or
   * "SCHED_OTHER (SCHED_FIFO refused: EPERM)".
   */
  modeText(): string {
    const m = this.native.mode();
    const lanes = m.lanes.length > 1 ? `, ${m.lanes.length} lanes on CPUs ${m.lanes.map((l) => l.pinError ? `${l.cpu} (not pinned: ${l.pinError})` : l.cpu).join(',')}` : '';
    const ev = this.eventThread?.priority;
    const event = !ev ? '' : ev.raised ? `; event thread nice ${ev.nice}` : `; event thread nice ${ev.nice} (raising refused: ${ev.error ?? 'unknown'})`;
    if (m.policy === 'fifo') return `SCHED_FIFO ${m.priority}${lanes}${m.locked === false ? ` (stack not locked: ${m.lockError ?? 'unknown'})` : ''}${event}`;
    if (m.policy === 'rr') return `SCHED_RR ${m.priority}${lanes}${event}`;
    return (m.realtimeRequested ? `SCHED_OTHER (SCHED_FIFO refused: ${m.error ?? 'unknown'})` : 'SCHED_OTHER') + lanes + event;
  }

  /** Take the recorded (send time - deadline) samples and set recording on/off. */
  takeJitter(record: boolean): Float64Array {
    return this.native.jitter(record);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.native.close();
    this.eventThread?.release();
  }
}

export function summarizeJitter(samplesNs: Float64Array): JitterSummary {
  if (samplesNs.length === 0) return { samples: 0, p50Ns: 0, p99Ns: 0, maxNs: 0 };
  const s = Float64Array.from(samplesNs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { samples: s.length, p50Ns: at(0.5), p99Ns: at(0.99), maxNs: s[s.length - 1] };
}

/**
 * Benchmark calibration: `count` bare timerfd wakeups `periodNs` apart in a thread set up like the
 * scheduler's (SCHED_FIFO when `realtime` and permitted), doing nothing else: the floor of the
 * scheduler's deviation on this machine right now. Blocks the calling thread until done. `cpu`
 * pins the probe's thread to one CPU; deadline k was `startNs + k x periodNs` (CLOCK_MONOTONIC).
 */
export function probeTimerWakeups(periodNs: number, count: number, realtime: boolean, cpu?: number): JitterSummary & { policy: 'fifo' | 'other'; deviationsNs: Float64Array; startNs: number } {
  const r = callNative('timer probe', () => loadAddon().timerProbe(Math.round(periodNs), count, realtime, cpu ?? -1));
  return { ...summarizeJitter(r.samples), policy: r.policy, deviationsNs: r.samples, startNs: r.startNs };
}
