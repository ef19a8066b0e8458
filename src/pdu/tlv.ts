/**
 * TLV codec (802.1Q 21.5, Y.1731 / G.8013 9.x). TLV = type (1) + length (2, octets of value) +
 * value; the End TLV is the single octet 0 (802.1Q 21.5.1).
 *
 * Decoding is two passes, matching the validation phases: scanTlvs() checks formation (every TLV
 * inside the PDU, End TLV present: phase 3); decodeTlv() checks each known TLV's structure
 * (phase 4). Offsets are frame offsets.
 */
import { macAt, u16, u24, u32, type Writer } from './bytes.js';
import { crc32, prbs31 } from './crc32.js';
import type { DecodeCtx } from './ctx.js';
import { PduEncodeError } from './errors.js';
import type { KnownTlv, SenderIdTlv, ReplyEgressTlv, ReplyIngressTlv, ReplyingMepMipIdTlv, TargetMepMipIdTlv, Tlv, TestTlv } from './types.js';

export interface TlvSpan {
  type: number;
  /** Frame offset of the type octet. */
  offset: number;
  /** Value length (octets). */
  length: number;
}

export interface TlvScan {
  spans: TlvSpan[];
  /** Frame offset of the End TLV, or -1 when missing (lenient only). */
  endAt: number;
}

export const TLV_NAMES: Record<number, string> = {
  0: 'End', 1: 'Sender ID', 2: 'Port Status', 3: 'Data', 4: 'Interface Status', 5: 'Reply Ingress',
  6: 'Reply Egress', 7: 'LTM Egress Identifier', 8: 'LTR Egress Identifier', 9: 'PBB-TE MIP',
  31: 'Organization-Specific', 32: 'Test', 33: 'Target MEP/MIP ID', 34: 'Replying MEP/MIP ID',
  35: 'Requesting MEP ID', 36: 'Test ID',
};

export function tlvName(type: number): string {
  return TLV_NAMES[type] ?? `TLV ${type}`;
}

/** Phase 3: walk the TLV chain from `start` to `end` (frame offsets). */
export function scanTlvs(b: Uint8Array, start: number, end: number, ctx: DecodeCtx): TlvScan {
  const spans: TlvSpan[] = [];
  let p = start;
  for (;;) {
    if (p >= end) {
      ctx.relax(3, p, `End TLV missing: the PDU ends at byte ${end} after ${spans.length} TLV(s) (802.1Q 21.5.1)`);
      return { spans, endAt: -1 };
    }
    const type = b[p];
    if (type === 0) return { spans, endAt: p };
    if (p + 3 > end) ctx.fail(3, p, `${tlvName(type)} TLV header needs 3 bytes, ${end - p} left in the PDU`);
    const length = u16(b, p + 1);
    if (p + 3 + length > end) {
      ctx.fail(3, p + 1, `${tlvName(type)} TLV length ${length} runs past the end of the PDU (${end - p - 3} bytes left)`);
    }
    spans.push({ type, offset: p, length });
    p += 3 + length;
  }
}

function exactLength(s: TlvSpan, want: number, ctx: DecodeCtx): void {
  if (s.length !== want) ctx.fail(4, s.offset + 1, `${tlvName(s.type)} TLV length is ${s.length}, must be ${want}`);
}
function minLength(s: TlvSpan, want: number, ctx: DecodeCtx): void {
  if (s.length < want) ctx.fail(4, s.offset + 1, `${tlvName(s.type)} TLV length is ${s.length}, needs at least ${want}`);
}

/** Phase 4: decode one TLV's value. Unknown types come back raw. */
export function decodeTlv(b: Uint8Array, s: TlvSpan, ctx: DecodeCtx): Tlv {
  const v = s.offset + 3;
  const end = v + s.length;
  switch (s.type) {
    case 1: { // Sender ID (802.1Q 21.5.3)
      minLength(s, 1, ctx);
      const out: SenderIdTlv = { type: 1 };
      let p = v;
      const chassisLen = b[p++];
      if (chassisLen > 0) {
        if (p + 1 + chassisLen > end) ctx.fail(4, v, `Sender ID chassis ID length ${chassisLen} runs past the TLV`);
        out.chassisIdSubtype = b[p++];
        out.chassisId = b.slice(p, p + chassisLen);
        p += chassisLen;
      }
      if (p < end) {
        const domLen = b[p++];
        out.mgmtDomain = b.slice(p, p + domLen);
        if (p + domLen > end) ctx.fail(4, p - 1, `Sender ID management address domain length ${domLen} runs past the TLV`);
        p += domLen;
        if (domLen > 0) {
          if (p >= end) ctx.fail(4, p, 'Sender ID management address length missing after a non-empty domain');
          const addrLen = b[p++];
          if (p + addrLen > end) ctx.fail(4, p - 1, `Sender ID management address length ${addrLen} runs past the TLV`);
          out.mgmtAddress = b.slice(p, p + addrLen);
          p += addrLen;
        }
      }
      if (p !== end) ctx.fail(4, p, `Sender ID TLV has ${end - p} byte(s) after its last field`);
      return out;
    }
    case 2:
      exactLength(s, 1, ctx);
      // 802.1Q 21.5.4 Table 21-10: psBlocked 1, psUp 2; other values are reserved (still a valid TLV)
      if (b[v] < 1 || b[v] > 2) ctx.warn(4, v, `Port Status value ${b[v]} is reserved (1 psBlocked, 2 psUp; 802.1Q 21.5.4)`);
      return { type: 2, value: b[v] };
    case 3:
      return { type: 3, data: b.slice(v, end) };
    case 4:
      exactLength(s, 1, ctx);
      // 802.1Q 21.5.5 Table 21-12: isUp 1 .. isLowerLayerDown 7; other values are reserved
      if (b[v] < 1 || b[v] > 7) ctx.warn(4, v, `Interface Status value ${b[v]} is reserved (1 isUp .. 7 isLowerLayerDown; 802.1Q 21.5.5)`);
      return { type: 4, value: b[v] };
    case 5:
    case 6: { // Reply Ingress / Egress (802.1Q 21.9.8, 21.9.9)
      minLength(s, 7, ctx);
      const out = { type: s.type, action: b[v], mac: macAt(b, v + 1) } as ReplyIngressTlv | ReplyEgressTlv;
      let p = v + 7;
      if (p < end) {
        const idLen = b[p++];
        if (idLen > 0) {
          if (p + 1 + idLen > end) ctx.fail(4, p - 1, `${tlvName(s.type)} port ID length ${idLen} runs past the TLV`);
          out.portIdSubtype = b[p++];
        }
        out.portId = b.slice(p, p + idLen);
        p += idLen;
      }
      if (p !== end) ctx.fail(4, p, `${tlvName(s.type)} TLV has ${end - p} byte(s) after its last field`);
      return out;
    }
    case 7:
      exactLength(s, 8, ctx);
      return { type: 7, egressId: b.slice(v, v + 8) };
    case 8:
      exactLength(s, 16, ctx);
      return { type: 8, lastEgressId: b.slice(v, v + 8), nextEgressId: b.slice(v + 8, v + 16) };
    case 31:
      minLength(s, 4, ctx);
      return { type: 31, oui: u24(b, v), subtype: b[v + 3], value: b.slice(v + 4, end) };
    case 32: { // Test TLV (Y.1731 9.3)
      minLength(s, 1, ctx);
      const patternType = b[v];
      if (patternType > 3) ctx.relax(4, v, `Test TLV pattern type ${patternType} is reserved (0..3)`);
      const withCrc = patternType === 1 || patternType === 3;
      if (withCrc && s.length < 5) ctx.fail(4, s.offset + 1, `Test TLV pattern type ${patternType} carries a CRC-32 but the TLV length is ${s.length}`);
      const patEnd = withCrc ? end - 4 : end;
      const out: TestTlv = { type: 32, patternType, length: patEnd - v - 1, pattern: b.slice(v + 1, patEnd) };
      if (withCrc) out.crc32 = u32(b, patEnd);
      return out;
    }
    case 33:
    case 34: {
      exactLength(s, 25, ctx);
      const subtype = b[v];
      const id = b.slice(v + 1, v + 25);
      const out = { type: s.type, subtype, id } as TargetMepMipIdTlv | ReplyingMepMipIdTlv;
      if (subtype === 2) out.mepId = u16(b, v + 1);
      return out;
    }
    case 35:
      exactLength(s, 54, ctx);
      return { type: 35, loopbackIndication: u16(b, v), mepId: u16(b, v + 2), megId: b.slice(v + 4, v + 52), reserved: u16(b, v + 52) };
    case 36:
      exactLength(s, 4, ctx);
      return { type: 36, testId: u32(b, v) };
    default:
      return { type: s.type, value: b.slice(v, end) };
  }
}

/** The Test TLV pattern as it goes on the wire (given, or generated from the pattern type). */
export function testPattern(t: TestTlv): Uint8Array {
  if (t.pattern) {
    if (t.pattern.length !== t.length) throw new PduEncodeError(`Test TLV: pattern has ${t.pattern.length} bytes but length says ${t.length}`);
    return t.pattern;
  }
  return t.patternType === 2 || t.patternType === 3 ? prbs31(t.length) : new Uint8Array(t.length);
}

function optBytes(w: Writer, b: Uint8Array | undefined, what: string): void {
  const len = b ? b.length : 0;
  w.u8(len, `${what} length`);
  if (b) w.bytes(b);
}

/** Write one TLV (type, length, value). */
export function encodeTlv(w: Writer, t: Tlv): void {
  const type = t.type;
  if (type === 0) throw new PduEncodeError('the End TLV is implicit: do not list it in tlvs');
  w.u8(type, 'TLV type');
  const lenAt = w.pos;
  w.zeros(2);
  const start = w.pos;
  const raw = (t as { value?: unknown }).value;
  if (raw instanceof Uint8Array && !(type === 31 && 'oui' in t)) {
    w.bytes(raw); // RawTlv: any type, bytes as given (also a deliberately malformed known TLV)
  } else {
    const k = t as KnownTlv;
    switch (k.type) {
      case 1:
        if (k.chassisId && k.chassisId.length > 0) {
          if (k.chassisIdSubtype === undefined) throw new PduEncodeError('Sender ID TLV: chassisId needs chassisIdSubtype');
          w.u8(k.chassisId.length, 'Sender ID chassis ID length');
          w.u8(k.chassisIdSubtype, 'Sender ID chassis ID subtype');
          w.bytes(k.chassisId);
        } else {
          w.u8(0, 'Sender ID chassis ID length');
        }
        if (k.mgmtDomain) {
          optBytes(w, k.mgmtDomain, 'Sender ID management address domain');
          if (k.mgmtDomain.length > 0) optBytes(w, k.mgmtAddress, 'Sender ID management address');
          else if (k.mgmtAddress && k.mgmtAddress.length) throw new PduEncodeError('Sender ID TLV: a management address needs a non-empty mgmtDomain (802.1Q 21.5.3)');
        } else if (k.mgmtAddress) {
          throw new PduEncodeError('Sender ID TLV: a management address needs mgmtDomain (802.1Q 21.5.3)');
        }
        break;
      case 2:
      case 4:
        w.u8(k.value, `${tlvName(k.type)} TLV value`);
        break;
      case 3:
        w.bytes(k.data);
        break;
      case 5:
      case 6:
        w.u8(k.action, `${tlvName(k.type)} action`);
        w.mac(k.mac, `${tlvName(k.type)} MAC`);
        if (k.portId) {
          w.u8(k.portId.length, `${tlvName(k.type)} port ID length`);
          if (k.portId.length > 0) {
            if (k.portIdSubtype === undefined) throw new PduEncodeError(`${tlvName(k.type)} TLV: portId needs portIdSubtype`);
            w.u8(k.portIdSubtype, `${tlvName(k.type)} port ID subtype`);
            w.bytes(k.portId);
          }
        }
        break;
      case 7:
        w.fixed(k.egressId, 8, 'LTM Egress Identifier');
        break;
      case 8:
        w.fixed(k.lastEgressId, 8, 'LTR Last Egress Identifier');
        w.fixed(k.nextEgressId, 8, 'LTR Next Egress Identifier');
        break;
      case 31:
        w.u24(k.oui, 'Organization-Specific TLV OUI');
        w.u8(k.subtype, 'Organization-Specific TLV subtype');
        w.bytes(k.value);
        break;
      case 32: {
        w.u8(k.patternType, 'Test TLV pattern type');
        const pat = testPattern(k);
        w.bytes(pat);
        if (k.patternType === 1 || k.patternType === 3) w.u32(k.crc32 ?? crc32(pat), 'Test TLV CRC-32');
        break;
      }
      case 33:
      case 34:
        w.u8(k.subtype, `${tlvName(k.type)} subtype`);
        if (k.id) {
          w.fixed(k.id, 24, `${tlvName(k.type)} ID`);
        } else {
          w.u16(k.mepId ?? 0, `${tlvName(k.type)} MEP ID`);
          w.zeros(22);
        }
        break;
      case 35:
        w.u16(k.loopbackIndication, 'Requesting MEP ID loopback indication');
        w.u16(k.mepId, 'Requesting MEP ID');
        w.fixed(k.megId, 48, 'Requesting MEP ID MEG ID');
        w.u16(k.reserved ?? 0, 'Requesting MEP ID reserved');
        break;
      case 36:
        w.u32(k.testId, 'Test ID');
        break;
      default:
        throw new PduEncodeError(`TLV type ${type}: give its bytes as { type, value }`);
    }
  }
  const len = w.pos - start;
  if (len > 0xffff) throw new PduEncodeError(`${tlvName(type)} TLV value is ${len} bytes; at most 65535`);
  w.patch16(lenAt, len);
}

/** Octets of a TLV's value as it is (or would be) on the wire. */
export function tlvValueLength(t: Tlv): number {
  const k = t as Tlv & Record<string, unknown>;
  if (k.value instanceof Uint8Array && !(t.type === 31 && 'oui' in k)) return k.value.length;
  switch (t.type) {
    case 1: {
      const c = (k.chassisId as Uint8Array | undefined)?.length ?? 0;
      const d = k.mgmtDomain as Uint8Array | undefined;
      return 1 + (c ? 1 + c : 0) + (d ? 1 + d.length + (d.length ? 1 + ((k.mgmtAddress as Uint8Array | undefined)?.length ?? 0) : 0) : 0);
    }
    case 2: case 4: return 1;
    case 3: return (k.data as Uint8Array).length;
    case 5: case 6: {
      const p = k.portId as Uint8Array | undefined;
      return 7 + (p ? 1 + (p.length ? 1 + p.length : 0) : 0);
    }
    case 7: return 8;
    case 8: return 16;
    case 31: return 4 + (k.value as Uint8Array).length;
    case 32: return 1 + (k.length as number) + (k.patternType === 1 || k.patternType === 3 ? 4 : 0);
    case 33: case 34: return 25;
    case 35: return 54;
    case 36: return 4;
    default: return 0;
  }
}
