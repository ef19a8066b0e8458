/**
 * Netlink attributes (struct nlattr: u16 len, u16 type, value, padded to 4 bytes; RFC 3549 2.3.2)
 * built as data and serialized in one pass, and parsed back into a flat list per level.
 * Values are host byte order (little endian on every platform we target) unless a protocol
 * says otherwise; we never set NLA_F_NET_BYTEORDER.
 */
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { NetlinkParseError } from './errors.js';

/** An attribute to encode. `nested` sets NLA_F_NESTED on a nest (the kernel's nla_nest_start). */
export type Attr =
  | { type: number; value: Uint8Array }
  | { type: number; nest: Attr[]; nested?: boolean };

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export function u8(type: number, v: number): Attr {
  return { type, value: Uint8Array.of(v & 0xff) };
}

export function u16(type: number, v: number): Attr {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, true);
  return { type, value: b };
}

export function u32(type: number, v: number): Attr {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return { type, value: b };
}

export function u64(type: number, v: bigint | number): Attr {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return { type, value: b };
}

/** NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it). */
export function str(type: number, s: string): Attr {
  const e = new TextEncoder().encode(s);
  const b = new Uint8Array(e.length + 1);
  b.set(e);
  return { type, value: b };
}

export function bytes(type: number, v: Uint8Array): Attr {
  return { type, value: v };
}

/** A zero-length attribute (NLA_FLAG). */
export function flag(type: number): Attr {
  return { type, value: new Uint8Array(0) };
}

/** A nest; NLA_F_NESTED is set unless `nestedFlag` is false (the kernel omits it on IFLA_AF_SPEC in replies). */
export function nest(type: number, children: Attr[], nestedFlag = true): Attr {
  return { type, nest: children, nested: nestedFlag };
}

export function attrSize(a: Attr): number {
  if ('value' in a) return align4(NLA_HDRLEN + a.value.length);
  let n = NLA_HDRLEN;
  for (const c of a.nest) n += attrSize(c);
  return n;
}

export function attrsSize(list: Attr[]): number {
  let n = 0;
  for (const a of list) n += attrSize(a);
  return n;
}

/** Writes `list` at `offset` of `out` (zero-filled padding); returns the end offset. */
export function writeAttrs(out: Uint8Array, offset: number, list: Attr[]): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let off = offset;
  for (const a of list) {
    if ('value' in a) {
      const len = NLA_HDRLEN + a.value.length;
      dv.setUint16(off, len, true);
      dv.setUint16(off + 2, a.type, true);
      out.set(a.value, off + NLA_HDRLEN);
      off += align4(len);
    } else {
      const start = off;
      const end = writeAttrs(out, off + NLA_HDRLEN, a.nest);
      dv.setUint16(start, end - start, true);
      dv.setUint16(start + 2, a.type | (a.nested === false ? 0 : NLA_F_NESTED), true);
      off = end;
    }
  }
  return off;
}

export function encodeAttrs(list: Attr[]): Uint8Array {
  const out = new Uint8Array(attrsSize(list));
  writeAttrs(out, 0, list);
  return out;
}

/** A received attribute: type with the flag bits masked off (mask 0x3fff), flags kept apart. */
export interface RawAttr {
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  value: Uint8Array;
}

/**
 * Parses the attributes in `buf[offset, end)`. A length running past the end is a parse error
 * naming where (`where`, e.g. "RTM_NEWLINK IFLA_AF_SPEC"), never a silent truncation.
 */
export function parseAttrs(buf: Uint8Array, offset = 0, end = buf.length, where = 'attributes'): RawAttr[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RawAttr[] = [];
  let off = offset;
  while (off + NLA_HDRLEN <= end) {
    const len = dv.getUint16(off, true);
    const rawType = dv.getUint16(off + 2, true);
    if (len < NLA_HDRLEN || off + len > end) {
      throw new NetlinkParseError(`${where}: attribute type ${rawType & NLA_TYPE_MASK} at byte ${off} has length ${len}, ${end - off} bytes left`);
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      value: buf.subarray(off + NLA_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Children of a nest (whether or not the sender set NLA_F_NESTED: replies often don't). */
export function children(a: RawAttr, where = `nest ${a.type}`): RawAttr[] {
  return parseAttrs(a.value, 0, a.value.length, where);
}

export function find(list: RawAttr[], type: number): RawAttr | undefined {
  return list.find((a) => a.type === type);
}

function need(a: RawAttr, n: number, what: string): DataView {
  if (a.value.length < n) {
    throw new NetlinkParseError(`attribute ${a.type}: ${what} needs ${n} bytes, got ${a.value.length}`);
  }
  return new DataView(a.value.buffer, a.value.byteOffset, a.value.byteLength);
}

export function getU8(a: RawAttr): number {
  return need(a, 1, 'u8').getUint8(0);
}

export function getU16(a: RawAttr): number {
  return need(a, 2, 'u16').getUint16(0, true);
}

export function getU32(a: RawAttr): number {
  return need(a, 4, 'u32').getUint32(0, true);
}

/** u64 as a number (exact up to 2^53; counters beyond that lose low bits, never wrap). */
export function getU64(a: RawAttr): number {
  return Number(need(a, 8, 'u64').getBigUint64(0, true));
}

export function getStr(a: RawAttr): string {
  let n = a.value.length;
  while (n > 0 && a.value[n - 1] === 0) n--;
  return new TextDecoder().decode(a.value.subarray(0, n));
}

/** Attribute value as an integer whatever its width (1, 2, 4 or 8 bytes). */
export function getUint(a: RawAttr): number {
  switch (a.value.length) {
    case 1: return getU8(a);
    case 2: return getU16(a);
    case 4: return getU32(a);
    case 8: return getU64(a);
    default:
      throw new NetlinkParseError(`attribute ${a.type}: ${a.value.length} bytes is not an integer width`);
  }
}
