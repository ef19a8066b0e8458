/**
 * Capture files. Read: classic pcap (both byte orders, microsecond magic a1b2c3d4 and nanosecond
 * magic a1b23c4d) and pcapng (SHB, IDB, EPB, SPB, OPB; other blocks skipped; each section's
 * byte order). Write: classic pcap, little-endian, microsecond or nanosecond resolution,
 * LINKTYPE_ETHERNET. Bad files throw PcapError with the byte offset.
 */
import { PcapError } from './errors.js';

export const LINKTYPE_ETHERNET = 1;

export interface PcapPacket {
  /** Capture time: seconds since the epoch and nanoseconds within the second. */
  tsSec: number;
  tsNsec: number;
  /** Captured bytes. */
  data: Uint8Array;
  /** Original length on the wire. */
  origLen: number;
  /** Link type of the interface it was captured on (1 = Ethernet). */
  linkType: number;
}

export interface PcapFile {
  format: 'pcap' | 'pcapng';
  nanosecond: boolean;
  packets: PcapPacket[];
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Bytes of a capture: a whole array in memory, or a file read piece by piece. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Copy up to `length` bytes from `position` into `buf` at `offset`; returns the count. */
  read(buf: Uint8Array, offset: number, length: number, position: number): number;
}

/** Read window over a ByteSource: the bytes [start, start + len) of the source are in `buf`. */
class Window {
  buf: Uint8Array;
  dv: DataView;
  start = 0;
  len = 0;
  constructor(private readonly src: ByteSource | null, whole?: Uint8Array, windowBytes = 4 << 20) {
    this.buf = whole ?? new Uint8Array(windowBytes);
    this.len = whole ? whole.length : 0;
    this.dv = view(this.buf);
  }
  get size(): number {
    return this.src ? this.src.size : this.len;
  }
  /** Make [pos, pos + n) readable (the caller checked it is inside the source); returns buf index of pos. */
  at(pos: number, n: number): number {
    if (pos >= this.start && pos + n <= this.start + this.len) return pos - this.start;
    const src = this.src!;
    const keep = pos >= this.start && pos < this.start + this.len ? this.start + this.len - pos : 0;
    if (n > this.buf.length) {
      const bigger = new Uint8Array(Math.max(n, this.buf.length * 2));
      bigger.set(this.buf.subarray(pos - this.start, pos - this.start + keep));
      this.buf = bigger;
      this.dv = view(bigger);
    } else if (keep) {
      this.buf.copyWithin(0, pos - this.start, pos - this.start + keep);
    }
    this.start = pos;
    this.len = keep;
    const want = Math.min(this.buf.length, src.size - pos);
    while (this.len < want) {
      const got = src.read(this.buf, this.len, want - this.len, pos + this.len);
      if (got <= 0) throw new PcapError(pos + this.len, 'file ended while reading (was it truncated while being read?)');
      this.len += got;
    }
    return 0;
  }
}

interface Iface { linkType: number; tsUnitsPerSec: bigint }

/**
 * Packet by packet reader of a pcap or pcapng capture (bounded memory: a window of a few MB over
 * a file). `next()` returns the next packet or null at the end; with `copy` false (streaming) its
 * `data` is a view into the window, valid until the following next() call.
 */
export class PcapReader {
  readonly format: 'pcap' | 'pcapng';
  readonly nanosecond: boolean;
  private readonly w: Window;
  private p = 0;
  private le = true;
  private linkType = 0;
  private ifaces: Iface[] = [];

  /** `windowBytes`: the read window over a ByteSource (it grows for a larger block). */
  constructor(src: ByteSource | Uint8Array, private readonly copy = true, windowBytes?: number) {
    this.w = src instanceof Uint8Array ? new Window(null, src) : new Window(src, undefined, windowBytes);
    const size = this.w.size;
    if (size < 4) throw new PcapError(0, `file is ${size} bytes; not a pcap or pcapng file`);
    const magicBE = this.w.dv.getUint32(this.w.at(0, Math.min(size, 24)), false);
    if (magicBE === 0x0a0d0d0a) {
      this.format = 'pcapng';
      this.nanosecond = true;
      return;
    }
    this.format = 'pcap';
    switch (magicBE) {
      case 0xa1b2c3d4: this.le = false; this.nanosecond = false; break;
      case 0xd4c3b2a1: this.le = true; this.nanosecond = false; break;
      case 0xa1b23c4d: this.le = false; this.nanosecond = true; break;
      case 0x4d3cb2a1: this.le = true; this.nanosecond = true; break;
      default:
        throw new PcapError(0, `magic 0x${magicBE.toString(16).padStart(8, '0')} is not a pcap or pcapng file`);
    }
    if (size < 24) throw new PcapError(size, 'file ends inside the 24-byte pcap global header');
    this.linkType = this.w.dv.getUint32(this.w.at(0, 24) + 20, this.le) & 0x0fffffff;
    this.p = 24;
  }

  private bytes(i: number, n: number): Uint8Array {
    return this.copy ? this.w.buf.slice(i, i + n) : this.w.buf.subarray(i, i + n);
  }

  next(): PcapPacket | null {
    return this.format === 'pcap' ? this.nextClassic() : this.nextNg();
  }

  private nextClassic(): PcapPacket | null {
    const size = this.w.size;
    const p = this.p;
    if (p >= size) return null;
    if (p + 16 > size) throw new PcapError(p, `file ends inside a packet record header (${size - p} of 16 bytes)`);
    let i = this.w.at(p, 16);
    const dv = this.w.dv;
    const le = this.le;
    const tsSec = dv.getUint32(i, le);
    const frac = dv.getUint32(i + 4, le);
    const incl = dv.getUint32(i + 8, le);
    const orig = dv.getUint32(i + 12, le);
    if (incl > 262144) throw new PcapError(p + 8, `packet record captured length ${incl} is implausible (max 262144)`);
    if (p + 16 + incl > size) throw new PcapError(p + 16, `packet of ${incl} bytes runs past the end of the file (${size - p - 16} left)`);
    i = this.w.at(p, 16 + incl);
    this.p = p + 16 + incl;
    return { tsSec, tsNsec: this.nanosecond ? frac : frac * 1000, data: this.bytes(i + 16, incl), origLen: orig, linkType: this.linkType };
  }

  private nextNg(): PcapPacket | null {
    const size = this.w.size;
    for (;;) {
      const p = this.p;
      if (p >= size) return null;
      if (p + 12 > size) throw new PcapError(p, 'file ends inside a pcapng block header');
      let i = this.w.at(p, 12);
      let dv = this.w.dv;
      let le = this.le;
      let type = dv.getUint32(i, le);
      if (type === 0x0a0d0d0a || dv.getUint32(i, !le) === 0x0a0d0d0a) {
        // Section Header Block: its byte-order magic decides the section's endianness
        const bom = dv.getUint32(i + 8, true);
        if (bom === 0x1a2b3c4d) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else throw new PcapError(p + 8, `pcapng byte-order magic 0x${bom.toString(16)} is invalid`);
        this.le = le;
        type = 0x0a0d0d0a;
        this.ifaces = [];
      }
      const len = dv.getUint32(i + 4, le);
      if (len < 12 || len % 4 !== 0) throw new PcapError(p + 4, `pcapng block length ${len} is invalid`);
      if (p + len > size) throw new PcapError(p + 4, `pcapng block of ${len} bytes runs past the end of the file (${size - p} left)`);
      i = this.w.at(p, len);
      dv = this.w.dv;
      if (dv.getUint32(i + len - 4, le) !== len) throw new PcapError(p + len - 4, 'pcapng trailing block length does not match');
      this.p = p + len;
      const pkt = this.ngBlock(type, i, p, len, dv, le);
      if (pkt) return pkt;
    }
  }

  /** One pcapng block at window index i (file offset p): a packet, or null for other blocks. */
  private ngBlock(type: number, i: number, p: number, len: number, dv: DataView, le: boolean): PcapPacket | null {
    const body = i + 8;
    const bodyEnd = i + len - 4;
    const fileOf = (x: number) => p + (x - i); // window index -> file offset, for errors
    switch (type) {
      case 0x00000001: { // IDB
        if (bodyEnd - body < 8) throw new PcapError(fileOf(body), 'pcapng interface description block too short');
        const linkType = dv.getUint16(body, le);
        let unitsPerSec = 1_000_000n;
        // options: if_tsresol (9)
        let o = body + 8;
        while (o + 4 <= bodyEnd) {
          const code = dv.getUint16(o, le);
          const olen = dv.getUint16(o + 2, le);
          if (code === 0) break;
          if (code === 9 && olen >= 1) {
            const r = this.w.buf[o + 4];
            unitsPerSec = r & 0x80 ? 2n ** BigInt(r & 0x7f) : 10n ** BigInt(r);
          }
          o += 4 + ((olen + 3) & ~3);
        }
        this.ifaces.push({ linkType, tsUnitsPerSec: unitsPerSec });
        return null;
      }
      case 0x00000006: // EPB
      case 0x00000002: { // OPB (obsolete packet block)
        if (bodyEnd - body < 20) throw new PcapError(fileOf(body), 'pcapng packet block too short');
        const ifId = type === 6 ? dv.getUint32(body, le) : dv.getUint16(body, le);
        const iface = this.ifaces[ifId];
        if (!iface) throw new PcapError(fileOf(body), `pcapng packet refers to interface ${ifId}, which was not described`);
        const capLen = dv.getUint32(body + 12, le);
        const origLen = dv.getUint32(body + 16, le);
        if (body + 20 + capLen > bodyEnd) throw new PcapError(fileOf(body + 12), `pcapng packet captured length ${capLen} runs past its block`);
        const hi = dv.getUint32(body + 4, le);
        const lo = dv.getUint32(body + 8, le);
        let tsSec: number;
        let tsNsec: number;
        if (iface.tsUnitsPerSec === 1_000_000n || iface.tsUnitsPerSec === 1_000_000_000n) {
          // the usual resolutions without BigInt: exact while the timestamp fits 2^53
          const u = Number(iface.tsUnitsPerSec);
          const ts = hi * 4294967296 + lo;
          tsSec = Math.floor(ts / u);
          tsNsec = (ts - tsSec * u) * (1e9 / u);
        } else {
          const ts = (BigInt(hi) << 32n) | BigInt(lo);
          tsSec = Number(ts / iface.tsUnitsPerSec);
          tsNsec = Number(((ts % iface.tsUnitsPerSec) * 1_000_000_000n) / iface.tsUnitsPerSec);
        }
        return { tsSec, tsNsec, data: this.bytes(body + 20, capLen), origLen, linkType: iface.linkType };
      }
      case 0x00000003: { // SPB: interface 0, no timestamp
        const iface = this.ifaces[0];
        if (!iface) throw new PcapError(fileOf(body), 'pcapng simple packet block without an interface');
        const origLen = dv.getUint32(body, le);
        const capLen = Math.min(origLen, bodyEnd - body - 4);
        return { tsSec: 0, tsNsec: 0, data: this.bytes(body + 4, capLen), origLen, linkType: iface.linkType };
      }
      default:
        return null; // SHB handled above; NRB, ISB, DSB, custom: skipped
    }
  }
}

/** A whole capture in memory (every packet's bytes copied out). */
export function readPcap(bytes: Uint8Array): PcapFile {
  const r = new PcapReader(bytes, true);
  const packets: PcapPacket[] = [];
  for (let pk = r.next(); pk; pk = r.next()) packets.push(pk);
  return { format: r.format, nanosecond: r.nanosecond, packets };
}

export interface WritePacket {
  data: Uint8Array;
  /** Timestamp; defaults to index * 1 ms from 0 when absent. */
  tsSec?: number;
  tsNsec?: number;
}

/** Classic little-endian pcap, LINKTYPE_ETHERNET, snaplen 65535. */
export function writePcap(packets: WritePacket[], opts?: { nanosecond?: boolean }): Uint8Array {
  const nano = !!opts?.nanosecond;
  const total = 24 + packets.reduce((n, pk) => n + 16 + pk.data.length, 0);
  const out = new Uint8Array(total);
  const dv = view(out);
  dv.setUint32(0, nano ? 0xa1b23c4d : 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, 65535, true);
  dv.setUint32(20, LINKTYPE_ETHERNET, true);
  let p = 24;
  packets.forEach((pk, i) => {
    const sec = pk.tsSec ?? Math.floor(i / 1000);
    const ns = pk.tsNsec ?? (i % 1000) * 1_000_000;
    dv.setUint32(p, sec, true);
    dv.setUint32(p + 4, nano ? ns : Math.floor(ns / 1000), true);
    dv.setUint32(p + 8, pk.data.length, true);
    dv.setUint32(p + 12, pk.data.length, true);
    out.set(pk.data, p + 16);
    p += 16 + pk.data.length;
  });
  return out;
}
