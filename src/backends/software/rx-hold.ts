/**
 * How long the AF_PACKET datapath may leave received CFM frames in their sockets to read many
 * ports' frames in one event-loop wakeup (issue 17: CPU per CCM at few sessions, where each CCM
 * was a wakeup of its own; native/addon/packet_group.h does the holding).
 *
 * What a hold may and may not change:
 * - Continuity is judged on each frame's kernel receive time (SO_TIMESTAMPNS), and a checker's
 *   rMEPwhile timer reads its socket before it declares LOC, so a held CCM that arrived in time
 *   is never a loss, and a loss is never masked (802.1Q 20.20: the timer runs on arrivals).
 * - What a hold delays is the report of a change a CCM carries (RDI, status TLVs, the end of a
 *   LOC): by at most the hold, a quarter of the shortest receive interval and at most 50 ms. Only
 *   the CCM socket is held: the other CFM frames (LBM, LTM, DMM, their replies) have a socket of
 *   their own that is read at once (native/addon/packet.cc AddToGroup), so replies and loopback
 *   round trips never wait for a hold.
 * - At 3.33 ms and 1 ms intervals nothing is held (a quarter interval is under a timer tick).
 */
import { intervalNs } from '../../common/interval.js';
import type { VoeSpec } from '../types.js';

/** Longest hold, whatever the intervals (how late an RDI or LOC clear may be reported). */
export const MAX_RX_HOLD_NS = 50_000_000;
/** Below this a hold is not worth a timer (libuv timers count whole milliseconds). */
const MIN_RX_HOLD_NS = 2_000_000;

/** The hold for a backend's receive sockets: 0 (read at once) unless every receiving VOE allows one. */
export function receiveHoldNs(voes: Iterable<{ spec: VoeSpec }>): number {
  let shortest = Infinity;
  for (const v of voes) if (v.spec.ccmRx && intervalNs(v.spec.interval) < shortest) shortest = intervalNs(v.spec.interval);
  if (shortest === Infinity) return 0;
  const hold = Math.min(MAX_RX_HOLD_NS, Math.floor(shortest / 4));
  return hold >= MIN_RX_HOLD_NS ? hold : 0;
}
