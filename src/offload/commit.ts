/**
 * The commit of an apply or a change: make hardware, engine and the manager's MEP tables match a
 * planned target for the keys in its scope (null: every MEP). The steps, in this order:
 *  1. reads that a failure must not follow a write: the next sequence numbers of VOEs that move
 *     to software (handover.ts), the state of adopted VOEs, the CPU path to program (pure);
 *  2. stop the software MEPs that leave software or whose config changed (software-meps.ts) and
 *     seed the VOEs they move to;
 *  3. the one transaction (commit-write.ts): punt flags, policers, VOEs, all-or-nothing, with the
 *     stopped MEPs restarted when it fails;
 *  4. follow the hardware MEPs and push their run-time state (hw-follow.ts);
 *  5. start what is planned in software; list the moves.
 * What the manager itself keeps (model, plan, polling, the CPU path start) it settles after this.
 */
import type { VoeState, VoeStatus } from '../backends/types.js';
import type { ApplyCallOptions, ApplyReport, CommitTarget } from './apply-report.js';
import type { CommitDeps, CommitScope } from './commit-context.js';
import { writeTransaction } from './commit-write.js';
import { movesOf, readHwSeqs, seedFromEngine } from './handover.js';
import { followHardware } from './hw-follow.js';
import type { PreparedOps } from './ops.js';
import { startPlanned, stopChanged } from './software-meps.js';

export interface Committed {
  report: ApplyReport;
  /** The CPU path prepared for a full apply (the manager starts it), else null. */
  prep: PreparedOps | null;
}

/**
 * VOE operations are all-or-nothing (applyOps rolls back); software MEPs stopped for the apply
 * are restarted when it fails.
 */
export async function commit(d: CommitDeps, t: CommitTarget, opts: ApplyCallOptions): Promise<Committed> {
  const { planOf, mepOf, diff } = t;
  const c: CommitScope = {
    t,
    keys: t.scope ?? new Set([...t.planByKey!.keys(), ...d.sw.keys(), ...d.hw.keys()]),
    isHw: (k) => planOf(k)?.ccm === 'hardware',
    wantSw: (k) => (planOf(k)?.ccm === 'software' ? mepOf(k) : undefined),
  };
  // Hardware -> software: continue the VOE's sequence (read before the VOE goes away).
  const seqFromHw = await readHwSeqs(d.backend, diff.ops, c.wantSw);
  const beforeOf = new Map<string, VoeState>();
  for (const v of t.before) if (!beforeOf.has(v.spec.key)) beforeOf.set(v.spec.key, v);
  const adoptStatus = await readAdopted(d, c, beforeOf);
  // What the CPU path will program (pure; a config error here changes nothing).
  const prep = t.scope === null ? d.ops.prepare(t.model) : null;
  // Stop software MEPs that leave the engine or whose config changed; restart them on failure.
  const stopped = stopChanged(d.engine, d.sw, c.keys, c.wantSw);
  // Software -> hardware: the new VOE continues the engine's sequence (read as it stopped).
  const stoppedSeq = new Map(stopped.map((s) => [s.mep.key, s.seq]));
  const seeded = seedFromEngine(diff.ops, stoppedSeq, d.backend.capabilities().txSeqSeed === true);
  const handles = await writeTransaction(d, c, prep, stopped, opts);
  await followHardware(d, c, { handles, beforeOf, adoptStatus });
  // Software: start what is planned there and not running.
  d.tracker.step('software MEPs');
  const started = startPlanned(d.engine, d.sw, c.keys, c.wantSw, (k) => seqFromHw.get(k) ?? stoppedSeq.get(k));
  // the up MEPs' relay ports change only with the software MEPs (a change that started or stopped none keeps them)
  if (t.scope === null || started.length || stopped.length) d.cpu.setSoftwareMeps(d.sw.ports());
  const moves = movesOf({ started, hadVoe: (k) => beforeOf.has(k), seqFromHw, stoppedSeq, isHw: c.isHw, seeded });
  return {
    prep,
    report: {
      plan: t.plan,
      ops: diff.ops,
      adopted: diff.adopted,
      softwareStarted: started,
      softwareStopped: stopped.map((s) => s.mep.key).filter((k) => !d.sw.has(k)),
      moves,
    },
  };
}

/** Adopted VOEs (warm restart) keep their state: read it now, while a failure changes nothing. */
async function readAdopted(d: CommitDeps, c: CommitScope, beforeOf: ReadonlyMap<string, VoeState>): Promise<Map<string, VoeStatus>> {
  const touchedKeys = new Set(c.t.diff.ops.map((o) => o.key));
  const adoptStatus = new Map<string, VoeStatus>();
  for (const key of c.keys) {
    const v = beforeOf.get(key);
    if (v && c.isHw(key) && !d.hw.has(key) && !touchedKeys.has(key)) adoptStatus.set(key, await d.backend.readStatus(v.handle));
  }
  return adoptStatus;
}
