/**
 * Ethernet framing and the common CFM header (802.1Q 21.3, 21.4): DA, SA, up to two VLAN tags
 * (0x8100 C-tag, 0x88a8 S-tag), EtherType 0x8902, then the PDU: level (3 bits) | version (5 bits),
 * opcode, flags, first TLV offset, fixed fields, TLVs, End TLV.
 *
 * decodeFrame() validates in the phases of seed 004 and stops at the first failure:
 *   1 MAC addresses non-zero (and the source not a group address);
 *   2 a CFM multicast DA (01-80-C2-00-00-3x) carries the PDU's level in its last nibble and its
 *     class fits the opcode (class 2 only for LTM, replies never multicast);
 *   3 length and TLV formation (header and fixed fields inside the frame, every TLV inside the
 *     PDU, End TLV present);
 *   4 opcode-specific structure (first TLV offset, fixed fields, MBZ bits, TLV contents).
 */
import { macAt, Writer, checkUint } from './bytes.js';
import { DecodeCtx } from './ctx.js';
import { PduEncodeError } from './errors.js';
import { LAYOUTS, layoutOf, opcodeName } from './layouts.js';
import { decodeTlv, encodeTlv, scanTlvs, tlvValueLength } from './tlv.js';
import {
  ETHERTYPE_CFM, OPCODE, TPID_CTAG, TPID_STAG,
  type CfmFrame, type MacAddress, type Pdu, type Tlv, type UnknownPdu, type VlanTag,
} from './types.js';

export interface DecodeOptions {
  /** Tolerate must-be-zero violations (decoded with all bits) and a missing End TLV; report them as warnings. */
  lenient?: boolean;
}

/** Multicast DA for a level: class 1 01:80:c2:00:00:3x (x = level), class 2 01:80:c2:00:00:3y (y = 8 + level). */
export function levelMulticast(level: number, cls: 1 | 2): MacAddress {
  checkUint(level, 7, 'level');
  const last = 0x30 + (cls === 2 ? 8 : 0) + level;
  return `01:80:c2:00:00:${last.toString(16)}`;
}

/** Opcodes that are replies and therefore always unicast (802.1Q 20.2, Y.1731 clause 7). */
const UNICAST_ONLY: ReadonlySet<number> = new Set([OPCODE.LBR, OPCODE.LTR, OPCODE.LMR, OPCODE.DMR, OPCODE.EXR, OPCODE.VSR, OPCODE.SLR]);

// ---------------------------------------------------------------------------------------------
// encode

function encodePduInto(w: Writer, pdu: Pdu): void {
  checkUint(pdu.level, 7, 'level');
  checkUint(pdu.version ?? 0, 31, 'version');
  w.u8((pdu.level << 5) | (pdu.version ?? 0), 'level/version');
  w.u8(pdu.opcode, 'opcode');
  w.u8(pdu.flags ?? 0, 'flags');
  const ftoAt = w.pos;
  w.zeros(1);
  const layout = layoutOf(pdu.opcode);
  if (!layout) {
    const u = pdu as UnknownPdu;
    w.patch8(ftoAt, checkedFto(u.firstTlvOffset ?? 0));
    if (!(u.body instanceof Uint8Array)) throw new PduEncodeError(`opcode ${pdu.opcode} has no layout: give its bytes after the header as body`);
    w.bytes(u.body);
    return;
  }
  const start = w.pos;
  layout.encode(w, pdu);
  if (pdu.extra) w.bytes(pdu.extra);
  const fixedLen = w.pos - start;
  const fto = pdu.firstTlvOffset ?? fixedLen;
  w.patch8(ftoAt, checkedFto(fto));
  // A larger first TLV offset than the fields written: pad with zeros up to it. A smaller one is
  // written as given (crafting an invalid PDU) with the TLVs after the fixed fields.
  if (fto > fixedLen) w.zeros(fto - fixedLen);
  for (const t of pdu.tlvs ?? ([] as Tlv[])) encodeTlv(w, t);
  w.u8(0, 'End TLV');
}

function checkedFto(v: number): number {
  checkUint(v, 255, 'firstTlvOffset');
  return v;
}

/** Size of the encoded PDU for the usual cases (exact unless it is deliberately inconsistent). */
function pduSize(p: Pdu): number {
  const l = layoutOf(p.opcode);
  if (!l) return 4 + ((p as UnknownPdu).body?.length ?? 0);
  let fixed: number;
  if (!l.variable) fixed = l.std + (p.extra?.length ?? 0);
  else if (p.opcode === OPCODE.GNM) fixed = p.nominalBandwidth !== undefined || p.currentBandwidth !== undefined || p.portId !== undefined ? 13 : 1 + (p.data?.length ?? 0);
  else fixed = 4 + ((p as { data?: Uint8Array }).data?.length ?? 0);
  let n = 4 + Math.max(fixed, p.firstTlvOffset ?? 0) + 1;
  for (const t of p.tlvs ?? []) n += 3 + tlvValueLength(t);
  return n;
}

/** Encode the CFM PDU alone (from the level/version octet to the End TLV). */
export function encodePdu(pdu: Pdu): Uint8Array {
  const w = new Writer(pduSize(pdu));
  encodePduInto(w, pdu);
  return w.result();
}

/** Encode a whole Ethernet frame: DA, SA, tags, EtherType, PDU (+ `padding`). No FCS, no padding to 60. */
export function encodeFrame(frame: CfmFrame): Uint8Array {
  const vlans = frame.vlans ?? [];
  const w = new Writer(14 + 4 * vlans.length + pduSize(frame.pdu) + (frame.padding?.length ?? 0));
  w.mac(frame.dst, 'dst');
  w.mac(frame.src, 'src');
  if (vlans.length > 2) throw new PduEncodeError(`a frame carries at most two VLAN tags, got ${vlans.length}`);
  vlans.forEach((t: VlanTag, i) => {
    const what = `vlans[${i}]`;
    w.u16(t.tpid ?? TPID_CTAG, `${what}.tpid`);
    checkUint(t.pcp ?? 0, 7, `${what}.pcp`);
    checkUint(t.vid, 4095, `${what}.vid`);
    w.u16(((t.pcp ?? 0) << 13) | (t.dei ? 0x1000 : 0) | t.vid, `${what}.tci`);
  });
  w.u16(ETHERTYPE_CFM, 'EtherType');
  encodePduInto(w, frame.pdu);
  if (frame.padding) w.bytes(frame.padding);
  return w.result();
}

// ---------------------------------------------------------------------------------------------
// decode

function isZeroMac(b: Uint8Array, o: number): boolean {
  return (b[o] | b[o + 1] | b[o + 2] | b[o + 3] | b[o + 4] | b[o + 5]) === 0;
}

/** True when the 6 bytes at o are 01:80:c2:00:00:3x (the CFM group addresses, 802.1Q Table 8-?). */
export function isCfmMulticast(b: Uint8Array, o: number): boolean {
  return b[o] === 0x01 && b[o + 1] === 0x80 && b[o + 2] === 0xc2 && b[o + 3] === 0 && b[o + 4] === 0 && (b[o + 5] & 0xf0) === 0x30;
}

/** Phase 2 for a DA at frame offset 0 and a PDU with `level` and `opcode`. */
function checkMulticast(b: Uint8Array, level: number, opcode: number, ctx: DecodeCtx): void {
  if (!(b[0] & 1)) return; // unicast
  const name = opcodeName(opcode);
  if (UNICAST_ONLY.has(opcode)) ctx.fail(2, 0, `${name} is a reply and must be unicast, DA is ${macAt(b, 0)}`);
  if (!isCfmMulticast(b, 0)) return; // another group address (e.g. R-APS 01:19:a7:...): no level nibble
  const nibble = b[5] & 0x0f;
  const daLevel = nibble & 7;
  const cls = nibble & 8 ? 2 : 1;
  if (daLevel !== level) {
    ctx.fail(2, 5, `multicast DA ${macAt(b, 0)} is for level ${daLevel} but the PDU is level ${level}`);
  }
  if (!layoutOf(opcode)) return;
  if (opcode === OPCODE.LTM && cls !== 2) ctx.fail(2, 5, `LTM must use a class 2 multicast DA (01:80:c2:00:00:3${(8 + level).toString(16)}), got class 1 ${macAt(b, 0)}`);
  if (opcode !== OPCODE.LTM && cls === 2) ctx.fail(2, 5, `class 2 multicast DA ${macAt(b, 0)} is only for LTM, not ${name}`);
}

/**
 * Decode the PDU starting at frame offset `off` (the level/version octet) to the end of `b`.
 * Phase 2 is checked against the DA at offset 0 when `checkDa` is set.
 */
function decodePduAt(b: Uint8Array, off: number, ctx: DecodeCtx, checkDa: boolean): { pdu: Pdu; padding?: Uint8Array } {
  const end = b.length;
  if (end - off < 4) ctx.fail(3, off, `CFM PDU is ${end - off} bytes; the common header needs 4`);
  const level = b[off] >> 5;
  const version = b[off] & 0x1f;
  const opcode = b[off + 1];
  const flags = b[off + 2];
  const fto = b[off + 3];
  if (checkDa) checkMulticast(b, level, opcode, ctx);
  const layout = layoutOf(opcode);
  if (!layout) {
    const pdu = { opcode, level, version, flags, firstTlvOffset: fto, tlvs: [], body: b.slice(off + 4) } as unknown as UnknownPdu;
    return { pdu };
  }
  const o = off + 4;
  const bodyLen = end - o;
  // phase 3: everything the header promises lies inside the frame
  if (fto > bodyLen) ctx.fail(3, off + 3, `first TLV offset ${fto} points past the end of the PDU (${bodyLen} bytes after the header)`);
  if (layout.std > bodyLen) ctx.fail(3, o, `${layout.name} is ${bodyLen + 4} bytes; its fixed fields need ${layout.std + 4}`);
  const scan = scanTlvs(b, o + fto, end, ctx);
  // phase 4: opcode structure
  if (fto < layout.std) {
    ctx.fail(4, off + 3, `first TLV offset ${fto} is less than ${layout.std}, the ${layout.name} fixed fields`);
  }
  if (opcode === OPCODE.GNM && b[o] === 1 && fto !== 13) ctx.fail(4, off + 3, `BNM (GNM sub-opcode 1) first TLV offset must be 13, got ${fto}`);
  if (opcode === OPCODE.CCM && (flags & 7) === 0) ctx.fail(4, off + 2, 'CCM interval field is 0 (invalid; 1..7, 802.1Q 21.6.1.3)');
  const fields = layout.decode(b, o, fto, ctx);
  const tlvs = scan.spans.map((s) => decodeTlv(b, s, ctx));
  if (opcode === OPCODE.LTM && !tlvs.some((t) => t.type === 7)) ctx.fail(4, o + fto, 'LTM without an LTM Egress Identifier TLV (802.1Q 21.8.8)');
  if (opcode === OPCODE.LTR && !tlvs.some((t) => t.type === 8)) ctx.fail(4, o + fto, 'LTR without an LTR Egress Identifier TLV (802.1Q 21.9.7)');
  const pdu = { opcode, level, version, flags, firstTlvOffset: fto, ...fields, tlvs } as unknown as Pdu;
  if (!layout.variable && fto > layout.std) pdu.extra = b.slice(o + layout.std, o + fto);
  const padding = scan.endAt >= 0 && scan.endAt + 1 < end ? b.slice(scan.endAt + 1) : undefined;
  return padding ? { pdu, padding } : { pdu };
}

/** Decode the CFM PDU alone (no Ethernet header; phases 1 and 2 do not apply). Offsets are PDU offsets. */
export function decodePdu(bytes: Uint8Array, opts?: DecodeOptions): Pdu {
  const ctx = new DecodeCtx(!!opts?.lenient);
  return decodePduAt(bytes, 0, ctx, false).pdu;
}

/** Parse the Ethernet header: returns the frame offset of the PDU. Phases 1 and 3. */
export function parseEthernet(b: Uint8Array, ctx: DecodeCtx, vlans: VlanTag[] | null): number {
  if (b.length < 14) ctx.fail(3, b.length, `frame is ${b.length} bytes; an Ethernet header needs 14`);
  if (isZeroMac(b, 0)) ctx.fail(1, 0, 'destination MAC is 00:00:00:00:00:00');
  if (isZeroMac(b, 6)) ctx.fail(1, 6, 'source MAC is 00:00:00:00:00:00');
  if (b[6] & 1) ctx.fail(1, 6, `source MAC ${macAt(b, 6)} is a group address`);
  let p = 12;
  let type = (b[p] << 8) | b[p + 1];
  let tags = 0;
  while (type === TPID_CTAG || type === TPID_STAG) {
    if (tags === 2) ctx.fail(3, p, 'more than two VLAN tags');
    if (p + 6 > b.length) ctx.fail(3, p, 'frame ends inside a VLAN tag');
    const tci = (b[p + 2] << 8) | b[p + 3];
    if (vlans) vlans.push({ tpid: type, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0x0fff });
    p += 4;
    tags++;
    type = (b[p] << 8) | b[p + 1];
  }
  if (type !== ETHERTYPE_CFM) ctx.fail(3, p, `EtherType 0x${type.toString(16).padStart(4, '0')} is not CFM (0x8902)`);
  return p + 2;
}

/** Decode and validate one Ethernet frame. Throws PduDecodeError (phase, offset, reason). */
export function decodeFrame(bytes: Uint8Array, opts?: DecodeOptions): CfmFrame {
  const ctx = new DecodeCtx(!!opts?.lenient);
  const vlans: VlanTag[] = [];
  const off = parseEthernet(bytes, ctx, vlans);
  const { pdu, padding } = decodePduAt(bytes, off, ctx, true);
  const frame: CfmFrame = { dst: macAt(bytes, 0), src: macAt(bytes, 6), vlans, pdu };
  if (padding) frame.padding = padding;
  if (ctx.warnings.length) frame.warnings = ctx.warnings;
  return frame;
}

/** The standard first TLV offset of a known opcode (e.g. 70 for CCM), undefined otherwise. */
export function standardFirstTlvOffset(opcode: number): number | undefined {
  const l = layoutOf(opcode);
  return l && !l.variable ? l.std : l?.std;
}

export { LAYOUTS, opcodeName };
