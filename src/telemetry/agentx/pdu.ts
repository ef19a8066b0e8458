/// <reference types="node" preserve="true" />
// Kept in the emitted .d.ts (preserve): the codec's signatures use Node's Buffer, and since
// TypeScript 6 a user's tsc loads no @types package unless something names it.
/**
 * AgentX PDUs (RFC 2741 section 6), the subset a read-only subagent needs: it sends Open,
 * Close, Register, Notify, Ping and Response; it receives Response, Get, GetNext, GetBulk and
 * the Set phases (answered notWritable). PDUs we send are in network byte order
 * (NETWORK_BYTE_ORDER flag); PDUs received are read in the order their flag says (6.1).
 *
 * Why not net-snmp's own Subagent class: it connects over TCP only (net-snmp masters listen on
 * a Unix socket by default), reads each socket chunk as exactly one PDU (no stream framing),
 * drops the search range's `include` flag and `end` bound (RFC 2741 7.2.3.2), and writes
 * octet strings as UTF-8 text (a MAC address is binary). The codec below is small.
 */

export const PduType = {
  Open: 1, Close: 2, Register: 3, Unregister: 4, Get: 5, GetNext: 6, GetBulk: 7, TestSet: 8, CommitSet: 9,
  UndoSet: 10, CleanupSet: 11, Notify: 12, Ping: 13, IndexAllocate: 14, IndexDeallocate: 15, AddAgentCaps: 16,
  RemoveAgentCaps: 17, Response: 18,
} as const;

/** Varbind types (RFC 2741 5.4). */
export const VarType = {
  Integer: 2, OctetString: 4, Null: 5, ObjectIdentifier: 6, IpAddress: 64, Counter32: 65, Gauge32: 66,
  TimeTicks: 67, Opaque: 68, Counter64: 70, NoSuchObject: 128, NoSuchInstance: 129, EndOfMibView: 130,
} as const;

/** res.error values (RFC 2741 6.2.16) and the SNMP error a Set gets. */
export const AgentxError = {
  noError: 0, notWritable: 17, openFailed: 256, notOpen: 257, parseError: 266, requestDenied: 267, processingError: 268,
  duplicateRegistration: 263, unknownRegistration: 264, unsupportedContext: 262,
} as const;

export const HEADER_LENGTH = 20;
const F_NETWORK_BYTE_ORDER = 0x10;
const F_NON_DEFAULT_CONTEXT = 0x08;

export type Oid = readonly number[];

export type VarValue =
  | { type: 2; value: number }                                   // Integer (signed 32)
  | { type: 65 | 66 | 67; value: number }                        // Counter32, Gauge32 / Unsigned32, TimeTicks
  | { type: 70; value: bigint }                                  // Counter64
  | { type: 4 | 68; value: Uint8Array }                          // OctetString, Opaque
  | { type: 6; value: Oid }                                      // ObjectIdentifier
  | { type: 5 | 128 | 129 | 130 };                               // Null, noSuchObject, noSuchInstance, endOfMibView

export type VarBind = { oid: Oid } & VarValue;

export interface SearchRange {
  start: Oid;
  include: boolean;
  /** Exclusive upper bound; empty = none. */
  end: Oid;
}

export interface Header {
  type: number;
  flags: number;
  sessionId: number;
  transactionId: number;
  packetId: number;
}

export type Received =
  | (Header & { type: 18; sysUpTime: number; error: number; index: number; varbinds: VarBind[] })
  | (Header & { type: 5 | 6; ranges: SearchRange[] })
  | (Header & { type: 7; nonRepeaters: number; maxRepetitions: number; ranges: SearchRange[] })
  | (Header & { type: 8 | 9 | 10 | 11 | 13 | 2 });

export class AgentxParseError extends Error {}

// ------------------------------------------------------------------ writing

class Writer {
  private buf = Buffer.alloc(256);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }
  i32(v: number): void {
    this.room(4);
    this.buf.writeInt32BE(v | 0, this.len);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.len);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** OID (5.1), with the 1.3.6.1.X prefix compression. */
  oid(o: Oid, include = false): void {
    let sub = o;
    let prefix = 0;
    if (o.length >= 5 && o[0] === 1 && o[1] === 3 && o[2] === 6 && o[3] === 1 && o[4] > 0 && o[4] < 256) {
      prefix = o[4];
      sub = o.slice(5);
    }
    this.u8(sub.length);
    this.u8(prefix);
    this.u8(include ? 1 : 0);
    this.u8(0);
    for (const s of sub) this.u32(s);
  }
  /** Octet String (5.3): length, data, padding to 4. */
  octets(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes(b);
    for (let i = b.length; i % 4 !== 0; i++) this.u8(0);
  }
  varbind(v: VarBind): void {
    this.u16(v.type);
    this.u16(0);
    this.oid(v.oid);
    switch (v.type) {
      case 2: this.i32(v.value); break;
      case 65: case 66: case 67: this.u32(v.value); break;
      case 70: this.u64(v.value); break;
      case 4: case 68: this.octets(v.value); break;
      case 6: this.oid(v.value); break;
      default: break; // Null and the exceptions have no data
    }
  }
  done(): Buffer {
    this.buf.writeUInt32BE(this.len - HEADER_LENGTH, 16);
    return this.buf.subarray(0, this.len);
  }
}

function header(type: number, h: Omit<Header, 'type' | 'flags'>, flags = 0): Writer {
  const w = new Writer();
  w.u8(1); // h.version
  w.u8(type);
  w.u8(flags | F_NETWORK_BYTE_ORDER);
  w.u8(0);
  w.u32(h.sessionId);
  w.u32(h.transactionId);
  w.u32(h.packetId);
  w.u32(0); // payload length, set by done()
  return w;
}

type Ids = Omit<Header, 'type' | 'flags'>;
const enc = new TextEncoder();

export function encodeOpen(ids: Ids, timeoutS: number, id: Oid, descr: string): Buffer {
  const w = header(PduType.Open, ids);
  w.u8(timeoutS);
  w.u8(0); w.u8(0); w.u8(0);
  w.oid(id);
  w.octets(enc.encode(descr));
  return w.done();
}

/** Close (6.2.2); reason 5 = reasonShutdown. */
export function encodeClose(ids: Ids, reason = 5): Buffer {
  const w = header(PduType.Close, ids);
  w.u8(reason);
  w.u8(0); w.u8(0); w.u8(0);
  return w.done();
}

export function encodeRegister(ids: Ids, subtree: Oid, timeoutS: number, priority = 127): Buffer {
  const w = header(PduType.Register, ids);
  w.u8(timeoutS);
  w.u8(priority);
  w.u8(0); // range_subid: a plain subtree
  w.u8(0);
  w.oid(subtree);
  return w.done();
}

export function encodeNotify(ids: Ids, varbinds: VarBind[]): Buffer {
  const w = header(PduType.Notify, ids);
  for (const v of varbinds) w.varbind(v);
  return w.done();
}

export function encodePing(ids: Ids): Buffer {
  return header(PduType.Ping, ids).done();
}

export function encodeResponse(ids: Ids, error: number, index: number, varbinds: VarBind[]): Buffer {
  const w = header(PduType.Response, ids);
  w.u32(0); // res.sysUpTime: only the master's responses carry one
  w.u16(error);
  w.u16(index);
  for (const v of varbinds) w.varbind(v);
  return w.done();
}

// ------------------------------------------------------------------ reading

class Reader {
  p = 0;
  constructor(private readonly b: Buffer, private readonly be: boolean, private readonly end: number) {}
  need(n: number): void {
    if (this.p + n > this.end) throw new AgentxParseError(`AgentX PDU truncated at byte ${this.p} (needs ${n} more)`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.p++];
  }
  u16(): number {
    this.need(2);
    const v = this.be ? this.b.readUInt16BE(this.p) : this.b.readUInt16LE(this.p);
    this.p += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.be ? this.b.readUInt32BE(this.p) : this.b.readUInt32LE(this.p);
    this.p += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.be ? this.b.readInt32BE(this.p) : this.b.readInt32LE(this.p);
    this.p += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.be ? this.b.readBigUInt64BE(this.p) : this.b.readBigUInt64LE(this.p);
    this.p += 8;
    return v;
  }
  oid(): { oid: number[]; include: boolean } {
    const n = this.u8();
    const prefix = this.u8();
    const include = this.u8() !== 0;
    this.u8();
    const oid: number[] = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++) oid.push(this.u32());
    return { oid, include };
  }
  octets(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = new Uint8Array(this.b.subarray(this.p, this.p + n));
    this.p += n + ((4 - (n % 4)) % 4);
    return v;
  }
  varbind(): VarBind {
    const type = this.u16();
    this.u16();
    const { oid } = this.oid();
    switch (type) {
      case 2: return { oid, type, value: this.i32() };
      case 65: case 66: case 67: return { oid, type, value: this.u32() };
      case 70: return { oid, type, value: this.u64() };
      case 4: case 68: return { oid, type, value: this.octets() };
      case 64: return { oid, type: 4, value: this.octets() }; // IpAddress: kept as its 4 octets
      case 6: return { oid, type, value: this.oid().oid };
      case 5: case 128: case 129: case 130: return { oid, type };
      default: throw new AgentxParseError(`AgentX varbind of unknown type ${type}`);
    }
  }
  get left(): number {
    return this.end - this.p;
  }
}

/** Length of the first complete PDU in `b` (header + payload), or 0 when more bytes are needed. */
export function frameLength(b: Buffer): number {
  if (b.length < HEADER_LENGTH) return 0;
  const be = (b[2] & F_NETWORK_BYTE_ORDER) !== 0;
  const len = HEADER_LENGTH + (be ? b.readUInt32BE(16) : b.readUInt32LE(16));
  return b.length >= len ? len : 0;
}

/** Decode one complete PDU (frameLength bytes). */
export function decodePdu(b: Buffer): Received {
  if (b[0] !== 1) throw new AgentxParseError(`AgentX version ${b[0]} (only 1 exists)`);
  const flags = b[2];
  const be = (flags & F_NETWORK_BYTE_ORDER) !== 0;
  const r = new Reader(b, be, b.length);
  r.p = 4;
  const h: Header = { type: b[1], flags, sessionId: r.u32(), transactionId: r.u32(), packetId: r.u32() };
  r.u32();
  // A non-default context (6.1.1) precedes the payload; this subagent serves only the default one.
  const ctx = () => {
    if (flags & F_NON_DEFAULT_CONTEXT) r.octets();
  };
  switch (h.type) {
    case PduType.Response: {
      const sysUpTime = r.u32();
      const error = r.u16();
      const index = r.u16();
      const varbinds: VarBind[] = [];
      while (r.left > 0) varbinds.push(r.varbind());
      return { ...h, type: 18, sysUpTime, error, index, varbinds };
    }
    case PduType.Get:
    case PduType.GetNext: {
      ctx();
      return { ...h, type: h.type, ranges: ranges(r) };
    }
    case PduType.GetBulk: {
      ctx();
      const nonRepeaters = r.u16();
      const maxRepetitions = r.u16();
      return { ...h, type: 7, nonRepeaters, maxRepetitions, ranges: ranges(r) };
    }
    case PduType.TestSet: case PduType.CommitSet: case PduType.UndoSet: case PduType.CleanupSet:
    case PduType.Ping: case PduType.Close:
      return { ...h, type: h.type };
    default:
      throw new AgentxParseError(`AgentX PDU type ${h.type} not expected by a subagent`);
  }
}

function ranges(r: Reader): SearchRange[] {
  const out: SearchRange[] = [];
  while (r.left > 0) {
    const s = r.oid();
    const e = r.oid();
    out.push({ start: s.oid, include: s.include, end: e.oid });
  }
  return out;
}

/** Lexicographic OID order (RFC 2578 7.7 / RFC 2741 7.2.3.2). */
export function compareOid(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function parseOid(s: string): number[] {
  return s.split('.').filter((x) => x !== '').map(Number);
}

export function formatOid(o: Oid): string {
  return o.join('.');
}
