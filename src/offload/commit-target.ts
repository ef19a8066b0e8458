/**
 * What an apply or a change commits (commit.ts): the plan, the VOE diff and the VOEs as read back.
 * A full apply plans every MEP (sliced, issue 16) and diffs every VOE; a change re-plans only the
 * changed MEPs (replan.ts) and reads back and diffs only the VOEs of their keys, unless table
 * pressure, a new policy or a device changed behind the manager's back needs a full apply.
 * Both refuse a plan with violations, and a full apply that would delete every VOE without
 * allowDeleteAll (dry-run.ts), before anything is written.
 */
import type { Backend } from '../backends/types.js';
import type { CfmModel } from '../config/model.js';
import type { ApplyCallOptions, CommitTarget } from './apply-report.js';
import type { ApplyTracker } from './apply-tracker.js';
import { applyConfigChange, findMep, type ConfigChange } from './changes.js';
import { refuseDeleteAll, refuseViolations } from './dry-run.js';
import { localMeps, planSliced } from './planner.js';
import type { PortTlvs } from './port-tlvs.js';
import { diffKeys, diffVoesSliced } from './reconciler.js';
import { replan } from './replan.js';
import { Slicer } from './slice.js';
import { DEFAULT_POLICY, type HwResources, type MepPlan, type Plan, type PlanPolicy } from './types.js';
import type { VoeIndex } from './voe-index.js';

export interface TargetDeps {
  backend: Backend;
  voes: VoeIndex;
  tracker: ApplyTracker;
  /** Port state stamped into planned VOEs' status TLVs (port-tlvs.ts). */
  portTlvs: PortTlvs;
  resources: () => HwResources;
  switchName: string | undefined;
  policy: Partial<PlanPolicy>;
}

/** The running config a change applies to. */
export interface Running {
  model: CfmModel;
  plan: Plan;
  /** The MEP plans of `plan` by key. */
  planByKey: ReadonlyMap<string, MepPlan>;
}

/** A full apply of `model` (`planned`: its plan, when a change already made it). */
export async function fullTarget(d: TargetDeps, model: CfmModel, opts: ApplyCallOptions, planned?: Plan): Promise<CommitTarget> {
  // sliced: thousands of MEPs must not hold the event loop (software CCM timers, issue 16)
  const p = planned ?? (await planSliced(model, d.resources(), { switch: d.switchName, policy: d.policy }, new Slicer()));
  refuseViolations(p);
  const mepByKey = new Map(localMeps(model).map((m) => [m.key, m]));
  const planByKey = new Map(p.meps.map((m) => [m.key, m]));
  d.tracker.step('reading back VOEs');
  await d.voes.refresh(d.backend);
  const before = d.voes.all();
  const diff = await diffVoesSliced(p.meps.filter((m) => m.ccm === 'hardware').map((m) => d.portTlvs.stamp(m.voe!)), before, new Slicer());
  refuseDeleteAll(p, diff, before, opts.allowDeleteAll);
  return { model, plan: p, planOf: (k) => planByKey.get(k), mepOf: (k) => mepByKey.get(k), scope: null, diff, before, planByKey };
}

/** A change of the running config: the target of the changed keys, or the full apply it needs instead. */
export async function changeTarget(d: TargetDeps, cur: Running, c: ConfigChange): Promise<{ target: CommitTarget } | { full: CfmModel; planned?: Plan }> {
  const prev = cur.plan;
  const { model, replaced } = applyConfigChange(cur.model, c);
  const mine = replaced.filter((r) => r.now.switch === prev.switch);
  const policy: PlanPolicy = { ...DEFAULT_POLICY, ...d.policy };
  const samePolicy = policy.prefer === prev.policy.prefer && policy.reserveVoes === prev.policy.reserveVoes;
  const mepOf = (k: string) => findMep(model, k);
  const re = samePolicy ? replan(prev, mine, (k) => mepOf(k)!) : null;
  // Table pressure (a change may move other MEPs) or a new policy: plan and reconcile everything.
  if (!re) return { full: model };
  refuseViolations(re.plan);
  d.tracker.step('reading back VOEs');
  const r = await d.voes.refresh(d.backend);
  if (r.full) return { full: model, planned: re.plan }; // the device changed behind our back
  const planOf = (k: string) => re.fresh.get(k) ?? cur.planByKey.get(k);
  const scope = new Set([...mine.map((x) => x.now.key), ...r.keys]);
  const diff = diffKeys(scope, (k) => (planOf(k)?.ccm === 'hardware' ? d.portTlvs.stamp(planOf(k)!.voe!) : undefined), (k) => d.voes.of(k), (x, y) => x.interval - y.interval || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const before = [...scope].flatMap((k) => d.voes.of(k));
  return { target: { model, plan: re.plan, planOf, mepOf, scope, diff, before, fresh: re.fresh } };
}
