/** Byte-level helpers shared by the codec: MAC text <-> bytes, a growable big-endian writer. */
import { PduEncodeError } from './errors.js';
import type { MacAddress } from './types.js';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Canonical lower-case colon form of 6 bytes at `off`. */
export function macAt(b: Uint8Array, off: number): MacAddress {
  return `${HEX[b[off]]}:${HEX[b[off + 1]]}:${HEX[b[off + 2]]}:${HEX[b[off + 3]]}:${HEX[b[off + 4]]}:${HEX[b[off + 5]]}`;
}

const MAC_RE = /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/;

/** Parse "aa:bb:cc:dd:ee:ff" (or dashes, any case) into 6 bytes; undefined when it is not one. */
export function parseMac(mac: string): Uint8Array | undefined {
  const m = MAC_RE.exec(mac);
  if (!m) return undefined;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(m[i + 1], 16);
  return out;
}

export function macBytes(mac: string, what: string): Uint8Array {
  const b = parseMac(mac);
  if (!b) throw new PduEncodeError(`${what}: '${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return b;
}

/** Normalise any accepted MAC spelling to the canonical form. */
export function canonicalMac(mac: string): MacAddress | undefined {
  const b = parseMac(mac);
  return b ? macAt(b, 0) : undefined;
}

export function toHex(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i && sep ? sep : '') + HEX[b[i]];
  return s;
}

/** Whether two byte strings are the same octets. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}
export function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}
export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Big-endian writer over a growable buffer. Range checks throw PduEncodeError naming the field. */
export class Writer {
  private buf: Uint8Array;
  pos = 0;
  constructor(size = 128) {
    this.buf = new Uint8Array(size);
  }
  private need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  u8(v: number, what: string): void {
    checkUint(v, 0xff, what);
    this.need(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number, what: string): void {
    checkUint(v, 0xffff, what);
    this.need(2);
    this.buf[this.pos++] = v >>> 8;
    this.buf[this.pos++] = v & 0xff;
  }
  u24(v: number, what: string): void {
    checkUint(v, 0xffffff, what);
    this.need(3);
    this.buf[this.pos++] = v >>> 16;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  u32(v: number, what: string): void {
    checkUint(v, 0xffffffff, what);
    this.need(4);
    this.buf[this.pos++] = v >>> 24;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
  }
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  fixed(b: Uint8Array, len: number, what: string): void {
    if (!(b instanceof Uint8Array) || b.length !== len) {
      throw new PduEncodeError(`${what} must be ${len} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
    }
    this.bytes(b);
  }
  /** Write a MAC given as text straight into the buffer (no intermediate array on the hot path). */
  mac(mac: string, what: string): void {
    this.need(6);
    if (typeof mac === 'string' && mac.length === 17) {
      let ok = true;
      for (let i = 0; i < 6 && ok; i++) {
        const hi = hexVal(mac.charCodeAt(i * 3));
        const lo = hexVal(mac.charCodeAt(i * 3 + 1));
        const sep = i < 5 ? mac.charCodeAt(i * 3 + 2) : 58;
        if (hi < 0 || lo < 0 || (sep !== 58 && sep !== 45)) ok = false;
        else this.buf[this.pos + i] = (hi << 4) | lo;
      }
      if (ok) {
        this.pos += 6;
        return;
      }
    }
    this.bytes(macBytes(mac, what)); // throws the operator-facing error
  }
  zeros(n: number): void {
    this.need(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  /** Overwrite one byte already written (e.g. a length or the first TLV offset). */
  patch8(at: number, v: number): void {
    this.buf[at] = v;
  }
  patch16(at: number, v: number): void {
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }
  /** The bytes written; the buffer itself when the size estimate was exact (no copy). */
  result(): Uint8Array {
    return this.pos === this.buf.length ? this.buf : this.buf.slice(0, this.pos);
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function checkUint(v: number, max: number, what: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new PduEncodeError(`${what} = ${String(v)} does not fit its field (0..${max})`);
  }
}
