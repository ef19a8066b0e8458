/**
 * What the commit steps of an apply (commit.ts, commit-write.ts, hw-follow.ts) work on: the
 * manager's parts they read and change, and the scope of one commit. The manager builds one
 * CommitDeps at construction; the steps get it instead of the manager itself, so each step shows
 * what it touches and none can reach the manager's own state (model, plan, polling).
 */
import type { Backend } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import type { LocalMep } from '../config/model.js';
import type { CfmEngine } from '../engine/engine.js';
import type { FaultEvent } from '../engine/events.js';
import type { CommitTarget } from './apply-report.js';
import type { ApplyTracker } from './apply-tracker.js';
import type { CpuSide } from './cpu-side.js';
import type { HwMep } from './hw-mep.js';
import type { HwRuntime } from './hw-runtime.js';
import type { ManagerOps } from './ops.js';
import type { SoftwareMeps } from './software-meps.js';
import type { VoeIndex } from './voe-index.js';
import type { VoePmLedger } from './y1731/hw-pm.js';

export interface CommitDeps {
  backend: Backend;
  /** The manager's clock (hardware MEPs' FNG timers run on it). */
  clock: Clock;
  engine: CfmEngine;
  cpu: CpuSide;
  ops: ManagerOps;
  tracker: ApplyTracker;
  voes: VoeIndex;
  /** Hardware MEPs by key. */
  hw: Map<string, HwMep>;
  /** Software MEPs by key, with their per-port counts (software-meps.ts). */
  sw: SoftwareMeps;
  hwRt: HwRuntime;
  /** What the VOEs were told of hardware DM / LM (y1731/hw-pm.ts). */
  voePm: VoePmLedger;
  /** Fault events of hardware MEPs (the manager stamps and fans them out). */
  emit: (e: FaultEvent) => void;
}

/** One commit: its target, the keys it may change, and where each is planned. */
export interface CommitScope {
  t: CommitTarget;
  /** t.scope, or every MEP planned, in software or in hardware (a full apply). */
  keys: Set<string>;
  isHw: (key: string) => boolean;
  /** The MEP when it is planned in software. */
  wantSw: (key: string) => LocalMep | undefined;
}
