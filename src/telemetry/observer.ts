/**
 * What telemetry needs from a running manager beyond `status()`: the manager's own apply and
 * change counts and durations, the last loopback / linktrace result per MEP, Y.1731 delay and
 * loss results handed in by the caller, and FNG alarms as they are raised.
 *
 * The manager has no hooks for the first two, so the observer wraps the instance's `apply`,
 * `change`, `loopback` and `linktrace` methods (every caller, including the control socket's
 * OAM handlers, goes through them) and puts the originals back on `stop()`. One observer per
 * manager: telemetry's metrics and AgentX share it (observe()).
 */
import type { FaultEvent } from '../engine/events.js';
import type { LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceResult } from '../engine/mep-lt.js';
import type { DelayResult, LossResult } from '../engine/mep-y1731.js';
import type { OffloadManager } from '../offload/manager.js';

export type ApplyKind = 'apply' | 'change';

export interface ApplyStats {
  count: number;
  failed: number;
  /** Duration of the last finished call, seconds (-1: none yet). */
  lastDurationS: number;
  /** VOE operations the reconciler ran, by kind. */
  ops: { create: number; update: number; delete: number };
}

export interface OamRecord<T> {
  /** Manager clock time the call finished, ns. */
  atNs: number;
  result: T;
}

type AlarmListener = (e: FaultEvent) => void;
type ApplyListener = (kind: ApplyKind, durationS: number, ok: boolean) => void;

export class ManagerObserver {
  readonly applies: Record<ApplyKind, ApplyStats> = { apply: emptyStats(), change: emptyStats() };
  readonly loopbacks = new Map<string, OamRecord<LoopbackResult>>();
  readonly linktraces = new Map<string, OamRecord<LinktraceResult>>();
  /** Live result objects: engine sessions keep filling them while replies arrive. */
  readonly delays = new Map<string, DelayResult>();
  readonly losses = new Map<string, LossResult>();
  private readonly alarmListeners = new Set<AlarmListener>();
  private readonly applyListeners = new Set<ApplyListener>();
  private readonly undo: Array<() => void> = [];
  private users = 0;

  constructor(readonly manager: OffloadManager) {
    const m = manager;
    const apply = m.apply;
    const change = m.change;
    const loopback = m.loopback;
    const linktrace = m.linktrace;
    m.apply = (model, opts) => this.timed('apply', () => apply.call(m, model, opts));
    m.change = (c, opts) => this.timed('change', () => change.call(m, c, opts));
    m.loopback = async (key, o) => {
      const r = await loopback.call(m, key, o);
      this.loopbacks.set(key, { atNs: m.clock.nowNs(), result: r });
      return r;
    };
    m.linktrace = async (key, o) => {
      const r = await linktrace.call(m, key, o);
      this.linktraces.set(key, { atNs: m.clock.nowNs(), result: r });
      return r;
    };
    this.undo.push(() => {
      m.apply = apply;
      m.change = change;
      m.loopback = loopback;
      m.linktrace = linktrace;
    });
    // 802.1Q 20.35: an FNG alarm is the fault notification (dot1agCfmFaultAlarm).
    this.undo.push(m.onFault((e) => {
      if (e.type === 'alarm') for (const l of this.alarmListeners) l(e);
    }));
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

  private async timed<T extends { ops: Array<{ kind: 'create' | 'update' | 'delete' }> }>(kind: ApplyKind, fn: () => Promise<T>): Promise<T> {
    const s = this.applies[kind];
    const t0 = process.hrtime.bigint();
    const done = (ok: boolean) => {
      s.count++;
      if (!ok) s.failed++;
      s.lastDurationS = Number(process.hrtime.bigint() - t0) / 1e9;
      for (const l of this.applyListeners) l(kind, s.lastDurationS, ok);
    };
    try {
      const r = await fn();
      for (const op of r.ops) s.ops[op.kind]++;
      done(true);
      return r;
    } catch (e) {
      done(false);
      throw e;
    }
  }

  /** Take a reference (metrics and AgentX share one observer); the last release() unwraps. */
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

function emptyStats(): ApplyStats {
  return { count: 0, failed: 0, lastDurationS: -1, ops: { create: 0, update: 0, delete: 0 } };
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
