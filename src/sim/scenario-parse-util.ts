/** Small typed readers shared by the scenario parsers; each names the place of a bad value. */
import { CfmError } from '../common/errors.js';
import type { Bounds } from './scenario-types.js';

export type Obj = Record<string, unknown>;
export type Err = (where: string, message: string) => never;

export class ScenarioError extends CfmError {
  constructor(file: string, where: string, message: string) {
    super('CONFIG', `${file}: ${where ? where + ': ' : ''}${message}`);
    this.name = 'ScenarioError';
  }
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, sec: 1e9, min: 60e9, m: 60e9, h: 3600e9 };

/** "5s", "250ms", "2min", "1.5s"; a bare number is seconds. */
export function parseDurationNs(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v * 1e9);
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|sec|min|m|h)?\s*$/.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']);
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function known(o: Obj, keys: readonly string[], where: string, err: Err): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) err(where ? `${where}.${k}` : k, `unknown key (expected one of: ${keys.join(', ')})`);
}

export function dur(v: unknown, w: string, err: Err): number {
  const n = parseDurationNs(v);
  return n === undefined ? err(w, `'${String(v)}' is not a duration (e.g. 5s, 250ms, 2min)`) : n;
}

export function rate(v: unknown, w: string, err: Err): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return err(w, 'a probability 0..1');
  return v;
}

export function str(v: unknown, w: string, err: Err): string {
  return typeof v === 'string' && v.length > 0 ? v : err(w, 'a non-empty string');
}

export function int(v: unknown, w: string, err: Err, min: number, max: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : err(w, `an integer ${min}..${max}`);
}

export function bool(v: unknown, w: string, err: Err): boolean {
  return typeof v === 'boolean' ? v : err(w, 'true or false');
}

/**
 * Two bounds in one value: `n` (exactly n), `[min, max]` (both inclusive; max may be `null` or
 * "inf" for no upper bound). `one` reads one bound (an integer, a duration...).
 */
export function bounds(v: unknown, w: string, err: Err, one: (x: unknown, w: string) => number): Bounds {
  if (!Array.isArray(v)) {
    const n = one(v, w);
    return [n, n];
  }
  if (v.length !== 2) return err(w, 'a value or [min, max]');
  const lo = one(v[0], `${w}[0]`);
  const hi = v[1] === null || v[1] === 'inf' ? Infinity : one(v[1], `${w}[1]`);
  if (hi < lo) return err(w, `[min, max] with min <= max (got ${String(v[0])} > ${String(v[1])})`);
  return [lo, hi];
}

export const inBounds = (n: number, b: Bounds): boolean => n >= b[0] && n <= b[1];

export function fmtBounds(b: Bounds, unit: (n: number) => string = String): string {
  if (b[0] === b[1]) return unit(b[0]);
  return b[1] === Infinity ? `>= ${unit(b[0])}` : `${unit(b[0])}..${unit(b[1])}`;
}

/** A MAC aa:bb:cc:dd:ee:ff (or with -), lower case with colons. */
export function mac(v: unknown, w: string, err: Err): string {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v)) return err(w, 'a MAC aa:bb:cc:dd:ee:ff');
  return v.replace(/-/g, ':').toLowerCase();
}

/** Hex bytes "0a0b0c" or "0a:0b:0c" / "0a 0b". */
export function hexBytes(v: unknown, w: string, err: Err): Uint8Array {
  const t = typeof v === 'string' ? v.replace(/[\s:]/g, '') : '';
  if (typeof v !== 'string' || t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return err(w, 'hex bytes, e.g. "0a0b0c"');
  return Uint8Array.from(t.match(/../g) ?? [], (x) => parseInt(x, 16));
}
