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
 * Parse a CCM at PDU offset p into `v`. Returns null when well formed, else the reason (the
 * engine discards malformed CCMs, 802.1Q 20.16: "invalid CFM PDU").
 */
export function parseCcm(b: Uint8Array, p: number, v: CcmView): string | null {
  if (b.length < p + 75) return 'CCM shorter than 75 octets';
  if (b[p] & 0x1f) return 'version not 0';
  const fto = b[p + 3];
  if (fto < CCM_FIRST_TLV_OFFSET) return `first TLV offset ${fto} < 70`;
  v.level = b[p] >> 5;
  v.flags = b[p + 2];
  v.interval = v.flags & 7;
  v.rdi = (v.flags & 0x80) !== 0;
  v.seq = ((b[p + 4] << 24) >>> 0) + (b[p + 5] << 16) + (b[p + 6] << 8) + b[p + 7];
  v.mepId = ((b[p + 8] << 8) | b[p + 9]) & 0x1fff;
  v.maidAt = p + 10;
  v.portStatus = 0;
  v.interfaceStatus = 0;
  v.chassisAt = -1;
  v.chassisEnd = -1;
  let o = p + 4 + fto;
  for (;;) {
    if (o >= b.length) return 'no End TLV';
    const t = b[o];
    if (t === 0) return null;
    if (o + 3 > b.length) return 'truncated TLV header';
    const len = (b[o + 1] << 8) | b[o + 2];
    if (o + 3 + len > b.length) return `TLV ${t} runs past the frame`;
    if (t === 2 && len >= 1) v.portStatus = b[o + 3];
    else if (t === 4 && len >= 1) v.interfaceStatus = b[o + 3];
    else if (t === 1 && len >= 1) {
      const cl = b[o + 3];
      if (cl > 0 && len >= 2 + cl) { v.chassisAt = o + 5; v.chassisEnd = o + 5 + cl; }
    }
    o += 3 + len;
  }
}

/** Compare the 48-byte MAID at `at` in `b` with `maid`. */
export function maidEquals(b: Uint8Array, at: number, maid: Uint8Array): boolean {
  for (let i = 0; i < 48; i++) if (b[at + i] !== maid[i]) return false;
  return true;
}
