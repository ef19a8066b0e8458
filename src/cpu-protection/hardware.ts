/**
 * Where each binding is enforced, and the mapping onto backend policers (Backend.setPolicer).
 *
 * A backend policer is one token bucket matching port, VLAN, a level set and an opcode set, first
 * match by lowest id (the mock ASIC's model, native/asic/mock_policer.c). The compiled policy maps
 * onto it as:
 *  - an entry with rate > 0: one policer per level x opcode combination (each combination has
 *    its own rate, seed 002), in entry order;
 *  - an entry with rate 0: one policer for all its combinations (dropping needs no per-bucket
 *    state, so sharing one is exact);
 *  - the policy's overall rate: one catch-all policer after the entries.
 * What does not fit falls back to software (native on the AF_PACKET path, else TypeScript):
 *  - per-peer rates (rate > 0 without aggregate): a policer has no per-source-MAC bucket;
 *  - a port+VLAN binding without an overall rate next to a port-wide binding that has policers
 *    (its unmatched frames would fall into the port-wide policers in hardware);
 *  - rates above the hardware maximum, or more policers than are free.
 * All bindings of one port are placed together: a port-wide policer in hardware would also police
 * the frames of a port+VLAN binding enforced in software.
 */
import type { Backend, PolicerSpec } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import { sortBuckets } from './engine.js';
import type { BucketCounters, CompiledBinding, CompiledProtection, CounterSnapshot, Enforcement } from './types.js';

export interface HwPolicer {
  id: number;
  spec: PolicerSpec;
  binding: string;
  rule: number | 'overall';
  /** Set when the policer is one combination; undefined = all combinations of the entry (rate 0). */
  level?: number;
  opcode?: number;
}

export interface BindingPlacement {
  key: string;
  port: string;
  vlan: number;
  enforcement: Enforcement;
  /** Why (always set for software placements). */
  reason: string;
  policers: number;
}

export interface EnforcementPlan {
  bindings: BindingPlacement[];
  policers: HwPolicer[];
  /** Policers the backend has. */
  capacity: number;
}

export interface PlanOptions {
  /** Backend policers (BackendCapabilities.policers); 0 = none. */
  policers: number;
  /** Highest rate a policer takes (HwProfile policers.maxRatePps), undefined = any. */
  maxRatePps?: number;
  /** A native AF_PACKET path exists for software enforcement (software backend + addon). */
  native: boolean;
}

function policersOf(b: CompiledBinding): Omit<HwPolicer, 'id'>[] {
  const out: Omit<HwPolicer, 'id'>[] = [];
  const base = { port: b.port, vlan: b.vlan };
  for (const r of b.rules) {
    if (r.ratePps === 0) {
      out.push({ spec: { ...base, levels: [...r.levels], opcodes: [...r.opcodes], ratePps: 0 }, binding: b.key, rule: r.entry });
      continue;
    }
    for (const level of r.levels) {
      for (const opcode of r.opcodes) {
        out.push({ spec: { ...base, levels: [level], opcodes: [opcode], ratePps: r.ratePps }, binding: b.key, rule: r.entry, level, opcode });
      }
    }
  }
  if (b.overallRatePps !== null) out.push({ spec: { ...base, levels: [], opcodes: [], ratePps: b.overallRatePps }, binding: b.key, rule: 'overall' });
  return out;
}

function unfit(b: CompiledBinding, group: CompiledBinding[], max: number | undefined): string | null {
  if (!b.aggregate && b.rules.some((r) => r.ratePps > 0)) {
    return 'per-peer rates need one bucket per source MAC; hardware policers have none (use aggregate to enforce in hardware)';
  }
  if (b.vlan !== 0 && b.overallRatePps === null && group.some((o) => o.vlan === 0 && policersOf(o).length > 0)) {
    return `frames of VLAN ${b.vlan} matching no entry would fall into the port-wide binding's policers in hardware`;
  }
  const rates = [...b.rules.map((r) => r.ratePps), b.overallRatePps ?? 0];
  const over = rates.find((r) => max !== undefined && r > max);
  if (over !== undefined) return `rate ${over} pps is above the hardware maximum ${max} pps`;
  return null;
}

export function planEnforcement(p: CompiledProtection, o: PlanOptions): EnforcementPlan {
  const sw: Enforcement = o.native ? 'native' : 'software';
  const swWhere = o.native ? 'native policer on the AF_PACKET path' : 'TypeScript engine on the CPU path';
  const ports = [...new Set(p.bindings.map((b) => b.port))];
  const placements: BindingPlacement[] = [];
  const policers: HwPolicer[] = [];
  for (const port of ports) {
    const group = p.bindings.filter((b) => b.port === port);
    const per = group.map((b) => policersOf(b));
    const need = per.reduce((n, x) => n + x.length, 0);
    let why: string | null = null;
    if (o.policers === 0) why = 'the backend has no CPU-protection policers';
    for (let i = 0; !why && i < group.length; i++) {
      const u = unfit(group[i], group, o.maxRatePps);
      if (u) why = `${group[i].key}: ${u}`;
    }
    if (!why && policers.length + need > o.policers) {
      why = `needs ${need} policers, ${o.policers - policers.length} of ${o.policers} free`;
    }
    group.forEach((b, i) => {
      if (why) {
        placements.push({ key: b.key, port: b.port, vlan: b.vlan, enforcement: sw, reason: `${swWhere}: ${why}`, policers: 0 });
        return;
      }
      for (const x of per[i]) policers.push({ id: policers.length, ...x });
      const n = per[i].length;
      placements.push({ key: b.key, port: b.port, vlan: b.vlan, enforcement: 'hardware', reason: n ? `${n} backend policer${n === 1 ? '' : 's'}` : 'nothing to police', policers: n });
    });
  }
  return { bindings: placements, policers, capacity: o.policers };
}

/** Only the bindings enforced in software (for the native policer or the TypeScript engine). */
export function softwarePart(p: CompiledProtection, plan: EnforcementPlan): CompiledProtection {
  const sw = new Set(plan.bindings.filter((b) => b.enforcement !== 'hardware').map((b) => b.key));
  return { bindings: p.bindings.filter((b) => sw.has(b.key)) };
}

/** Program the backend's policers (ids 0..capacity-1; unused ids are cleared). */
export async function applyHardware(backend: Backend, plan: EnforcementPlan): Promise<void> {
  if (plan.policers.length === 0 && plan.capacity === 0) return;
  if (!backend.setPolicer) throw new CfmError('UNSUPPORTED', `backend ${backend.kind} has no setPolicer`);
  for (let id = 0; id < plan.capacity; id++) {
    const p = plan.policers[id];
    await backend.setPolicer(id, p ? p.spec : null);
  }
}

/** Read the backend's policer counters as the same snapshot shape as the software engines. */
export async function readHardware(backend: Backend, plan: EnforcementPlan): Promise<CounterSnapshot> {
  const buckets: BucketCounters[] = [];
  if (plan.policers.length && !backend.readPolicer) throw new CfmError('UNSUPPORTED', `backend ${backend.kind} has no readPolicer`);
  for (const p of plan.policers) {
    const c = await backend.readPolicer!(p.id);
    buckets.push({ binding: p.binding, rule: p.rule, level: p.level ?? -1, opcode: p.opcode ?? -1, peer: 'aggregate', passed: c.passed, dropped: c.dropped });
  }
  return { enforcement: 'hardware', buckets: sortBuckets(buckets), bindings: [] };
}
