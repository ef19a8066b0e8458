/**
 * Where squelching, CPU protection and the debug decoder sit on a FramePort (seed 004: "between
 * ETH-CFM and the forwarding plane"):
 *
 *   rx: backend -> squelch -> CPU protection -> debug rx queue -> engine
 *   tx: engine -> debug tx queue -> backend (wire)
 *   relay (frames the CPU relays between MPs of one switch): engine -> debug rx queue -> engine
 *
 * A frame dropped by squelching or CPU protection is never decoded. One line adopts it:
 *
 *   new CfmEngine({ clock, port: wrapFramePort(backend.frames, { squelch, cpuProtection, debug }) })
 *
 * When the native policer enforces on the AF_PACKET path, squelching and policing already
 * happened before JavaScript: pass neither (or only the bindings enforced in TypeScript).
 */
import type { Clock } from '../common/clock.js';
import type { FrameDirection, FramePort, FrameRx } from '../common/frame-port.js';
import type { SoftwarePolicer } from '../cpu-protection/types.js';
import type { DebugDecoder } from './decoder.js';

export interface TapStage {
  squelch?: { drop(port: string, frame: Uint8Array): boolean } | null;
  cpuProtection?: SoftwarePolicer | null;
  debug?: DebugDecoder | null;
  /** Time for transmitted frames in the debug log (default: the receive time base is unknown, 0). */
  clock?: Clock;
}

export interface TapCounters {
  rx: number;
  squelched: number;
  policed: number;
  delivered: number;
  tx: number;
}

export interface TappedFramePort extends FramePort {
  readonly tapCounters: TapCounters;
  /**
   * A frame handed to the relay side of `port` inside the engine (the CPU playing the bridge
   * relay between MPs of one switch, src/offload/cpu-side.ts): it never passes this port's
   * receive path, yet an MP on `port` receives it, so the debug rx queue sees it here. Only
   * call it for frames that did not arrive through this FramePort on `port` (no double count).
   */
  relayed(port: string, frame: Uint8Array, rxNs: number): void;
}

/** A FramePort that can also be told about frames relayed inside the engine (TappedFramePort). */
export type RelayAwareFramePort = FramePort & Partial<Pick<TappedFramePort, 'relayed'>>;

export function wrapFramePort(frames: FramePort, stage: TapStage): TappedFramePort {
  const c: TapCounters = { rx: 0, squelched: 0, policed: 0, delivered: 0, tx: 0 };
  const handlers = new Set<(rx: FrameRx) => void>();
  let unsubscribe: (() => void) | null = null;
  // One subscription below, fanned out above: each frame is squelched, policed and queued for
  // debugging once however many handlers listen.
  const onRx = (rx: FrameRx): void => {
    c.rx++;
    if (stage.squelch?.drop(rx.port, rx.frame)) {
      c.squelched++;
      return;
    }
    if (stage.cpuProtection && !stage.cpuProtection.admit(rx.port, rx.frame, rx.rxNs)) {
      c.policed++;
      return;
    }
    stage.debug?.onRx(rx.port, rx.frame, rx.rxNs);
    c.delivered++;
    for (const h of [...handlers]) h(rx);
  };
  return {
    tapCounters: c,
    relayed(port: string, frame: Uint8Array, rxNs: number): void {
      stage.debug?.onRx(port, frame, rxNs);
    },
    send(port: string, frame: Uint8Array, towards?: FrameDirection): void {
      c.tx++;
      stage.debug?.onTx(port, frame, stage.clock?.nowNs() ?? 0);
      frames.send(port, frame, towards);
    },
    onReceive(handler: (rx: FrameRx) => void): () => void {
      handlers.add(handler);
      unsubscribe ??= frames.onReceive(onRx);
      return () => {
        handlers.delete(handler);
        if (handlers.size === 0 && unsubscribe) {
          unsubscribe();
          unsubscribe = null;
        }
      };
    },
  };
}
