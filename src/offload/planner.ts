/**
 * The offload planner: config model + hardware resources + policy -> Plan. Pure and
 * deterministic: the same inputs give the same plan.
 *
 * Rules:
 * - CCM transmit and receive/LOC of one MEP are placed together (per-MEP fallback). The Linux
 *   vendor tree's split (HW create, SW CC config without a software RX hook) is the bug this
 *   avoids (cfm-facts 1.4).
 * - MEPs are considered pinned-to-hardware first, then shortest interval first: software cannot
 *   honour fast intervals (jiffy timers, cfm-facts 1.3), so those deserve the VOEs; ties by key.
 * - Functions beyond CCM go to hardware only where the profile offloads them fully and the MEP
 *   has a VOE; everything else runs in the engine.
 * - Every software placement carries a reason an operator can act on.
 */
import { intervalName, intervalNs, type IntervalCode } from '../common/interval.js';
import type { CfmModel, LocalMep } from '../config/model.js';
import {
  DEFAULT_POLICY,
  FUNCTION_LABEL,
  OFFLOAD_FUNCTIONS,
  type FunctionPlacement,
  type HwResources,
  type MepPlan,
  type MipPlan,
  type OffloadFunction,
  type Plan,
  type PlanPolicy,
  type PlanUsage,
} from './types.js';
import { voeSpecOf } from './voe-spec.js';
import { colocateUpMeps } from './colocate.js';
import { refuseCpuPath } from './cpu-path.js';
import { runSteps, runStepsSliced, type Slicer } from './slice.js';
import { SwitchChoiceError } from './switch-choice.js';

/** "3.33ms..1s" for a contiguous run of codes, else a comma list; "none" when empty. */
export function intervalRange(codes: IntervalCode[]): string {
  if (codes.length === 0) return 'none';
  const sorted = [...codes].sort((a, b) => a - b);
  const contiguous = sorted.every((c, i) => i === 0 || c === sorted[i - 1] + 1);
  if (contiguous && sorted.length > 1) return `${intervalName(sorted[0])}..${intervalName(sorted[sorted.length - 1])}`;
  return sorted.map(intervalName).join(',');
}

/** CCMs per second of one MEP (300 Hz for code 1 exactly). */
export function ccmFps(code: IntervalCode): number {
  return Math.round((1e9 / intervalNs(code)) * 1000) / 1000;
}

/** All local MEPs of a model, in config order. */
export function localMeps(model: CfmModel): LocalMep[] {
  const out: LocalMep[] = [];
  for (const d of model.domains) for (const a of d.associations) out.push(...a.meps);
  return out;
}

/** The planning order: hardware pins first, then shortest interval, then key (a total order). */
export function comparePlanning(a: { placement: LocalMep['placement']; interval: IntervalCode; key: string }, b: typeof a): number {
  const pa = a.placement === 'hardware' ? 0 : 1;
  const pb = b.placement === 'hardware' ? 0 : 1;
  return pa - pb || a.interval - b.interval || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Planning order: hardware pins first, then shortest interval, then key (stable, deterministic). */
export function planningOrder(meps: LocalMep[]): LocalMep[] {
  return [...meps].sort(comparePlanning);
}

/** Why a MEP cannot be in hardware whatever the table occupancy, or undefined. */
function capabilityReason(mep: LocalMep, res: HwResources): string | undefined {
  if (mep.ccmEnabled && !res.ccmTx) return `backend ${res.backend} cannot transmit CCMs`;
  if (mep.direction === 'up' && !res.upMep) return 'up MEP not supported';
  if (mep.vlan !== 0 && !res.vlanMep) return `VLAN MEP (vlan ${mep.vlan}) not supported`;
  const hwIntervals = mep.ccmEnabled ? res.txIntervals.filter((c) => res.rxIntervals.includes(c)) : res.rxIntervals;
  if (!hwIntervals.includes(mep.interval)) {
    return `interval ${intervalName(mep.interval)} not in hardware intervals ${intervalRange(hwIntervals)}`;
  }
  const peers = mep.remoteMepIds.length;
  if (peers > res.peersPerVoe) {
    const per = res.peersPerVoe === 1 ? 'one peer' : `${res.peersPerVoe} peers`;
    return `${peers} remote MEPs, hardware checks ${per} per VOE`;
  }
  return undefined;
}

/**
 * VOEs, injector rate and remote MEP table entries in use. fpsMilli: CCMs/s x 1000 as an integer
 * (sums exactly in any order). peers: expected peers of the hardware MEPs (remoteMepTable).
 */
export interface Usage {
  port: number;
  service: number;
  up: number;
  perPort: Map<string, number>;
  fpsMilli: number;
  peers: number;
}

export function emptyUsage(): Usage {
  return { port: 0, service: 0, up: 0, perPort: new Map(), fpsMilli: 0, peers: 0 };
}

/** The plan's usage summary of `u` (plan and replan). */
export function planUsage(u: Usage, res: HwResources, policy: PlanPolicy): PlanUsage {
  const t = res.remoteMepTable;
  return {
    portVoes: { used: u.port, total: res.portVoes },
    serviceVoes: { used: u.service, total: res.serviceVoes },
    reserved: policy.reserveVoes,
    injectorFps: { used: u.fpsMilli / 1000, budget: res.injectorBudgetFps },
    ...(t ? { remoteMeps: { used: u.peers, total: t.entries, table: t.name } } : {}),
  };
}

export function tableOf(mep: LocalMep): 'port' | 'service' {
  return mep.vlan === 0 && mep.direction === 'down' ? 'port' : 'service';
}

/** Why the MEP does not fit the tables still free, or undefined (then it is counted in). */
function resourceReason(mep: LocalMep, res: HwResources, policy: PlanPolicy, u: Usage): string | undefined {
  const table = tableOf(mep);
  const total = table === 'port' ? res.portVoes : res.serviceVoes;
  const used = table === 'port' ? u.port : u.service;
  if (total === 0) return `no ${table} VOEs in ${res.profile}`;
  if (used >= total) return `${table} VOE table full (${used}/${total})`;
  const allUsed = u.port + u.service;
  if (res.sharedTotal !== null && allUsed >= res.sharedTotal) return `VOE table full (${allUsed}/${res.sharedTotal})`;
  const capacity = res.sharedTotal ?? res.portVoes + res.serviceVoes;
  if (policy.reserveVoes > 0 && allUsed >= capacity - policy.reserveVoes) {
    return `VOE reserve: policy keeps ${policy.reserveVoes} of ${capacity} VOEs free (${allUsed} used)`;
  }
  if (mep.direction === 'up' && res.upVoes !== null && u.up >= res.upVoes) return `up VOEs full (${u.up}/${res.upVoes})`;
  const onPort = u.perPort.get(mep.port) ?? 0;
  if (res.perPort !== null && onPort >= res.perPort) {
    return `port ${mep.port} already has ${onPort} hardware MEP${onPort === 1 ? '' : 's'} (limit ${res.perPort})`;
  }
  if (res.injected && mep.ccmEnabled && res.injectorBudgetFps !== null) {
    const milli = fpsMilli(mep.interval);
    if (u.fpsMilli + milli > res.injectorBudgetFps * 1000) {
      return `injector budget ${res.injectorBudgetFps} fps exceeded (${u.fpsMilli / 1000} used + ${milli / 1000} needed)`;
    }
  }
  // a table of expected peers shared by all VOEs (the eBPF peer map): each remote MEP ID a MEP
  // checks (its MA's MEPIDs but its own; one remote MEP state machine each, 802.1Q 20.20) takes
  // one entry
  const rmt = res.remoteMepTable;
  const peers = mep.remoteMepIds.length;
  if (rmt !== null && u.peers + peers > rmt.entries) {
    return `${rmt.name} full (${u.peers} of ${rmt.entries} remote MEP entries used, ${peers} needed)`;
  }
  return undefined;
}

function fpsMilli(code: IntervalCode): number {
  return Math.round(ccmFps(code) * 1000);
}

/** Count a hardware MEP in (sign 1) or out (sign -1) of the usage. */
export function consume(mep: LocalMep, res: HwResources, u: Usage, sign: 1 | -1 = 1): void {
  if (tableOf(mep) === 'port') u.port += sign;
  else u.service += sign;
  if (mep.direction === 'up') u.up += sign;
  u.perPort.set(mep.port, (u.perPort.get(mep.port) ?? 0) + sign);
  if (res.injected && mep.ccmEnabled) u.fpsMilli += sign * fpsMilli(mep.interval);
  u.peers += sign * mep.remoteMepIds.length;
}

/**
 * Whether usage `u` (every MEP it counts in hardware) fits every table and budget. When it does,
 * no MEP was or would be refused for a resource reason in any planning order: each check in
 * resourceReason compares the usage before one MEP, which is at most the final usage minus that
 * MEP's own share.
 */
export function usageFits(u: Usage, res: HwResources, policy: PlanPolicy): boolean {
  const all = u.port + u.service;
  const capacity = res.sharedTotal ?? res.portVoes + res.serviceVoes;
  if (u.port > res.portVoes || u.service > res.serviceVoes) return false;
  if (res.sharedTotal !== null && all > res.sharedTotal) return false;
  if (policy.reserveVoes > 0 && all > capacity - policy.reserveVoes) return false;
  if (res.upVoes !== null && u.up > res.upVoes) return false;
  if (res.perPort !== null) for (const n of u.perPort.values()) if (n > res.perPort) return false;
  if (res.injected && res.injectorBudgetFps !== null && u.fpsMilli > res.injectorBudgetFps * 1000) return false;
  if (res.remoteMepTable !== null && u.peers > res.remoteMepTable.entries) return false;
  return true;
}

function functionPlacements(ccmInHw: boolean, res: HwResources): Record<OffloadFunction, FunctionPlacement> {
  const out = {} as Record<OffloadFunction, FunctionPlacement>;
  for (const f of OFFLOAD_FUNCTIONS) {
    if (!ccmInHw) out[f] = { placement: 'software', reason: 'MEP runs in software' };
    else if (!res.offload[f]) out[f] = { placement: 'software', reason: res.offloadReasons?.[f] ?? `${res.profile} does not offload ${FUNCTION_LABEL[f]}` };
    else out[f] = { placement: 'hardware' };
  }
  return out;
}

/** Why a MEP is in software whatever the tables hold, or undefined when it can go to hardware. */
export function fixedReason(mep: LocalMep, res: HwResources, policy: PlanPolicy): string | undefined {
  if (mep.placement === 'software') return 'pinned to software by config';
  if (!mep.enabled) return 'MEP not enabled';
  if (policy.prefer === 'software' && mep.placement !== 'hardware') return 'policy prefers software';
  return capabilityReason(mep, res);
}

/** The plan of one MEP once its placement is decided (`reason` undefined = hardware). */
export function mepPlanOf(mep: LocalMep, res: HwResources, reason: string | undefined): { plan: MepPlan; violation?: string } {
  const hw = reason === undefined;
  const warnings: string[] = [];
  if (!hw && mep.interval <= 2) {
    warnings.push(`software timers cannot keep ${intervalName(mep.interval)} CCMs exact; LOC may be late`);
  }
  const plan: MepPlan = {
    key: mep.key,
    switch: mep.switch,
    mepId: mep.mepId,
    port: mep.port,
    direction: mep.direction,
    level: mep.level,
    vlan: mep.vlan,
    interval: mep.interval,
    remoteMepIds: [...mep.remoteMepIds],
    ccm: hw ? 'hardware' : 'software',
    ...(hw ? { voeTable: tableOf(mep), voe: voeSpecOf(mep) } : { reason }),
    functions: functionPlacements(hw, res),
    warnings,
  };
  const violation = !hw && mep.placement === 'hardware' ? `${mep.key} is pinned to hardware but ${reason}` : undefined;
  return { plan, violation };
}

export interface PlanOptions {
  /** The switch to plan; default: the model's only switch (or 'default'). */
  switch?: string;
  policy?: Partial<PlanPolicy>;
}

/** The switches of a model that carry MEPs or MIPs, sorted. */
export function modelSwitches(model: CfmModel): string[] {
  const names = new Set<string>();
  for (const m of localMeps(model)) names.add(m.switch);
  for (const m of model.mips) names.add(m.switch);
  return [...names].sort();
}

export function plan(model: CfmModel, res: HwResources, opts: PlanOptions = {}): Plan {
  return runSteps(planSteps(model, res, opts));
}

/**
 * The same plan, yielding to the event loop every slicer budget (the manager's apply: planning
 * 1,000s of MEPs must not hold a software MEP's CCM timer, issue 16).
 */
export function planSliced(model: CfmModel, res: HwResources, opts: PlanOptions, slicer: Slicer): Promise<Plan> {
  return runStepsSliced(planSteps(model, res, opts), slicer);
}

/** plan() as steps: one per MEP decided (a generator, so sync and sliced callers share it). */
function* planSteps(model: CfmModel, res: HwResources, opts: PlanOptions): Generator<void, Plan, void> {
  const policy: PlanPolicy = { ...DEFAULT_POLICY, ...opts.policy };
  const switches = modelSwitches(model);
  const sw = opts.switch ?? (switches.length === 1 ? switches[0] : switches.length === 0 ? 'default' : undefined);
  if (sw === undefined) {
    throw new SwitchChoiceError(switches);
  }
  yield;
  const u = emptyUsage();
  const meps: MepPlan[] = [];
  const violations: string[] = [];
  const violationKeys: string[] = [];
  let resourceRefusals = 0;
  const ordered = planningOrder(localMeps(model).filter((m) => m.switch === sw));
  yield; // listing and sorting 1,000s of MEPs is a step of its own
  for (const mep of ordered) {
    let reason = fixedReason(mep, res, policy);
    if (reason === undefined) {
      reason = resourceReason(mep, res, policy, u);
      if (reason === undefined) consume(mep, res, u);
      else resourceRefusals++;
    }
    const r = mepPlanOf(mep, res, reason);
    meps.push(r.plan);
    if (r.violation) {
      violations.push(r.violation);
      violationKeys.push(mep.key);
    }
    yield;
  }
  const byKey = new Map(localMeps(model).filter((m) => m.switch === sw).map((m) => [m.key, m]));
  yield;
  const co = colocateUpMeps(meps, (k) => byKey.get(k)!, res, u);
  if (co.violations.length) {
    // keep violations in planning order (the order the MEPs were decided in)
    const order = new Map(meps.map((m, i) => [m.key, i]));
    const all = violationKeys.map((k, i) => ({ key: k, text: violations[i] })).concat(co.violations);
    all.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
    violations.splice(0, violations.length, ...all.map((v) => v.text));
    violationKeys.splice(0, violationKeys.length, ...all.map((v) => v.key));
  }
  const mips: MipPlan[] = model.mips
    .filter((m) => m.switch === sw)
    .map((m) => ({
      key: m.key,
      switch: m.switch,
      port: m.port,
      level: m.level,
      vlan: m.vlan,
      placement: 'software' as const,
      reason: 'the backend interface has no MIP (VOI) objects: the MHF runs in the engine',
    }));
  const out: Plan = {
    switch: sw,
    profile: res.profile,
    backend: res.backend,
    policy,
    meps,
    mips,
    usage: planUsage(u, res, policy),
    violations,
    refused: [],
    notes: [...res.notes],
  };
  if (!res.frameIo) refuseCpuPath(out, res);
  planFacts.set(out, { res, usage: u, resourceRefusals, violationKeys });
  return out;
}

/** What the planner knew when it made a plan (for re-planning a change: src/offload/replan.ts). */
export interface PlanFacts {
  res: HwResources;
  usage: Usage;
  /** MEPs placed in software because a table or budget was full at their turn. */
  resourceRefusals: number;
  /** The MEP key of each of the plan's violations, same order. */
  violationKeys: string[];
}

const planFacts = new WeakMap<Plan, PlanFacts>();

export function factsOf(p: Plan): PlanFacts | undefined {
  return planFacts.get(p);
}

export function setFacts(p: Plan, f: PlanFacts): void {
  planFacts.set(p, f);
}
