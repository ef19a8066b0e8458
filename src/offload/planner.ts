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
import { UsageError } from '../common/errors.js';
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
} from './types.js';
import { voeSpecOf } from './voe-spec.js';

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

/** Planning order: hardware pins first, then shortest interval, then key (stable, deterministic). */
export function planningOrder(meps: LocalMep[]): LocalMep[] {
  const pinRank = (m: LocalMep) => (m.placement === 'hardware' ? 0 : 1);
  return [...meps].sort(
    (a, b) => pinRank(a) - pinRank(b) || a.interval - b.interval || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
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

interface Usage {
  port: number;
  service: number;
  up: number;
  perPort: Map<string, number>;
  fps: number;
}

function tableOf(mep: LocalMep): 'port' | 'service' {
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
    const fps = ccmFps(mep.interval);
    if (u.fps + fps > res.injectorBudgetFps) {
      return `injector budget ${res.injectorBudgetFps} fps exceeded (${u.fps} used + ${fps} needed)`;
    }
  }
  return undefined;
}

function consume(mep: LocalMep, res: HwResources, u: Usage): void {
  if (tableOf(mep) === 'port') u.port++;
  else u.service++;
  if (mep.direction === 'up') u.up++;
  u.perPort.set(mep.port, (u.perPort.get(mep.port) ?? 0) + 1);
  if (res.injected && mep.ccmEnabled) u.fps = Math.round((u.fps + ccmFps(mep.interval)) * 1000) / 1000;
}

function functionPlacements(ccmInHw: boolean, res: HwResources): Record<OffloadFunction, FunctionPlacement> {
  const out = {} as Record<OffloadFunction, FunctionPlacement>;
  for (const f of OFFLOAD_FUNCTIONS) {
    if (!ccmInHw) out[f] = { placement: 'software', reason: 'MEP runs in software' };
    else if (!res.offload[f]) out[f] = { placement: 'software', reason: `${res.profile} does not offload ${FUNCTION_LABEL[f]}` };
    else out[f] = { placement: 'hardware' };
  }
  return out;
}

function planMep(mep: LocalMep, res: HwResources, policy: PlanPolicy, u: Usage): { plan: MepPlan; violation?: string } {
  let reason: string | undefined;
  if (mep.placement === 'software') reason = 'pinned to software by config';
  else if (!mep.enabled) reason = 'MEP not enabled';
  else if (policy.prefer === 'software' && mep.placement !== 'hardware') reason = 'policy prefers software';
  else reason = capabilityReason(mep, res) ?? resourceReason(mep, res, policy, u);
  const hw = reason === undefined;
  if (hw) consume(mep, res, u);
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
  const policy: PlanPolicy = { ...DEFAULT_POLICY, ...opts.policy };
  const switches = modelSwitches(model);
  const sw = opts.switch ?? (switches.length === 1 ? switches[0] : switches.length === 0 ? 'default' : undefined);
  if (sw === undefined) {
    throw new UsageError(`the config has several switches (${switches.join(', ')}): choose one with --switch`);
  }
  const u: Usage = { port: 0, service: 0, up: 0, perPort: new Map(), fps: 0 };
  const meps: MepPlan[] = [];
  const violations: string[] = [];
  for (const mep of planningOrder(localMeps(model).filter((m) => m.switch === sw))) {
    const r = planMep(mep, res, policy, u);
    meps.push(r.plan);
    if (r.violation) violations.push(r.violation);
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
  return {
    switch: sw,
    profile: res.profile,
    backend: res.backend,
    policy,
    meps,
    mips,
    usage: {
      portVoes: { used: u.port, total: res.portVoes },
      serviceVoes: { used: u.service, total: res.serviceVoes },
      reserved: policy.reserveVoes,
      injectorFps: { used: u.fps, budget: res.injectorBudgetFps },
    },
    violations,
    notes: [...res.notes],
  };
}
