/**
 * Minimal CFM frame builder/parser for the backend tests (802.1Q 21.6 CCM layout), kept here so
 * the backend contract does not depend on the PDU codec under test elsewhere.
 */
export interface CcmFields {
  level: number;
  mepId: number;
  maid: Uint8Array;
  interval: number;
  rdi?: boolean;
  seq?: number;
  sa?: string;
  vlan?: number;
  pcp?: number;
  portStatusTlv?: number;
  interfaceStatusTlv?: number;
}

export function mac(s: string): number[] {
  return s.split(':').map((x) => parseInt(x, 16));
}

export function macStr(b: ArrayLike<number>): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

function header(da: number[], sa: string, vlan: number, pcp: number): number[] {
  const h = [...da, ...mac(sa)];
  if (vlan) h.push(0x81, 0x00, ((pcp << 5) | (vlan >> 8)) & 0xff, vlan & 0xff);
  h.push(0x89, 0x02);
  return h;
}

export function multicastDa(level: number): number[] {
  return [0x01, 0x80, 0xc2, 0x00, 0x00, 0x30 | level];
}

export function ccmFrame(f: CcmFields): Uint8Array {
  const out = header(multicastDa(f.level), f.sa ?? '02:aa:00:00:00:01', f.vlan ?? 0, f.pcp ?? 7);
  const seq = f.seq ?? 0;
  out.push(f.level << 5, 1, (f.rdi ? 0x80 : 0) | f.interval, 70);
  out.push((seq >>> 24) & 0xff, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff);
  out.push((f.mepId >> 8) & 0x1f, f.mepId & 0xff, ...f.maid, ...new Array(16).fill(0));
  if (f.portStatusTlv) out.push(2, 0, 1, f.portStatusTlv);
  if (f.interfaceStatusTlv) out.push(4, 0, 1, f.interfaceStatusTlv);
  out.push(0);
  return Uint8Array.from(out);
}

/** Any CFM PDU: header (level, opcode, flags, first TLV offset) + body + End TLV. */
export function cfmFrame(opts: { level: number; opcode: number; da: number[]; sa?: string; vlan?: number; body?: number[]; tlvOffset?: number }): Uint8Array {
  const out = header(opts.da, opts.sa ?? '02:aa:00:00:00:01', opts.vlan ?? 0, 7);
  const body = opts.body ?? [0, 0, 0, 1];
  out.push(opts.level << 5, opts.opcode, 0, opts.tlvOffset ?? body.length, ...body, 0);
  return Uint8Array.from(out);
}

export interface ParsedCfm {
  da: string;
  sa: string;
  vlan: number;
  pcp: number;
  level: number;
  opcode: number;
  flags: number;
  seq: number;
  mepId: number;
  maid: Uint8Array;
  pdu: Uint8Array;
}

export function parseCfm(frame: Uint8Array): ParsedCfm | null {
  let off = 12;
  let vlan = 0;
  let pcp = 0;
  if (frame[off] === 0x81 && frame[off + 1] === 0x00) {
    pcp = frame[off + 2] >> 5;
    vlan = ((frame[off + 2] & 0x0f) << 8) | frame[off + 3];
    off += 4;
  }
  if (frame[off] !== 0x89 || frame[off + 1] !== 0x02) return null;
  const pdu = frame.subarray(off + 2);
  const dv = new DataView(pdu.buffer, pdu.byteOffset, pdu.byteLength);
  return {
    da: macStr(frame.subarray(0, 6)),
    sa: macStr(frame.subarray(6, 12)),
    vlan,
    pcp,
    level: pdu[0] >> 5,
    opcode: pdu[1],
    flags: pdu[2],
    seq: pdu.length >= 8 ? dv.getUint32(4) : 0,
    mepId: pdu.length >= 10 ? dv.getUint16(8) & 0x1fff : 0,
    maid: pdu.length >= 58 ? pdu.slice(10, 58) : new Uint8Array(0),
    pdu,
  };
}

/** A 48-byte MAID: MD format 1 (none), MA char string. */
export function testMaid(ma: string): Uint8Array {
  const m = new Uint8Array(48);
  const b = new TextEncoder().encode(ma);
  m[0] = 1;
  m[1] = 2;
  m[2] = b.length;
  m.set(b, 3);
  return m;
}
