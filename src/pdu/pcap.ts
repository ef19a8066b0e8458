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

export function readPcap(bytes: Uint8Array): PcapFile {
  if (bytes.length < 4) throw new PcapError(0, `file is ${bytes.length} bytes; not a pcap or pcapng file`);
  const dv = view(bytes);
  const magicBE = dv.getUint32(0, false);
  if (magicBE === 0x0a0d0d0a) return readPcapng(bytes, dv);
  let le: boolean;
  let nano: boolean;
  switch (magicBE) {
    case 0xa1b2c3d4: le = false; nano = false; break;
    case 0xd4c3b2a1: le = true; nano = false; break;
    case 0xa1b23c4d: le = false; nano = true; break;
    case 0x4d3cb2a1: le = true; nano = true; break;
    default:
      throw new PcapError(0, `magic 0x${magicBE.toString(16).padStart(8, '0')} is not a pcap or pcapng file`);
  }
  if (bytes.length < 24) throw new PcapError(bytes.length, 'file ends inside the 24-byte pcap global header');
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const packets: PcapPacket[] = [];
  let p = 24;
  while (p < bytes.length) {
    if (p + 16 > bytes.length) throw new PcapError(p, `file ends inside a packet record header (${bytes.length - p} of 16 bytes)`);
    const tsSec = dv.getUint32(p, le);
    const frac = dv.getUint32(p + 4, le);
    const incl = dv.getUint32(p + 8, le);
    const orig = dv.getUint32(p + 12, le);
    if (incl > 262144) throw new PcapError(p + 8, `packet record captured length ${incl} is implausible (max 262144)`);
    if (p + 16 + incl > bytes.length) throw new PcapError(p + 16, `packet of ${incl} bytes runs past the end of the file (${bytes.length - p - 16} left)`);
    packets.push({ tsSec, tsNsec: nano ? frac : frac * 1000, data: bytes.slice(p + 16, p + 16 + incl), origLen: orig, linkType });
    p += 16 + incl;
  }
  return { format: 'pcap', nanosecond: nano, packets };
}

interface Iface { linkType: number; tsUnitsPerSec: bigint }

function readPcapng(bytes: Uint8Array, dv: DataView): PcapFile {
  const packets: PcapPacket[] = [];
  let ifaces: Iface[] = [];
  let le = true;
  let p = 0;
  while (p < bytes.length) {
    if (p + 12 > bytes.length) throw new PcapError(p, 'file ends inside a pcapng block header');
    let type = dv.getUint32(p, le);
    if (type === 0x0a0d0d0a || dv.getUint32(p, !le) === 0x0a0d0d0a) {
      // Section Header Block: its byte-order magic decides the section's endianness
      const bom = dv.getUint32(p + 8, true);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new PcapError(p + 8, `pcapng byte-order magic 0x${bom.toString(16)} is invalid`);
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const len = dv.getUint32(p + 4, le);
    if (len < 12 || len % 4 !== 0) throw new PcapError(p + 4, `pcapng block length ${len} is invalid`);
    if (p + len > bytes.length) throw new PcapError(p + 4, `pcapng block of ${len} bytes runs past the end of the file (${bytes.length - p} left)`);
    if (dv.getUint32(p + len - 4, le) !== len) throw new PcapError(p + len - 4, 'pcapng trailing block length does not match');
    const body = p + 8;
    const bodyEnd = p + len - 4;
    switch (type) {
      case 0x00000001: { // IDB
        if (bodyEnd - body < 8) throw new PcapError(body, 'pcapng interface description block too short');
        const linkType = dv.getUint16(body, le);
        let unitsPerSec = 1_000_000n;
        // options: if_tsresol (9)
        let o = body + 8;
        while (o + 4 <= bodyEnd) {
          const code = dv.getUint16(o, le);
          const olen = dv.getUint16(o + 2, le);
          if (code === 0) break;
          if (code === 9 && olen >= 1) {
            const r = bytes[o + 4];
            unitsPerSec = r & 0x80 ? 2n ** BigInt(r & 0x7f) : 10n ** BigInt(r);
          }
          o += 4 + ((olen + 3) & ~3);
        }
        ifaces.push({ linkType, tsUnitsPerSec: unitsPerSec });
        break;
      }
      case 0x00000006: // EPB
      case 0x00000002: { // OPB (obsolete packet block)
        if (bodyEnd - body < 20) throw new PcapError(body, 'pcapng packet block too short');
        const ifId = type === 6 ? dv.getUint32(body, le) : dv.getUint16(body, le);
        const iface = ifaces[ifId];
        if (!iface) throw new PcapError(body, `pcapng packet refers to interface ${ifId}, which was not described`);
        const tsHi = BigInt(dv.getUint32(body + 4, le));
        const tsLo = BigInt(dv.getUint32(body + 8, le));
        const capLen = dv.getUint32(body + 12, le);
        const origLen = dv.getUint32(body + 16, le);
        if (body + 20 + capLen > bodyEnd) throw new PcapError(body + 12, `pcapng packet captured length ${capLen} runs past its block`);
        const ts = (tsHi << 32n) | tsLo;
        const sec = ts / iface.tsUnitsPerSec;
        const nsec = ((ts % iface.tsUnitsPerSec) * 1_000_000_000n) / iface.tsUnitsPerSec;
        packets.push({ tsSec: Number(sec), tsNsec: Number(nsec), data: bytes.slice(body + 20, body + 20 + capLen), origLen, linkType: iface.linkType });
        break;
      }
      case 0x00000003: { // SPB: interface 0, no timestamp
        const iface = ifaces[0];
        if (!iface) throw new PcapError(body, 'pcapng simple packet block without an interface');
        const origLen = dv.getUint32(body, le);
        const capLen = Math.min(origLen, bodyEnd - body - 4);
        packets.push({ tsSec: 0, tsNsec: 0, data: bytes.slice(body + 4, body + 4 + capLen), origLen, linkType: iface.linkType });
        break;
      }
      default:
        break; // SHB handled above; NRB, ISB, DSB, custom: skipped
    }
    p += len;
  }
  return { format: 'pcapng', nanosecond: true, packets };
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
