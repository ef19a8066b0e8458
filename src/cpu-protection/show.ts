/**
 * `cfm cpu-protection show`: policies with their entries and expanded combinations, bindings
 * and where each is enforced; and the counters table.
 */
import { formatNumberSet } from '../config/ranges.js';
import { opcodeName } from '../pdu/index.js';
import { combinations } from './compile.js';
import type { EnforcementPlan } from './hardware.js';
import type { CompiledProtection, CounterSnapshot } from './types.js';
import type { CpuProtectionPolicy } from '../config/model.js';

/** Combinations listed one per line up to this many per entry; more are summarized. */
const LIST_MAX = 16;

function set(v: number[]): string {
  return String(formatNumberSet(v));
}

function opName(op: number): string {
  const n = opcodeName(op);
  return /^\d+$/.test(n) || n.toLowerCase().startsWith('unknown') ? `${op}` : `${op} ${n}`;
}

export function formatPolicies(policies: CpuProtectionPolicy[]): string[] {
  const out: string[] = [];
  for (const p of policies) {
    out.push(`policy ${p.id}: overall rate ${p.overallRatePps === null ? 'none' : `${p.overallRatePps} pps`}, ${p.ethCfm.length} eth-cfm entr${p.ethCfm.length === 1 ? 'y' : 'ies'}`);
    for (const e of p.ethCfm) {
      const combos = combinations(e);
      out.push(`  entry ${e.entry} level ${set(e.levels)} opcode ${set(e.opcodes)} rate ${e.ratePps}${e.ratePps === 0 ? ' (drop)' : ' pps'}: ${combos.length} combination${combos.length === 1 ? '' : 's'}`);
      if (combos.length <= LIST_MAX) {
        for (const c of combos) out.push(`    level ${c.level} opcode ${opName(c.opcode)} rate ${e.ratePps}`);
      } else {
        out.push(`    ${e.levels.length} levels x ${e.opcodes.length} opcodes, each ${e.ratePps === 0 ? 'dropped' : `limited to ${e.ratePps} pps`}`);
      }
    }
  }
  return out;
}

export function formatBindings(p: CompiledProtection, plan: EnforcementPlan): string[] {
  const out: string[] = [];
  const where = new Map(plan.bindings.map((b) => [b.key, b]));
  for (const b of p.bindings) {
    const w = where.get(b.key);
    const mon = b.monitoring ? `eth-cfm-monitoring${b.aggregate ? ' aggregate' : ' (per peer)'}` : 'no eth-cfm-monitoring (entries ignored)';
    out.push(`binding ${b.port}${b.vlan ? `:${b.vlan}` : ''} (${b.switch}): policy ${b.policy ?? '-'}, ${mon}, squelch levels ${b.squelchLevels.length ? set(b.squelchLevels) : '-'}`);
    out.push(`  MP: ${b.hasMp ? 'yes' : 'none (entries enforced, nothing is redirected to the CPU)'}`);
    if (w) out.push(`  enforced: ${w.enforcement} (${w.reason})`);
  }
  if (plan.policers.length) {
    out.push(`hardware policers (${plan.policers.length} of ${plan.capacity}):`);
    for (const h of plan.policers) {
      const what = h.rule === 'overall' ? 'overall' : `entry ${h.rule}`;
      const combo = h.level !== undefined ? `level ${h.level} opcode ${opName(h.opcode!)}` : h.rule === 'overall' ? 'any level/opcode' : `levels ${set(h.spec.levels)} opcodes ${set(h.spec.opcodes)}`;
      out.push(`  #${h.id} ${h.binding} ${what} ${combo} rate ${h.spec.ratePps}`);
    }
  }
  return out;
}

export function formatCounters(snaps: CounterSnapshot[]): string {
  const rows: string[][] = [['where', 'binding', 'entry', 'level', 'opcode', 'peer', 'passed', 'dropped']];
  for (const s of snaps) {
    const shown = new Set<string>();
    for (const b of s.buckets) {
      shown.add(b.binding);
      rows.push([s.enforcement, b.binding, String(b.rule), b.level < 0 ? '*' : String(b.level), b.opcode < 0 ? '*' : String(b.opcode), b.peer, String(b.passed), String(b.dropped)]);
    }
    for (const b of s.bindings) {
      if (b.squelched) rows.push([s.enforcement, b.binding, 'squelch', '*', '*', '*', '0', String(b.squelched)]);
      if (b.unmatched) rows.push([s.enforcement, b.binding, 'unmatched', '*', '*', '*', String(b.unmatched), '0']);
      // a binding that has seen no frame yet has no bucket: it is there, with nothing counted
      // (as the JSON shows it), not absent
      if (!shown.has(b.binding) && !b.squelched && !b.unmatched) rows.push([s.enforcement, b.binding, '-', '*', '*', '*', '0', '0']);
    }
  }
  if (rows.length === 1) return 'no CPU-protection bindings';
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd()).join('\n');
}
