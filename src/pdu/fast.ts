/**
 * Allocation-free CCM receive path: validates a whole Ethernet frame holding a CCM and fills a
 * caller-owned view with the fields a MEP's CCM receive state machine needs (802.1Q 20.16 MEP CCR,
 * 20.17 Remote MEP). No strings, no arrays: MACs are exposed as offsets into the frame (use
 * macAt()/maidEquals() when needed).
 *
 * Two rules (CcmRule): 'receive' (the default) is what a receiving MEP acts on, the rule of the
 * engine (src/engine/ccm.ts invalidCcm) and of the mock ASIC's VOE (native/asic/mock_ccm_rx.c):
 * reserved octets are ignored on receipt (802.1Q 21.6: the 4 octets after TxFCb, Y.1731 9.2) and
 * the 48 MAID octets are compared whole by the caller, so a MAID whose padding is not zero, or
 * whose name lengths do not fit, is another MA's MAID (a mismatch, defXconCCM / dMMG), not a
 * dropped frame. 'codec' adds decodeFrame()'s strict must-be-zero checks (MAID structure and
 * padding, the reserved octets) for tools that must give decodeFrame's verdict (cfm decode).
 *
 * When it returns false, `phase`/`offset` say where it failed; call decodeFrame() on the same
 * bytes for the operator-facing reason (with 'codec': the same phase and offset). A frame that is
 * a valid CFM PDU of another opcode returns false with phase 0 ("not a CCM").
 */
import { DecodeCtx } from './ctx.js';
import { decodeTlv } from './tlv.js';

export interface CcmView {
  /** 0 when valid or not a CCM, else the failed validation phase 1..4. */
  phase: number;
  /** Frame offset of the failure (meaningful when phase > 0). */
  offset: number;
  /** Opcode seen (so a caller can route non-CCM PDUs to the full decoder). */
  opcode: number;
  /** Frame offset of the CFM PDU (after tags and EtherType). */
  pduOffset: number;
  vlanCount: number;
  /** VID of the outer tag, -1 untagged. */
  outerVid: number;
  level: number;
  version: number;
  flags: number;
  rdi: boolean;
  interval: number;
  seq: number;
  mepId: number;
  /** Frame offset of the 48-byte MAID. */
  maidOffset: number;
  txFCf: number;
  rxFCb: number;
  txFCb: number;
  /** Port Status TLV value, 0 when absent. */
  portStatus: number;
  /** Interface Status TLV value, 0 when absent. */
  interfaceStatus: number;
  /** Frame offset of the Sender ID TLV, -1 when absent. */
  senderIdOffset: number;
  /** Number of TLVs (End excluded). */
  tlvCount: number;
}

export function newCcmView(): CcmView {
  return {
    phase: 0, offset: 0, opcode: 0, pduOffset: 0, vlanCount: 0, outerVid: -1, level: 0, version: 0, flags: 0,
    rdi: false, interval: 0, seq: 0, mepId: 0, maidOffset: 0, txFCf: 0, rxFCb: 0, txFCb: 0,
    portStatus: 0, interfaceStatus: 0, senderIdOffset: -1, tlvCount: 0,
  };
}

function fail(v: CcmView, phase: number, offset: number): false {
  v.phase = phase;
  v.offset = offset;
  return false;
}

const strictCtx = new DecodeCtx(false);

/** 'receive': what a MEP acts on (reserved octets ignored); 'codec': decodeFrame's strict verdict. */
export type CcmRule = 'receive' | 'codec';

/**
 * Validate + decode a CCM frame into `v`. True = a valid CCM under `rule` (with 'codec', the same
 * verdict as decodeFrame). The Y.1731 frame counters (TxFCf, RxFCb, TxFCb: dual-ended ETH-LM,
 * Y.1731 8.1.1) are read only with `counters` (otherwise left 0): most MEPs do not run CCM-based
 * loss measurement.
 */
export function decodeCcmFast(b: Uint8Array, v: CcmView, counters = false, rule: CcmRule = 'receive'): boolean {
  v.phase = 0;
  v.opcode = -1;
  const len = b.length;
  if (len < 14) return fail(v, 3, len);
  if ((b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) === 0) return fail(v, 1, 0);
  if ((b[6] | b[7] | b[8] | b[9] | b[10] | b[11]) === 0 || b[6] & 1) return fail(v, 1, 6);
  let p = 12;
  let type = (b[12] << 8) | b[13];
  let tags = 0;
  v.outerVid = -1;
  while (type === 0x8100 || type === 0x88a8) {
    if (tags === 2) return fail(v, 3, p);
    if (p + 6 > len) return fail(v, 3, p);
    if (tags === 0) v.outerVid = ((b[p + 2] << 8) | b[p + 3]) & 0x0fff;
    p += 4;
    tags++;
    type = (b[p] << 8) | b[p + 1];
  }
  v.vlanCount = tags;
  if (type !== 0x8902) return fail(v, 3, p);
  const off = p + 2;
  v.pduOffset = off;
  if (len - off < 4) return fail(v, 3, off);
  const level = b[off] >> 5;
  const opcode = b[off + 1];
  v.opcode = opcode;
  if (opcode !== 1) return false; // phase 0: not a CCM
  // phase 2: a CCM may go to its class 1 group address; the nibble must carry its level
  if (b[0] & 1 && b[0] === 0x01 && b[1] === 0x80 && b[2] === 0xc2 && b[3] === 0 && b[4] === 0 && (b[5] & 0xf0) === 0x30) {
    if ((b[5] & 7) !== level || b[5] & 8) return fail(v, 2, 5);
  }
  const o = off + 4;
  const bodyLen = len - o;
  const fto = b[off + 3];
  if (fto > bodyLen) return fail(v, 3, off + 3);
  if (bodyLen < 70) return fail(v, 3, o);
  // phase 3: TLV chain. One pass also notes the Port/Interface Status values, the first
  // malformed one (a phase 4 error, reported after the fixed-field checks as decodeFrame does)
  // and whether any TLV needs the full TLV decoder's structure checks.
  let t = o + fto;
  let count = 0;
  let portStatus = 0;
  let interfaceStatus = 0;
  let statusBad = -1;
  let slow = false;
  for (;;) {
    if (t >= len) return fail(v, 3, t);
    const tt = b[t];
    if (tt === 0) break;
    if (t + 3 > len) return fail(v, 3, t);
    const tl = (b[t + 1] << 8) | b[t + 2];
    if (t + 3 + tl > len) return fail(v, 3, t + 1);
    if (tt === 2 || tt === 4) {
      if (tl !== 1) {
        if (statusBad < 0 && !slow) statusBad = t + 1;
      } else if (tt === 2) portStatus = b[t + 3];
      else interfaceStatus = b[t + 3];
    } else if (tt !== 3) {
      slow = true;
    }
    t += 3 + tl;
    count++;
  }
  // phase 4
  if (fto < 70) return fail(v, 4, off + 3);
  const flags = b[off + 2];
  if ((flags & 7) === 0) return fail(v, 4, off + 2);
  const mepId = (b[o + 4] << 8) | b[o + 5];
  if (mepId & 0xe000 || mepId === 0) return fail(v, 4, o + 4);
  const m = o + 6;
  if (rule === 'codec' && !mustBeZeroOk(b, o, v)) return false;
  v.senderIdOffset = -1;
  if (slow) {
    // uncommon TLVs: the full decoder's checks, in TLV order
    const at = slowTlvCheck(b, o + fto, count, v);
    if (at >= 0) return fail(v, 4, at);
  } else if (statusBad >= 0) {
    return fail(v, 4, statusBad);
  }
  v.portStatus = portStatus;
  v.interfaceStatus = interfaceStatus;
  v.level = level;
  v.version = b[off] & 0x1f;
  v.flags = flags;
  v.rdi = (flags & 0x80) !== 0;
  v.interval = flags & 7;
  v.seq = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  v.mepId = mepId;
  v.maidOffset = m;
  if (counters) {
    v.txFCf = ((b[o + 54] << 24) | (b[o + 55] << 16) | (b[o + 56] << 8) | b[o + 57]) >>> 0;
    v.rxFCb = ((b[o + 58] << 24) | (b[o + 59] << 16) | (b[o + 60] << 8) | b[o + 61]) >>> 0;
    v.txFCb = ((b[o + 62] << 24) | (b[o + 63] << 16) | (b[o + 64] << 8) | b[o + 65]) >>> 0;
  } else {
    v.txFCf = 0;
    v.rxFCb = 0;
    v.txFCb = 0;
  }
  v.tlvCount = count;
  return true;
}

/**
 * decodeFrame's strict must-be-zero checks of a CCM body at `o` (rule 'codec'): the MAID's name
 * lengths inside its 48 octets and zero padding (802.1Q 21.6.5), the 4 reserved octets after TxFCb
 * zero. False (phase 4 at the MAID, or at the first non-zero reserved octet) when one fails.
 */
function mustBeZeroOk(b: Uint8Array, o: number, v: CcmView): boolean {
  const m = o + 6;
  let q = m;
  if (b[q] === 1) {
    q += 1;
  } else {
    const mdLen = b[q + 1];
    if (2 + mdLen > 46) return fail(v, 4, m);
    q += 2 + mdLen;
  }
  const maLen = b[q + 1];
  if (q + 2 + maLen > m + 48) return fail(v, 4, m);
  // Zero padding up to 48 bytes: usually 30+ bytes, the costliest check of a CCM (a third of the
  // time byte by byte); eight bytes per iteration keeps the loop overhead off most of them.
  let pad = 0;
  let i = q + 2 + maLen;
  const end = m + 48;
  for (; i + 8 <= end; i += 8) pad |= b[i] | b[i + 1] | b[i + 2] | b[i + 3] | b[i + 4] | b[i + 5] | b[i + 6] | b[i + 7];
  for (; i < end; i++) pad |= b[i];
  if (pad !== 0) return fail(v, 4, m);
  if ((b[o + 66] | b[o + 67] | b[o + 68] | b[o + 69]) !== 0) {
    for (let i = o + 66; ; i++) if (b[i] !== 0) return fail(v, 4, i);
  }
  return true;
}

/** Structure checks of every TLV (decodeTlv); returns the failing offset or -1. Notes Sender ID. */
function slowTlvCheck(b: Uint8Array, start: number, count: number, v: CcmView): number {
  let t = start;
  for (let i = 0; i < count; i++) {
    const tt = b[t];
    const tl = (b[t + 1] << 8) | b[t + 2];
    if (tt === 1 && v.senderIdOffset < 0) v.senderIdOffset = t;
    if (tt !== 3) {
      try {
        decodeTlv(b, { type: tt, offset: t, length: tl }, strictCtx);
      } catch (e) {
        return (e as { offset?: number }).offset ?? t;
      } finally {
        strictCtx.warnings.length = 0; // warnings (reserved status values) do not change the verdict
      }
    }
    t += 3 + tl;
  }
  return -1;
}

/** Compare the frame's MAID (at v.maidOffset) with an expected 48-byte MAID without allocating. */
export function maidEquals(b: Uint8Array, maidOffset: number, expected: Uint8Array): boolean {
  for (let i = 0; i < 48; i++) if (b[maidOffset + i] !== expected[i]) return false;
  return true;
}

/**
 * CCM transmit fast path: encode a CCM once (encodeFrame), then per transmission patch the
 * sequence number and RDI in place instead of re-encoding (802.1Q 20.10: CCIsentCCMs increments
 * the seq; presentRDI sets the flag). `pduOffset` is 14 + 4 x tags (CcmView.pduOffset on receive).
 */
export function patchCcm(frame: Uint8Array, pduOffset: number, seq: number, rdi: boolean): void {
  frame[pduOffset + 4] = seq >>> 24;
  frame[pduOffset + 5] = (seq >>> 16) & 0xff;
  frame[pduOffset + 6] = (seq >>> 8) & 0xff;
  frame[pduOffset + 7] = seq & 0xff;
  frame[pduOffset + 2] = rdi ? frame[pduOffset + 2] | 0x80 : frame[pduOffset + 2] & 0x7f;
}

/** Offset of the CFM PDU in an Ethernet frame (after up to two tags), -1 when not EtherType 0x8902. */
export function pduOffsetOf(frame: Uint8Array): number {
  let p = 12;
  for (let tags = 0; tags <= 2 && p + 2 <= frame.length; tags++) {
    const type = (frame[p] << 8) | frame[p + 1];
    if (type === 0x8902) return p + 2;
    if (type !== 0x8100 && type !== 0x88a8) return -1;
    p += 4;
  }
  return -1;
}
