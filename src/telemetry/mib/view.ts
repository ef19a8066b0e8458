/**
 * A read-only MIB view: conceptual tables (rows sorted by index, RFC 2578 7.7 ordering) that
 * answer Get and GetNext (RFC 2741 7.2.3) by binary search over rows, column by column, without
 * materialising one object per variable (8,192 MEPs are ~320,000 variables).
 */
import { compareOid, type Oid, type SearchRange, type VarBind, type VarValue } from '../agentx/pdu.js';

interface Row {
  ix: readonly number[];
  /** Cell values by column number (sparse: a column may be absent in a row). */
  cells: Map<number, VarValue>;
}

class Table {
  readonly rows: Row[] = [];
  cols: number[] = [];
  constructor(readonly entry: Oid) {}

  seal(): void {
    this.rows.sort((a, b) => compareOid(a.ix, b.ix));
    const cols = new Set<number>();
    for (const r of this.rows) for (const c of r.cells.keys()) cols.add(c);
    this.cols = [...cols].sort((a, b) => a - b);
  }

  /** First row whose index is > ix (>= with inclusive). */
  private rowAfter(ix: readonly number[], inclusive: boolean): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareOid(this.rows[mid].ix, ix);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private bind(col: number, r: Row): VarBind {
    return { oid: [...this.entry, col, ...r.ix], ...r.cells.get(col)! } as VarBind;
  }

  /** The first variable of this table after `start` (at it with inclusive), or null. */
  next(start: Oid, inclusive: boolean): VarBind | null {
    const E = this.entry;
    let col = 0;
    let ix: readonly number[] = [];
    let fromRow = true; // no index part: the column's first row qualifies
    const head = compareOid(start.slice(0, E.length), E);
    if (head > 0) return null;
    if (head === 0 && start.length > E.length) {
      col = start[E.length];
      ix = start.slice(E.length + 1);
      fromRow = false;
    }
    for (const c of this.cols) {
      if (c < col) continue;
      let i = 0;
      if (c === col && !fromRow) i = this.rowAfter(ix, inclusive);
      for (; i < this.rows.length; i++) if (this.rows[i].cells.has(c)) return this.bind(c, this.rows[i]);
    }
    return null;
  }

  get(oid: Oid): VarBind | null {
    const col = oid[this.entry.length];
    const ix = oid.slice(this.entry.length + 1);
    const i = this.rowAfter(ix, true);
    const r = this.rows[i];
    if (r && compareOid(r.ix, ix) === 0 && r.cells.has(col)) return this.bind(col, r);
    return null;
  }
}

export class MibView {
  private readonly tables: Table[];

  constructor(tables: Table[], private readonly served: readonly Oid[]) {
    for (const t of tables) t.seal();
    this.tables = tables.sort((a, b) => compareOid(a.entry, b.entry));
  }

  /** Number of variables. */
  get size(): number {
    let n = 0;
    for (const t of this.tables) for (const r of t.rows) n += r.cells.size;
    return n;
  }

  /** Get (7.2.3.1): the exact instance, noSuchInstance inside a served table, else noSuchObject. */
  get(oid: Oid): VarBind {
    for (const t of this.tables) {
      if (oid.length > t.entry.length && t.entry.every((x, k) => oid[k] === x)) {
        const v = t.get(oid);
        if (v) return v;
      }
    }
    const inTable = this.served.some((t) => t.length < oid.length && t.every((x, k) => oid[k] === x));
    return { oid, type: inTable ? 129 : 128 };
  }

  /** GetNext (7.2.3.2): the first variable after start (or at it, with include) and below end. */
  next(r: SearchRange): VarBind {
    for (const t of this.tables) {
      const v = t.next(r.start, r.include);
      if (!v) continue;
      if (r.end.length > 0 && compareOid(v.oid, r.end) >= 0) break;
      return v;
    }
    return { oid: r.start, type: 130 };
  }
}

/** Collects the rows of a view's tables. */
export class MibBuilder {
  private readonly tables = new Map<string, { t: Table; last: Row | null }>();
  /** Column `col` of the row `index` of the table entry `entry` (TABLE.1); pass the same index array for the cells of one row. */
  cell(entry: Oid, col: number, index: readonly number[], v: VarValue): void {
    const k = entry.join('.');
    let e = this.tables.get(k);
    if (!e) {
      e = { t: new Table(entry), last: null };
      this.tables.set(k, e);
    }
    if (!e.last || (e.last.ix !== index && compareOid(e.last.ix, index) !== 0)) {
      e.last = { ix: index, cells: new Map() };
      e.t.rows.push(e.last);
    }
    e.last.cells.set(col, v);
  }

  view(served: readonly Oid[]): MibView {
    return new MibView([...this.tables.values()].map((e) => e.t), served);
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
