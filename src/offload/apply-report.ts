/**
 * What an apply or a change is asked for and what it answers (OffloadManager.apply / change /
 * replan), and the target the commit steps work toward (commit.ts). Kept apart from the manager
 * so the commit steps and the control socket share the types without importing the manager.
 */
import type { VoeState } from '../backends/types.js';
import type { CfmModel, LocalMep } from '../config/model.js';
import type { ApplyProgress, ReconcileDiff, ReconcileOp } from './reconciler.js';
import type { MepPlan, Placement, Plan } from './types.js';

export interface MepMove {
  key: string;
  to: Placement;
  /** Sequence number the MEP continues with (undefined: the VOE restarts at 1). */
  seq?: number;
}

export interface ApplyReport {
  plan: Plan;
  ops: ReconcileOp[];
  /** Hardware MEPs found already programmed as planned (left untouched). */
  adopted: string[];
  softwareStarted: string[];
  softwareStopped: string[];
  moves: MepMove[];
}

export interface ApplyCallOptions {
  onProgress?: (p: ApplyProgress) => void;
  /** Let a full apply delete every VOE (an empty config); refused without it (dry-run.ts). */
  allowDeleteAll?: boolean;
}

/** What commit() makes true: a planned model, and the VOE ops that get the hardware there. */
export interface CommitTarget {
  model: CfmModel;
  plan: Plan;
  planOf(key: string): MepPlan | undefined;
  mepOf(key: string): LocalMep | undefined;
  /** The keys that may change; null = every MEP (a full apply). */
  scope: Set<string> | null;
  diff: ReconcileDiff;
  /** The VOEs (of the scope) as read back before the ops. */
  before: VoeState[];
  /** Full apply: every MEP plan by key. */
  planByKey?: Map<string, MepPlan>;
  /** Incremental apply: the new plans of the changed MEPs. */
  fresh?: Map<string, MepPlan>;
}
