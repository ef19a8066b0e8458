/**
 * A read-only MIB view: variables sorted by OID, answering Get and GetNext (RFC 2741 7.2.3)
 * by binary search. Built from one snapshot; replaced whole when it is rebuilt.
 */
import { compareOid, type Oid, type SearchRange, type VarBind, type VarValue } from '../agentx/pdu.js';

export class MibView {
  private readonly vars: VarBind[];

  constructor(vars: VarBind[], private readonly tables: readonly Oid[]) {
    this.vars = vars.sort((a, b) => compareOid(a.oid, b.oid));
  }

  get size(): number {
    return this.vars.length;
  }

  /** Index of the first variable >= oid (or > oid when !inclusive). */
  private lowerBound(oid: Oid, inclusive: boolean): number {
    let lo = 0;
    let hi = this.vars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOid(this.vars[mid].oid, oid);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Get (7.2.3.1): the exact instance, noSuchInstance inside a served table, else noSuchObject. */
  get(oid: Oid): VarBind {
    const i = this.lowerBound(oid, true);
    const v = this.vars[i];
    if (v && compareOid(v.oid, oid) === 0) return v;
    const inTable = this.tables.some((t) => t.length < oid.length && t.every((x, k) => oid[k] === x));
    return { oid, type: inTable ? 129 : 128 };
  }

  /** GetNext (7.2.3.2): the first variable after start (or at it, with include) and below end. */
  next(r: SearchRange): VarBind {
    const i = this.lowerBound(r.start, r.include);
    const v = this.vars[i];
    if (!v || (r.end.length > 0 && compareOid(v.oid, r.end) >= 0)) return { oid: r.start, type: 130 };
    return v;
  }
}

/** Collects the variables of a view: rows of tables by column. */
export class MibBuilder {
  readonly vars: VarBind[] = [];
  /** Column `col` of the row `index` of the table entry `entry` (TABLE.1). */
  cell(entry: Oid, col: number, index: readonly number[], v: VarValue): void {
    this.vars.push({ oid: [...entry, col, ...index], ...v } as VarBind);
  }
}

export const int = (value: number): VarValue => ({ type: 2, value });
export const gauge = (value: number): VarValue => ({ type: 66, value: value >>> 0 });
/** Counter32 wraps at 2^32 (RFC 2578 7.1.6). */
export const counter = (value: number): VarValue => ({ type: 65, value: value % 4294967296 });
export const ticks = (value: number): VarValue => ({ type: 67, value: value >>> 0 });
export const octets = (value: Uint8Array): VarValue => ({ type: 4, value });
const enc = new TextEncoder();
export const text = (s: string): VarValue => octets(enc.encode(s));

/** "aa:bb:cc:dd:ee:ff" -> 6 octets (MacAddress); null -> 00:00:00:00:00:00. */
export function macOctets(mac: string | null): VarValue {
  const b = new Uint8Array(6);
  if (mac) mac.split(':').forEach((h, i) => (b[i] = parseInt(h, 16)));
  return octets(b);
}

/** "0011223344556677" -> bytes. */
export function hexOctets(hex: string, length: number): VarValue {
  const b = new Uint8Array(length);
  for (let i = 0; i < length && i * 2 + 1 < hex.length; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return octets(b);
}
