/**
 * What telemetry needs from a running manager beyond `status()`: the manager's own apply and
 * change counts and durations, the last loopback / linktrace result per MEP, Y.1731 delay and
 * loss results handed in by the caller, and FNG alarms as they are raised.
 *
 * Counts and the last OAM results come from the manager's operation record
 * (`manager.operations`, src/offload/operations.ts), kept since the manager started; apply /
 * change durations for the histogram from its hook (`manager.onOperation`), from the moment
 * telemetry starts. One observer per manager: telemetry's metrics and AgentX share it
 * (observe()), so a DM / LM result recorded once shows in both.
 */
import type { FaultEvent } from '../engine/events.js';
import type { LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceResult } from '../engine/mep-lt.js';
import type { DelayResult, LossResult } from '../engine/mep-y1731.js';
import type { OffloadManager } from '../offload/manager.js';
import type { OamRecord } from '../offload/operations.js';
import { asDelayResult, asLossResult } from '../offload/y1731/results.js';

export type { OamRecord } from '../offload/operations.js';

export type ApplyKind = 'apply' | 'change';

export interface ApplyStats {
  count: number;
  failed: number;
  /** Duration of the last finished call, seconds (-1: none yet). */
  lastDurationS: number;
  /** VOE operations the reconciler ran, by kind. */
  ops: { create: number; update: number; delete: number };
}

type AlarmListener = (e: FaultEvent) => void;
type ApplyListener = (kind: ApplyKind, durationS: number, ok: boolean) => void;

export class ManagerObserver {
  /** Live result objects: engine sessions keep filling them while replies arrive. */
  readonly delays = new Map<string, DelayResult>();
  readonly losses = new Map<string, LossResult>();
  private readonly alarmListeners = new Set<AlarmListener>();
  private readonly applyListeners = new Set<ApplyListener>();
  private readonly undo: Array<() => void> = [];
  private users = 0;

  constructor(readonly manager: OffloadManager) {
    this.undo.push(manager.onOperation((e) => {
      if (e.kind !== 'apply' && e.kind !== 'change') return;
      for (const l of this.applyListeners) l(e.kind, e.durationNs / 1e9, e.ok);
    }));
    // 802.1Q 20.35: an FNG alarm is the fault notification (dot1agCfmFaultAlarm).
    this.undo.push(manager.onFault((e) => {
      if (e.type === 'alarm') for (const l of this.alarmListeners) l(e);
    }));
    // Y.1731 tests and PM intervals of the manager as they finish (docs/y1731.md).
    this.undo.push(manager.y1731.onResult((key, r) => {
      if (r.kind === 'dmm' || r.kind === '1dm') this.recordDelay(key, asDelayResult(r));
      else if (r.kind === 'lmm' || r.kind === 'slm') this.recordLoss(key, asLossResult(r));
    }));
  }

  /** Apply / change counts since the manager started. */
  get applies(): Record<ApplyKind, ApplyStats> {
    const t = this.manager.operations.totals();
    const stats = (k: ApplyKind): ApplyStats => ({
      count: t[k].count,
      failed: t[k].failed,
      lastDurationS: t[k].lastDurationNs < 0 ? -1 : t[k].lastDurationNs / 1e9,
      ops: { ...t[k].voeOps },
    });
    return { apply: stats('apply'), change: stats('change') };
  }

  /** The last loopback per MEP key since the manager started. */
  get loopbacks(): ReadonlyMap<string, OamRecord<LoopbackResult>> {
    return this.manager.operations.lastResults('loopback');
  }

  /** The last linktrace per MEP key since the manager started. */
  get linktraces(): ReadonlyMap<string, OamRecord<LinktraceResult>> {
    return this.manager.operations.lastResults('linktrace');
  }

  onAlarm(fn: AlarmListener): () => void {
    this.alarmListeners.add(fn);
    return () => this.alarmListeners.delete(fn);
  }

  /** Every finished apply / change with its duration (the metrics histogram). */
  onApply(fn: ApplyListener): () => void {
    this.applyListeners.add(fn);
    return () => this.applyListeners.delete(fn);
  }

  /** Record a Y.1731 DM / 1DM result (the live object from Y1731.startDmm) for MEP `key`. */
  recordDelay(key: string, r: DelayResult): void {
    this.delays.set(key, r);
  }

  /** Record a Y.1731 LM / SLM result (the live object from Y1731.startLmm / startSlm). */
  recordLoss(key: string, r: LossResult): void {
    this.losses.set(key, r);
  }

  /** Take a reference (metrics and AgentX share one observer); the last release() unsubscribes. */
  retain(): this {
    this.users++;
    return this;
  }

  release(): void {
    if (--this.users > 0) return;
    observers.delete(this.manager);
    for (const u of this.undo.splice(0).reverse()) u();
  }
}

const observers = new WeakMap<OffloadManager, ManagerObserver>();

/** The observer of `manager` (created on first use); call release() when done with it. */
export function observe(manager: OffloadManager): ManagerObserver {
  let o = observers.get(manager);
  if (!o) {
    o = new ManagerObserver(manager);
    observers.set(manager, o);
  }
  return o.retain();
}
