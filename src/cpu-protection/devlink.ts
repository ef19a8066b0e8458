/**
 * CPU protection on Linux switchdev hardware: devlink trap policers (rate and burst per policer,
 * trap groups bound to policers, policer drop counters; net/devlink/trap.c).
 *
 * devlink has no CFM trap and no per-level/opcode or per-peer policing: a trap policer limits a
 * whole trap group (per device). So the mapping is a ceiling: the trap group that carries CFM to
 * the CPU is bound to one policer whose rate is the most the compiled bindings can admit
 * (sum over aggregate entries of rate x combinations, plus overall rates), clamped to the
 * driver's range; the per-entry, per-combination and per-peer limits stay in software (the
 * native policer on the AF_PACKET path) behind it. A binding whose admission is unbounded
 * (per-peer rates, or CFM frames that match no entry and have no overall rate) gives no ceiling.
 */
import type { DevlinkHandle } from '../netlink/devlink.js';
import { encodeTrapGroupSet, encodeTrapPolicerSet } from '../netlink/devlink.js';
import { combinations } from './compile.js';
import type { CompiledBinding, CompiledProtection } from './types.js';

export interface DevlinkLimits {
  minRatePps: number;
  maxRatePps: number;
  minBurst: number;
  maxBurst: number;
}

/** netdevsim's trap policer range (drivers/net/netdevsim/dev.c). */
export const NETDEVSIM_LIMITS: DevlinkLimits = { minRatePps: 1, maxRatePps: 8000, minBurst: 8, maxBurst: 65536 };

export interface DevlinkCeiling {
  group: string;
  policerId: number;
  /** null when some binding's admission is unbounded: then the group is left unbound. */
  ratePps: number | null;
  burst: number | null;
  /** Why the ceiling is what it is (one line per binding, plus clamping). */
  notes: string[];
}

/** Frames per second a binding can admit at most, or null when unbounded. */
export function bindingBudgetPps(b: CompiledBinding): number | null {
  let sum = 0;
  for (const r of b.rules) {
    if (r.ratePps === 0) continue;
    if (!b.aggregate) return null;
    sum += r.ratePps * combinations(r).length;
  }
  const catchAll = b.rules.some((r) => r.ratePps === 0 && r.levels.length === 8 && r.opcodes.length === 256);
  if (!catchAll) {
    if (b.overallRatePps === null) return null;
    sum += b.overallRatePps;
  }
  return sum;
}

export function devlinkCeiling(p: CompiledProtection, o: { group: string; policerId: number; limits?: DevlinkLimits }): DevlinkCeiling {
  const lim = o.limits ?? NETDEVSIM_LIMITS;
  const notes: string[] = [];
  let total = 0;
  let bounded = true;
  for (const b of p.bindings) {
    const budget = bindingBudgetPps(b);
    if (budget === null) {
      bounded = false;
      notes.push(`${b.key}: unbounded (per-peer rates or unmatched frames without an overall rate): no devlink ceiling`);
    } else {
      total += budget;
      notes.push(`${b.key}: at most ${budget} pps`);
    }
  }
  if (!bounded || p.bindings.length === 0) return { group: o.group, policerId: o.policerId, ratePps: null, burst: null, notes };
  let rate = total;
  if (rate < lim.minRatePps) {
    notes.push(`rate ${rate} pps raised to the driver minimum ${lim.minRatePps}`);
    rate = lim.minRatePps;
  }
  if (rate > lim.maxRatePps) {
    notes.push(`rate ${rate} pps capped to the driver maximum ${lim.maxRatePps}`);
    rate = lim.maxRatePps;
  }
  // Bucket depth = one second of the rate, like the software buckets, within the driver's range.
  const burst = Math.min(lim.maxBurst, Math.max(lim.minBurst, rate));
  return { group: o.group, policerId: o.policerId, ratePps: rate, burst, notes };
}

/**
 * The devlink requests that put a ceiling in place: set the policer's rate and burst, then bind
 * the trap group to it (or unbind with policer 0 when there is no ceiling).
 */
export function devlinkRequests(family: number, firstSeq: number, h: DevlinkHandle, c: DevlinkCeiling): Uint8Array[] {
  if (c.ratePps === null || c.burst === null) return [encodeTrapGroupSet(family, firstSeq, h, c.group, { policerId: 0 })];
  return [
    encodeTrapPolicerSet(family, firstSeq, h, c.policerId, { ratePps: c.ratePps, burst: c.burst }),
    encodeTrapGroupSet(family, firstSeq + 1, h, c.group, { policerId: c.policerId }),
  ];
}

/** The part of src/devlink's DevlinkClient the ceiling needs. */
export interface DevlinkPolicerClient {
  setPolicer(h: DevlinkHandle, id: number, set: { ratePps?: number; burst?: number }): Promise<void>;
  setTrapGroup(h: DevlinkHandle, group: string, set: { policerId?: number }): Promise<void>;
  policer(h: DevlinkHandle, id: number): Promise<{ id: number; ratePps: number; burst: number; dropped?: number }>;
}

/** Put a ceiling in place through a devlink client (the same requests as devlinkRequests). */
export async function applyDevlinkCeiling(c: DevlinkPolicerClient, h: DevlinkHandle, ceiling: DevlinkCeiling): Promise<void> {
  if (ceiling.ratePps === null || ceiling.burst === null) {
    await c.setTrapGroup(h, ceiling.group, { policerId: 0 });
    return;
  }
  await c.setPolicer(h, ceiling.policerId, { ratePps: ceiling.ratePps, burst: ceiling.burst });
  await c.setTrapGroup(h, ceiling.group, { policerId: ceiling.policerId });
}
