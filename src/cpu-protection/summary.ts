/**
 * Counter roll-ups for operators: per entry, per level x opcode combination and per peer,
 * from the per-bucket counters every enforcement point reports.
 */
import type { BucketCounters, CounterSnapshot } from './types.js';

export interface Tally {
  passed: number;
  dropped: number;
}

export interface CounterSummary {
  /** "<binding> entry <n>" or "<binding> overall" -> tally. */
  perEntry: Record<string, Tally>;
  /** "<binding> entry <n> level <l> opcode <o>" -> tally. */
  perCombination: Record<string, Tally>;
  /** "<binding> <peer>" -> tally. */
  perPeer: Record<string, Tally>;
}

function add(m: Record<string, Tally>, k: string, b: BucketCounters): void {
  const t = (m[k] ??= { passed: 0, dropped: 0 });
  t.passed += b.passed;
  t.dropped += b.dropped;
}

export function summarize(s: CounterSnapshot): CounterSummary {
  const out: CounterSummary = { perEntry: {}, perCombination: {}, perPeer: {} };
  for (const b of s.buckets) {
    const entry = b.rule === 'overall' ? `${b.binding} overall` : `${b.binding} entry ${b.rule}`;
    add(out.perEntry, entry, b);
    if (b.rule !== 'overall') add(out.perCombination, `${entry} level ${b.level} opcode ${b.opcode}`, b);
    add(out.perPeer, `${b.binding} ${b.peer}`, b);
  }
  return out;
}

export function totals(s: CounterSnapshot): Tally {
  const t = { passed: 0, dropped: 0 };
  for (const b of s.buckets) {
    t.passed += b.passed;
    t.dropped += b.dropped;
  }
  return t;
}
