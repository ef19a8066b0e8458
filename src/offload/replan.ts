/**
 * Re-planning a change to a few MEPs without walking every MEP (the reconcile of one change
 * must cost about the same at 100 and at 8,192 MEPs).
 *
 * The full planner (planner.ts) decides MEPs one by one in planning order, refusing a MEP when a
 * table or budget is full at its turn. When the previous plan refused nobody for a resource
 * reason and the usage after the change still fits every table and budget, no MEP would be
 * refused in any order (usageFits), so each MEP's placement depends on that MEP alone and
 * re-deciding only the changed MEPs gives exactly the plan the full planner gives. Otherwise a
 * change can shift placements of MEPs it does not touch (a freed VOE goes to the next MEP in
 * planning order), and replan returns null: the caller plans everything.
 * test/offload/replan.test.ts checks replan against the full planner on random models and changes.
 */
import type { LocalMep } from '../config/model.js';
import type { MepPlan, Plan } from './types.js';
import { touchesUpGroup } from './colocate.js';
import { comparePlanning, consume, factsOf, fixedReason, mepPlanOf, planUsage, setFacts, usageFits, type Usage } from './planner.js';

/** Beyond this many changed MEPs a full plan is as cheap and simpler to trust. */
const MAX_CHANGED = 256;

export interface MepReplacement {
  old: LocalMep;
  now: LocalMep;
}

/**
 * The plan after replacing MEPs (same keys, same switch), or null when only a full plan can
 * tell. `mepOf(key)` is the MEP of the new model (unchanged MEPs are the same in both models).
 * The result shares the MepPlan objects of unchanged MEPs with `prev`; `fresh` holds the new
 * plans of the changed MEPs by key.
 */
export function replan(prev: Plan, changes: readonly MepReplacement[], mepOf: (key: string) => LocalMep): { plan: Plan; fresh: Map<string, MepPlan> } | null {
  const facts = factsOf(prev);
  if (!facts || facts.resourceRefusals > 0 || changes.length > MAX_CHANGED) return null;
  const { res } = facts;
  if (!res.frameIo) return null; // a MEP leaving hardware would be refused (cpu-path.ts): plan it all
  const policy = prev.policy;
  const u: Usage = { ...facts.usage, perPort: new Map(facts.usage.perPort) };
  const olds = new Map<string, LocalMep>();
  for (const c of changes) {
    if (c.old.key !== c.now.key || c.now.switch !== prev.switch || olds.has(c.old.key)) return null;
    // up MEPs of one MA are placed together (colocate.ts): a change may move its neighbours
    if (touchesUpGroup(prev.meps, c.now.key, c.old.direction === 'up' || c.now.direction === 'up')) return null;
    olds.set(c.old.key, c.old);
  }

  // Take the changed MEPs out: their usage, their entries (found by the order they were planned in).
  const meps = prev.meps.slice();
  const sortedAs = (key: string): LocalMep => olds.get(key) ?? mepOf(key);
  for (const c of changes) {
    const i = search(meps, c.old, sortedAs);
    if (i < 0) return null;
    if (meps[i].ccm === 'hardware') consume(c.old, res, u, -1);
    meps.splice(i, 1);
  }

  // Decide them again: hardware unless a fixed reason says software; then check the tables.
  const fresh: Array<{ mep: LocalMep; plan: MepPlan; violation?: string }> = [];
  for (const c of changes) {
    const reason = fixedReason(c.now, res, policy);
    if (reason === undefined) consume(c.now, res, u);
    fresh.push({ mep: c.now, ...mepPlanOf(c.now, res, reason) });
  }
  if (!usageFits(u, res, policy)) return null;

  const now = (key: string): LocalMep => mepOf(key);
  for (const f of fresh) {
    const i = search(meps, f.mep, now);
    meps.splice(-i - 1, 0, f.plan);
  }

  const violationKeys: string[] = [];
  const violations: string[] = [];
  const kept = facts.violationKeys.map((k, i) => ({ key: k, text: prev.violations[i] })).filter((v) => !olds.has(v.key));
  const all = [...kept, ...fresh.filter((f) => f.violation).map((f) => ({ key: f.mep.key, text: f.violation! }))];
  all.sort((a, b) => comparePlanning(mepOf(a.key), mepOf(b.key)));
  for (const v of all) {
    violationKeys.push(v.key);
    violations.push(v.text);
  }

  const out: Plan = {
    ...prev,
    meps,
    usage: planUsage(u, res, policy),
    violations,
  };
  setFacts(out, { res, usage: u, resourceRefusals: 0, violationKeys });
  return { plan: out, fresh: new Map(fresh.map((f) => [f.mep.key, f.plan])) };
}

/**
 * Binary search of `mep` in plan entries sorted in planning order (entry i planned as
 * `mepAs(meps[i].key)`): its index, or -(insertion point) - 1 when it is not there.
 */
function search(meps: readonly MepPlan[], mep: LocalMep, mepAs: (key: string) => LocalMep): number {
  let lo = 0;
  let hi = meps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = comparePlanning(mepAs(meps[mid].key), mep);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}
