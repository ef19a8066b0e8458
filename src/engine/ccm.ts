/**
 * CCM on the hot path: a per-MEP frame template patched in place (sequence number, RDI) instead
 * of encoding every CCM, and a parser that reads the fields the receive machines need straight
 * from the bytes (802.1Q 21.6), without allocating. Layout inside the CFM PDU at offset p:
 * p+0 level<<5|version, p+1 opcode 1, p+2 flags (RDI 0x80, interval bits 2..0), p+3 first TLV
 * offset (70), p+4 seq u32, p+8 MEPID u16, p+10 MAID (48), p+58 Y.1731 TxFCf/RxFCb/TxFCb,
 * p+70 reserved, p+74 TLVs, End TLV 0.
 */
import { macToBytes } from './wire.js';

export const CCM_FIRST_TLV_OFFSET = 70;

export interface CcmTemplateSpec {
  dst: string;
  src: string;
  vlan: number;
  priority: number;
  level: number;
  interval: number;
  mepId: number;
  maid: Uint8Array;
  portStatus: number;
  interfaceStatus: number;
  /** Sender ID TLV chassis id (subtype 7 local) or null. */
  chassisId: Uint8Array | null;
}

export interface CcmTemplate {
  bytes: Uint8Array;
  /** Offset of the CFM PDU. */
  pdu: number;
}

/*
 * Sent CCMs are carved out of shared 64 kB slabs (as Node's Buffer pool does): a small typed
 * array with its own ArrayBuffer costs far more to allocate and collect than a view.
 */
const SLAB = 64 * 1024;
let slab = new Uint8Array(SLAB);
let slabAt = 0;

export function carve(n: number): Uint8Array {
  if (slabAt + n > SLAB) {
    slab = new Uint8Array(SLAB);
    slabAt = 0;
  }
  const v = slab.subarray(slabAt, slabAt + n);
  slabAt += (n + 7) & ~7;
  return v;
}

export function buildCcmTemplate(s: CcmTemplateSpec): CcmTemplate {
  const tag = s.vlan > 0 ? 4 : 0;
  const tlvLen = (s.portStatus ? 4 : 0) + (s.interfaceStatus ? 4 : 0) + (s.chassisId ? 3 + 2 + s.chassisId.length + 1 : 0);
  const pdu = 14 + tag;
  const b = carve(pdu + 74 + tlvLen + 1);
  b.fill(0);
  macToBytes(s.dst, b, 0);
  macToBytes(s.src, b, 6);
  let o = 12;
  if (tag) {
    b[o] = 0x81; b[o + 1] = 0x00;
    const tci = ((s.priority & 7) << 13) | (s.vlan & 0xfff);
    b[o + 2] = tci >> 8; b[o + 3] = tci & 0xff;
    o += 4;
  }
  b[o] = 0x89; b[o + 1] = 0x02;
  b[pdu] = (s.level & 7) << 5;
  b[pdu + 1] = 1;
  b[pdu + 2] = s.interval & 7;
  b[pdu + 3] = CCM_FIRST_TLV_OFFSET;
  b[pdu + 8] = (s.mepId >> 8) & 0x1f;
  b[pdu + 9] = s.mepId & 0xff;
  b.set(s.maid.subarray(0, 48), pdu + 10);
  o = pdu + 74;
  if (s.chassisId) {
    // Sender ID TLV (802.1Q 21.5.3): chassis id length, subtype 7 (locally assigned), id,
    // management address domain length 0.
    const len = 2 + s.chassisId.length + 1;
    b[o] = 1; b[o + 1] = len >> 8; b[o + 2] = len & 0xff;
    b[o + 3] = s.chassisId.length; b[o + 4] = 7;
    b.set(s.chassisId, o + 5);
    o += 3 + len;
  }
  if (s.portStatus) { b[o] = 2; b[o + 2] = 1; b[o + 3] = s.portStatus; o += 4; }
  if (s.interfaceStatus) { b[o] = 4; b[o + 2] = 1; b[o + 3] = s.interfaceStatus; o += 4; }
  b[o] = 0; // End TLV
  return { bytes: b, pdu };
}

/** Fill the sequence number and RDI bit of a copy of the template. */
export function stampCcm(t: CcmTemplate, seq: number, rdi: boolean): Uint8Array {
  const b = carve(t.bytes.length);
  b.set(t.bytes);
  const p = t.pdu;
  b[p + 2] = rdi ? b[p + 2] | 0x80 : b[p + 2] & 0x7f;
  b[p + 4] = seq >>> 24; b[p + 5] = (seq >>> 16) & 0xff; b[p + 6] = (seq >>> 8) & 0xff; b[p + 7] = seq & 0xff;
  return b;
}

/** Fields of a received CCM; one scratch object is reused by the engine (no per-frame allocation). */
export interface CcmView {
  level: number;
  flags: number;
  interval: number;
  rdi: boolean;
  seq: number;
  mepId: number;
  /** Offset of the MAID in the frame. */
  maidAt: number;
  portStatus: number;
  interfaceStatus: number;
  /** Sender ID chassis id [start, end) in the frame, or start = -1. */
  chassisAt: number;
  chassisEnd: number;
}

export function newCcmView(): CcmView {
  return { level: 0, flags: 0, interval: 0, rdi: false, seq: 0, mepId: 0, maidAt: 0, portStatus: 0, interfaceStatus: 0, chassisAt: -1, chassisEnd: -1 };
}

/**
 * Why the CCM whose PDU starts at offset `p` of frame `b` is invalid, or null when it is valid.
 * A MEP discards an invalid CFM PDU before any state machine sees it (802.1Q 20.51): it is no
 * remote's CCM, no error CCM and no cross-connect. The checks are the ones that make a CCM
 * meaningless, as the codec's validation phases name them (seed 004):
 *  - phase 1: destination and source MAC not zero, source not a group address;
 *  - phase 2: a CFM group destination (01-80-C2-00-00-3x) is the class 1 address of the PDU's
 *    own level (802.1Q Table 8-15);
 *  - phase 3: the whole CCM (75 octets, first TLV offset) and every TLV inside the frame, an End
 *    TLV;
 *  - phase 4: version 0 (21.4.2), first TLV offset at least 70 (21.6), CCM Interval not 0
 *    (21.6.1.3), MEPID 1..8191 (21.6.2: read with all 16 bits, so reserved bits make it no
 *    MEPID of the MA), Port / Interface Status TLVs of length 1 (21.5.4, 21.5.5).
 * Reserved octets and reserved flag bits are ignored on receipt, as IEEE 802.1 reserves them
 * (the codec's strict mode reports them; a receiver does not act on them).
 */
export function invalidCcm(b: Uint8Array, p: number): string | null {
  const n = b.length;
  if (n < p + 75) return 'CCM shorter than 75 octets';
  if ((b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) === 0) return 'destination MAC is zero';
  if ((b[6] | b[7] | b[8] | b[9] | b[10] | b[11]) === 0 || b[6] & 1) return 'source MAC is zero or a group address';
  const level = b[p] >> 5;
  if (b[0] === 0x01 && b[1] === 0x80 && b[2] === 0xc2 && b[3] === 0 && b[4] === 0 && (b[5] & 0xf0) === 0x30 && b[5] !== 0x30 + level) {
    return `group destination 01-80-C2-00-00-${b[5].toString(16)} is not the class 1 address of level ${level}`;
  }
  if (b[p] & 0x1f) return 'version not 0';
  const fto = b[p + 3];
  if (fto < CCM_FIRST_TLV_OFFSET) return `first TLV offset ${fto} < 70`;
  if ((b[p + 2] & 7) === 0) return 'CCM Interval 0 is invalid';
  const mepId = (b[p + 8] << 8) | b[p + 9];
  if (mepId === 0 || mepId > 8191) return `MEPID ${mepId} is not 1..8191`;
  let o = p + 4 + fto;
  for (;;) {
    if (o >= n) return 'no End TLV';
    const t = b[o];
    if (t === 0) return null;
    if (o + 3 > n) return 'truncated TLV header';
    const len = (b[o + 1] << 8) | b[o + 2];
    if (o + 3 + len > n) return `TLV ${t} runs past the frame`;
    if ((t === 2 || t === 4) && len !== 1) return `${t === 2 ? 'Port' : 'Interface'} Status TLV length ${len} is not 1`;
    o += 3 + len;
  }
}

/** Whether the frame `b` holds a valid CCM at PDU offset `p` (invalidCcm). */
export function validCcm(b: Uint8Array, p: number): boolean {
  return invalidCcm(b, p) === null;
}

/**
 * Parse a CCM at PDU offset p into `v`. Returns null when valid, else the reason (invalidCcm:
 * the engine discards invalid CCMs, 802.1Q 20.51).
 */
export function parseCcm(b: Uint8Array, p: number, v: CcmView): string | null {
  const bad = invalidCcm(b, p);
  if (bad !== null) return bad;
  const fto = b[p + 3];
  v.level = b[p] >> 5;
  v.flags = b[p + 2];
  v.interval = v.flags & 7;
  v.rdi = (v.flags & 0x80) !== 0;
  v.seq = ((b[p + 4] << 24) >>> 0) + (b[p + 5] << 16) + (b[p + 6] << 8) + b[p + 7];
  v.mepId = (b[p + 8] << 8) | b[p + 9];
  v.maidAt = p + 10;
  v.portStatus = 0;
  v.interfaceStatus = 0;
  v.chassisAt = -1;
  v.chassisEnd = -1;
  for (let o = p + 4 + fto; b[o] !== 0; o += 3 + ((b[o + 1] << 8) | b[o + 2])) {
    const t = b[o];
    const len = (b[o + 1] << 8) | b[o + 2];
    if (t === 2) v.portStatus = b[o + 3];
    else if (t === 4) v.interfaceStatus = b[o + 3];
    else if (t === 1 && len >= 1) {
      // Sender ID TLV (802.1Q 21.5.3): chassis ID length, chassis ID subtype, chassis ID
      const cl = b[o + 3];
      if (cl > 0 && len >= 2 + cl) { v.chassisAt = o + 5; v.chassisEnd = o + 5 + cl; }
    }
  }
  return null;
}

/** Compare the 48-byte MAID at `at` in `b` with `maid`. */
export function maidEquals(b: Uint8Array, at: number, maid: Uint8Array): boolean {
  for (let i = 0; i < 48; i++) if (b[at + i] !== maid[i]) return false;
  return true;
}
