/**
 * Linktrace responder shared by MEPs and MIPs (802.1Q 20.42-20.44): decide the relay action
 * and egress port for a received LTM, build the LTR, and build the relayed LTM (TTL - 1, new
 * LTM Egress Identifier). LTRs go out after a short deterministic delay (20.44: the LTR
 * transmission is delayed so replies from one LTM do not burst; derived from the responder's
 * MAC and the transaction id so simulations are reproducible).
 */
import { decodeFrame, type LtmPdu, type LtrPdu, type Tlv } from '../pdu/index.js';
import type { FrameDirection } from '../common/frame-port.js';
import type { MpContext } from './context.js';
import { mepVlans } from './frames.js';
import { encodeFrame } from '../pdu/index.js';
import { macToBytes, outerVid } from './wire.js';

export const RLY_HIT = 1;
export const RLY_FDB = 2;
export const RLY_MPDB = 3;

export function egressId(mac: string): Uint8Array {
  const b = new Uint8Array(8);
  macToBytes(mac, b, 2);
  return b;
}

export interface DecodedLtm {
  ltm: LtmPdu;
  vid: number;
  pcp: number;
  lastEgressId: Uint8Array;
}

export function decodeLtm(b: Uint8Array): DecodedLtm | null {
  let f;
  try {
    f = decodeFrame(b);
  } catch {
    return null; // invalid LTM: discarded (802.1Q 20.42.1)
  }
  if (f.pdu.opcode !== 5) return null;
  const ltm = f.pdu as LtmPdu;
  // An LTM with TTL 0 is invalid: no LTR, not relayed (802.1Q 20.47.1; a relaying MP never
  // sends TTL 0 onwards, it stops at TTL 1).
  if (ltm.ttl === 0) return null;
  let last: Uint8Array = new Uint8Array(8);
  for (const t of ltm.tlvs) if (t.type === 7 && 'egressId' in t) last = t.egressId;
  return { ltm, vid: outerVid(b), pcp: f.vlans[0]?.pcp ?? 7, lastEgressId: last };
}

/** LTR delay in ns: 0..999 ms derived from the responder MAC and the transaction id. */
export function ltrDelayNs(mac: string, transId: number): number {
  let h = transId >>> 0;
  for (let i = 0; i < mac.length; i++) h = (Math.imul(h ^ mac.charCodeAt(i), 0x01000193) >>> 0);
  return (h % 1000) * 1e6;
}

export interface LtrSpec {
  responderMac: string;
  relayAction: number;
  fwdYes: boolean;
  terminal: boolean;
  nextEgressId: Uint8Array;
  ingress?: { action: number; mac: string };
  egress?: { action: number; mac: string };
}

export function buildLtr(d: DecodedLtm, s: LtrSpec): Uint8Array {
  const tlvs: Tlv[] = [{ type: 8, lastEgressId: d.lastEgressId, nextEgressId: s.nextEgressId }];
  if (s.ingress) tlvs.push({ type: 5, action: s.ingress.action, mac: s.ingress.mac });
  if (s.egress) tlvs.push({ type: 6, action: s.egress.action, mac: s.egress.mac });
  const pdu: LtrPdu = {
    opcode: 4, level: d.ltm.level, version: 0,
    flags: (d.ltm.flags & 0x80) | (s.fwdYes ? 0x40 : 0) | (s.terminal ? 0x20 : 0),
    transactionId: d.ltm.transactionId, ttl: Math.max(0, d.ltm.ttl - 1), relayAction: s.relayAction, tlvs,
  };
  return encodeFrame({ dst: d.ltm.originMac, src: s.responderMac, vlans: mepVlans({ vlan: d.vid, priority: d.pcp }), pdu });
}

/** The LTM as relayed by this bridge: TTL - 1 and this bridge's LTM Egress Identifier (20.42.3). */
export function buildRelayedLtm(d: DecodedLtm, srcMac: string, myEgressId: Uint8Array): Uint8Array {
  const tlvs: Tlv[] = d.ltm.tlvs.filter((t) => t.type !== 7);
  tlvs.unshift({ type: 7, egressId: myEgressId });
  const pdu: LtmPdu = { ...d.ltm, ttl: d.ltm.ttl - 1, tlvs, firstTlvOffset: undefined };
  return encodeFrame({ dst: `01:80:c2:00:00:3${(8 + d.ltm.level).toString(16)}`, src: srcMac, vlans: mepVlans({ vlan: d.vid, priority: d.pcp }), pdu });
}

export function sendLater(ctx: MpContext, delayNs: number, port: string, frame: Uint8Array, towards: FrameDirection): void {
  ctx.clock.setTimer(delayNs, () => ctx.send(port, frame, towards));
}
