/**
 * The engine's CCM-transmit hook: a way for whoever runs the engine to take a MEP's periodic CCM
 * transmission (802.1Q 20.10, the CCI) off the engine's timers - a device's periodic frame
 * injector (Microchip AFI and the like), which keeps time where a JavaScript timer cannot (GC
 * pauses, a busy event loop, a millisecond timer resolution). Backend-agnostic: the engine knows
 * nothing of backends; src/offload/sw-injector.ts adapts a Backend's injector to this.
 *
 * The MEP still builds every frame (the same template, RDI, status TLVs), keeps counting its
 * sequence number and counters on its own timer, and only stops putting the frames on the wire
 * while the injector sends them (src/engine/mep-inject.ts).
 */
import type { FrameDirection } from '../common/frame-port.js';
import type { IntervalCode } from '../common/interval.js';

export interface CcmTxRequest {
  key: string;
  port: string;
  towards: FrameDirection;
  interval: IntervalCode;
  /** The CCM the injector sends first (carrying firstSeq). */
  frame: Uint8Array;
  /** Byte offset of the 32-bit big-endian sequence number in `frame` (802.1Q 21.6.3). */
  seqOffset: number;
  firstSeq: number;
  /** The first injected frame this long after the hook's call reaches the device. */
  firstDelayNs: number;
}

/** Where the engine continues when it takes transmission back: the next sequence number and when it is due. */
export interface CcmTxResume {
  nextSeq: number;
  /** ns from now (the engine's clock) until the next CCM is due; <= 0: at once. */
  nextInNs: number;
}

export interface CcmTxLease {
  /** false: the device cannot write sequence numbers; the injected CCMs carry 0 (21.6.3). */
  readonly seq: boolean;
  /** New frame bytes (RDI, status TLVs) from the next injected CCM on; phase and sequence kept. */
  update(frame: Uint8Array): void;
  /** What the device reports it sent, as last read back; null before a read. */
  readBack(): { frames: number; nextSeq: number } | null;
  /** Stop injecting; where to continue (null when the device could not say). */
  stop(): Promise<CcmTxResume | null>;
}

export interface CcmTxHook {
  /**
   * Hand a MEP's CCMs to the injector. Resolves null when it will not (no room, budget, interval
   * it cannot do): the engine keeps sending. `onLost` is called when the device stops the
   * injection by itself: the engine takes transmission back where it says.
   */
  start(req: CcmTxRequest, onLost: (resume: CcmTxResume | null) => void): Promise<CcmTxLease | null>;
}
