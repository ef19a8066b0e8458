/**
 * Periodic frame injection as a backend capability (Backend.injector): the device sends a
 * CPU-built frame once per interval by itself (vendor C ABI group "inject", cfm_asic.h; Microchip
 * MESA's AFI on LAN966x / SparX-5). A software MEP hands its CCM transmission (802.1Q 20.10) to it
 * so its CCMs keep time whatever the host's event loop does (src/offload/sw-injector.ts).
 * Backends without one (the Linux backends, older shims) leave Backend.injector undefined.
 */
import type { FrameDirection } from '../common/frame-port.js';
import type { IntervalCode } from '../common/interval.js';

export interface InjectorCaps {
  /** Injections running at once (all users of the device). */
  maxInjections: number;
  /** Interval codes it can inject at. */
  intervals: IntervalCode[];
  /** Frames/s over all injections; null = unlimited. */
  budgetFps: number | null;
  /** The device writes an incrementing 32-bit sequence number into each frame. */
  seq: boolean;
  /** Injections into the relay (up MEPs). */
  relay: boolean;
  maxLen: number;
}

export interface InjectionSpec {
  port: string;
  towards: FrameDirection;
  interval: IntervalCode;
  /** The whole Ethernet frame (no FCS). */
  frame: Uint8Array;
  /** Byte offset of the 32-bit big-endian sequence number the device increments, or null. */
  seqOffset: number | null;
  firstSeq: number;
  /** The first frame this long after the call takes effect on the device. */
  firstDelayNs: number;
}

export interface InjectionCounters {
  frames: number;
  /** Device times (ns): the last frame sent (0 = none), the next one due, this reading. */
  lastTxNs: number;
  nextTxNs: number;
  nowNs: number;
  nextSeq: number;
  /** false: the device stopped it by itself (`error` says why). */
  running: boolean;
  error: string | null;
}

export interface FrameInjector {
  caps(): InjectorCaps;
  /** Start an injection; its id. Errors: budget (EBUDGET), full (ENOSPC), unsupported (ENOTSUP). */
  start(spec: InjectionSpec): Promise<number>;
  /** New bytes from the next frame on; phase and sequence kept. */
  update(id: number, frame: Uint8Array): Promise<void>;
  /** End it (also one the device stopped); its last counters: where the caller continues. */
  stop(id: number): Promise<InjectionCounters>;
  counters(id: number): Promise<InjectionCounters>;
  /** The device stopped an injection by itself (CFM_EVENT_INJECT_STOPPED). Returns unsubscribe. */
  onStopped(listener: (id: number) => void): () => void;
}
