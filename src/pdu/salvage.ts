/**
 * What an invalid frame said before it went wrong (issue 11 item 22). The validity check stops at
 * the first failure; an operator debugging a peer still wants to see what it sent (Wireshark
 * shows every field it could dissect). salvageFields() reads, without failing, every field that
 * lies inside the frame: VLAN tags, EtherType, the common header, the fixed fields (must-be-zero
 * bits read with all their bits, as in lenient mode) and the TLVs up to the first one that is
 * cut off. A TLV whose structure is wrong comes back raw with its problem.
 * Example: Open vSwitch's extended-mode CCMs carry interval code 0 (802.1Q 21.6.1.3: invalid) and
 * a 64-bit MPID: the frame is invalid, and its sequence number, MEPID and MAID still show.
 */
import { toHex } from './bytes.js';
import { DecodeCtx } from './ctx.js';
import { PduDecodeError } from './errors.js';
import { pduFieldsJson, tlvJson, type JsonObject, type JsonValue } from './json.js';
import { layoutOf, opcodeName } from './layouts.js';
import { decodeTlv, tlvName } from './tlv.js';
import { TPID_CTAG, TPID_STAG, type Pdu } from './types.js';

/** The fields of `bytes` that could be read, in the order of a valid frame's JSON (no dst/src). */
export function salvageFields(bytes: Uint8Array): JsonObject {
  const out: JsonObject = {};
  const len = bytes.length;
  if (len < 14) return out;
  const vlans: JsonValue[] = [];
  let p = 12;
  let type = (bytes[p] << 8) | bytes[p + 1];
  while ((type === TPID_CTAG || type === TPID_STAG) && p + 6 <= len && vlans.length < 2) {
    const tci = (bytes[p + 2] << 8) | bytes[p + 3];
    vlans.push({ tpid: type, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff });
    p += 4;
    type = (bytes[p] << 8) | bytes[p + 1];
  }
  out.vlans = vlans;
  if (p + 2 > len) return out;
  out.etherType = type;
  if (type !== 0x8902) return out;
  const off = p + 2;
  if (off + 4 > len) return out;
  const level = bytes[off] >> 5;
  const version = bytes[off] & 0x1f;
  const opcode = bytes[off + 1];
  const flags = bytes[off + 2];
  const fto = bytes[off + 3];
  Object.assign(out, { level, version, opcode, opcodeName: opcodeName(opcode), flags, firstTlvOffset: fto });
  const layout = layoutOf(opcode);
  if (!layout) {
    out.body = toHex(bytes.subarray(off + 4, Math.min(len, off + 4 + 32)));
    return out;
  }
  const o = off + 4;
  const ctx = new DecodeCtx(true);
  const fixedEnd = Math.max(fto, layout.std);
  if (o + fixedEnd <= len) {
    try {
      const fields = layout.decode(bytes, o, fixedEnd, ctx);
      Object.assign(out, pduFieldsJson({ opcode, level, version, flags, firstTlvOffset: fto, ...fields, tlvs: [] } as unknown as Pdu));
    } catch (e) {
      if (!(e instanceof PduDecodeError)) throw e;
    }
  }
  if (o + fto <= len) out.tlvs = salvageTlvs(bytes, o + fto, len, ctx);
  return out;
}

/** The TLVs inside [start, end): decoded, or raw with their problem; stops at End or a cut-off TLV. */
function salvageTlvs(b: Uint8Array, start: number, end: number, ctx: DecodeCtx): JsonValue[] {
  const tlvs: JsonValue[] = [];
  for (let t = start; t < end && b[t] !== 0 && t + 3 <= end;) {
    const type = b[t];
    const length = (b[t + 1] << 8) | b[t + 2];
    if (t + 3 + length > end) break;
    try {
      tlvs.push(tlvJson(decodeTlv(b, { type, offset: t, length }, ctx)));
    } catch (e) {
      if (!(e instanceof PduDecodeError)) throw e;
      tlvs.push({ type, name: tlvName(type), length, value: toHex(b.subarray(t + 3, t + 3 + Math.min(length, 32))), problem: e.reason });
    }
    t += 3 + length;
  }
  return tlvs;
}
