/** What a maintenance point needs from its engine: time, frame output, events, the bridge. */
import type { Clock } from '../common/clock.js';
import type { FrameDirection } from '../common/frame-port.js';
import type { FaultEvent } from './events.js';
import type { BatchTimer } from './batch-timer.js';
import type { Mep } from './mep.js';
import type { CcmTxHook } from './ccm-tx-hook.js';
import type { RxSettledHook } from './continuity.js';

/**
 * The bridge the MPs live in, for linktrace (802.1Q 20.42: egress port from the FDB) and for the
 * MAC addresses of ports in Reply Ingress/Egress TLVs. Optional: an engine on a backend without a
 * bridge view answers linktrace only as a terminal MEP.
 */
export interface BridgeView {
  /** Egress port the FDB has for (vlan, mac), or null. */
  fdbLookup(vlan: number, mac: string): string | null;
  /** MAC address of a bridge port. */
  portMac(port: string): string;
  /** The bridge's own MAC (used in LTM/LTR Egress Identifiers, 802.1Q 21.8.8). */
  bridgeMac(): string;
  /** Whether `port` forwards (STP state); a blocked egress gives EgrBlocked. */
  portForwarding?(port: string): boolean;
}

export interface MpContext {
  readonly clock: Clock;
  send(port: string, frame: Uint8Array, towards: FrameDirection): void;
  emit(e: FaultEvent): void;
  readonly bridge: BridgeView | null;
  /**
   * MIP CCM database of the bridge (802.1Q 19.4.4, 20.42.2): "<vid>/<source MAC>" -> port on
   * which MHFs saw a CCM from that MAC. Used by linktrace when the FDB has no entry (RlyMPDB).
   */
  readonly mipDb: Map<string, string>;
  /** Whether a port forwards (engine port state and the bridge's STP view). */
  portForwarding(port: string): boolean;
  /** The first MEP at `level` or above on `port`'s stack seen from the relay (a domain boundary). */
  egressMep(port: string, vlan: number, level: number): Mep | null;
  /** Batched CCM transmit and rMEPwhile timers of all MEPs of the engine. */
  readonly txBatch: BatchTimer<Mep>;
  readonly rmepBatch: BatchTimer<Mep>;
  /** A device injector MEPs hand their CCM transmission to (ccm-tx-hook.ts), or none. */
  readonly ccmTxHook?: CcmTxHook | null;
  /**
   * Whether the backend may still hold frames received before a deadline (continuity.ts): LOC is
   * then decided once they are delivered, on their receive times. None = frames reach the engine
   * as they arrive (simulator, virtual-time mock).
   */
  readonly rxSettled?: RxSettledHook | null;
}
