/**
 * The manager's own operations as an observable record: every apply / change (replan is an
 * apply) and every loopback / linktrace it runs, with its duration and outcome. Listeners
 * (telemetry, a UI, a test) subscribe with `manager.onOperation(fn)` and see each operation as
 * it finishes; `manager.operations` keeps totals and the last OAM result per MEP from the
 * manager's start, so an observer started late still sees what happened before it.
 *
 * Durations are wall-clock (process.hrtime) time the operation ran: for apply / change from the
 * moment it got its turn in the manager's serial queue, not counting the wait behind earlier
 * work; `atNs` is the manager's clock (virtual in the simulator) when it finished.
 */
import { CfmError } from '../common/errors.js';
import type { LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceResult } from '../engine/mep-lt.js';
import type { ApplyReport } from './manager.js';

/** What each kind of operation resolves with. */
export interface OperationResults {
  apply: ApplyReport;
  change: ApplyReport;
  loopback: LoopbackResult;
  linktrace: LinktraceResult;
}

export type OperationKind = keyof OperationResults;
export type OamKind = 'loopback' | 'linktrace';

export interface OperationErrorSummary {
  /** CfmError code ('USAGE', 'APPLY', ...); null for an error of another class. */
  code: string | null;
  message: string;
}

interface OperationBase<K extends OperationKind> {
  kind: K;
  /** MEP key of a loopback / linktrace; null for apply / change. */
  mepKey: K extends OamKind ? string : null;
  /** Manager clock when the operation finished, ns. */
  atNs: number;
  /** Wall-clock run time, ns. */
  durationNs: number;
}

export type OperationEvent = {
  [K in OperationKind]:
    | (OperationBase<K> & { ok: true; result: OperationResults[K] })
    | (OperationBase<K> & { ok: false; error: OperationErrorSummary });
}[OperationKind];

export type OperationListener = (e: OperationEvent) => void;

export interface OperationTotals {
  count: number;
  failed: number;
  /** Run time of the last finished call, ns (-1: none yet). */
  lastDurationNs: number;
  /** VOE operations the reconciler ran (apply / change; zero for OAM). */
  voeOps: { create: number; update: number; delete: number };
}

export interface OamRecord<T> {
  /** Manager clock when the call finished, ns. */
  atNs: number;
  result: T;
}

/** The read side `manager.operations` exposes. */
export interface OperationsView {
  /** Counts since the manager was created, by kind. */
  totals(): Readonly<Record<OperationKind, Readonly<OperationTotals>>>;
  /** The last successful loopback / linktrace per MEP key (kept for MEPs that have left too). */
  lastResults<K extends OamKind>(kind: K): ReadonlyMap<string, OamRecord<OperationResults[K]>>;
}

export class OperationLog implements OperationsView {
  private readonly listeners = new Set<OperationListener>();
  private readonly counts: Record<OperationKind, OperationTotals> = { apply: zero(), change: zero(), loopback: zero(), linktrace: zero() };
  private readonly last = { loopback: new Map<string, OamRecord<LoopbackResult>>(), linktrace: new Map<string, OamRecord<LinktraceResult>>() };

  constructor(private readonly nowNs: () => number) {}

  on(fn: OperationListener): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  totals(): Readonly<Record<OperationKind, Readonly<OperationTotals>>> {
    return this.counts;
  }

  lastResults<K extends OamKind>(kind: K): ReadonlyMap<string, OamRecord<OperationResults[K]>> {
    return this.last[kind] as Map<string, OamRecord<OperationResults[K]>>;
  }

  /** Run `fn` as one operation of `kind`: count it, time it, tell the listeners, pass its outcome on. */
  async run<K extends OperationKind>(kind: K, mepKey: OperationBase<K>['mepKey'], fn: () => Promise<OperationResults[K]>): Promise<OperationResults[K]> {
    const t0 = process.hrtime.bigint();
    const base = () => ({ kind, mepKey, atNs: this.nowNs(), durationNs: Number(process.hrtime.bigint() - t0) });
    let result: OperationResults[K];
    try {
      result = await fn();
    } catch (e) {
      this.finish({ ...base(), ok: false, error: summarize(e) } as OperationEvent);
      throw e;
    }
    this.finish({ ...base(), ok: true, result } as OperationEvent);
    return result;
  }

  private finish(e: OperationEvent): void {
    const t = this.counts[e.kind];
    t.count++;
    t.lastDurationNs = e.durationNs;
    if (!e.ok) t.failed++;
    else if (e.kind === 'apply' || e.kind === 'change') for (const op of e.result.ops) t.voeOps[op.kind]++;
    else if (e.kind === 'loopback') this.last.loopback.set(e.mepKey, { atNs: e.atNs, result: e.result });
    else this.last.linktrace.set(e.mepKey, { atNs: e.atNs, result: e.result });
    for (const l of this.listeners) {
      // an observer's bug must not turn a finished operation into a failed one
      try {
        l(e);
      } catch (err) {
        process.emitWarning(`cfm offload: operation listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function zero(): OperationTotals {
  return { count: 0, failed: 0, lastDurationNs: -1, voeOps: { create: 0, update: 0, delete: 0 } };
}

function summarize(e: unknown): OperationErrorSummary {
  if (e instanceof CfmError) return { code: e.code, message: e.message };
  return { code: null, message: e instanceof Error ? e.message : String(e) };
}
