/**
 * The Y.1731 operator functions of a manager (OffloadManager.y1731, docs/y1731.md): on-demand
 * tests from any of its MEPs (hardware MEPs through their engine part, whose VOE punts the
 * replies), and what its MEPs received of tests without replies (TST counts, 1DM delays).
 * Kept out of manager.ts: the manager hands over the few things it owns (the clock, the engine
 * MEP of a key, a hardware MEP's peer MAC from its VOE).
 */
import type { Clock } from '../../common/clock.js';
import { CfmError } from '../../common/errors.js';
import type { Mep } from '../../engine/mep.js';
import { clearTestRx, testRxOf } from '../../engine/mep-tst.js';
import { normMac } from '../../engine/wire.js';
import { watchVirtualClock } from '../virtual-wait.js';
import { OwnedClock } from '../owned-clock.js';
import type { CfmModel } from '../../config/model.js';
import { FaultSignals, type SignalHost } from './signals.js';
import { PmSessions } from './pm-store.js';
import type { PmSessionStatus } from './pm.js';
import type { ResultListener } from './results.js';
import type { MepPlan } from '../types.js';
import { voePmOf } from './hw-pm.js';

const baseOf = (c: Clock): Clock => (c instanceof OwnedClock ? c.base : c);
import { TestSession } from '../../engine/y1731-test.js';
import { delayStats } from '../../engine/y1731-stats.js';
import type { TestKind, TestRxResult, Y1731TestOptions, Y1731TestResult } from './types.js';
import { checkTestOptions, testRequest } from './validate.js';

/** What the service needs of its manager. */
export interface Y1731Host {
  /** The clock tests wait on (a VirtualClock needs advancing). */
  clock(): Clock;
  /** The engine MEP of `key` (USAGE error naming the MEPs when there is none). */
  mep(key: string): Mep;
  /** A hardware MEP's remote MEP MAC from its VOE (undefined for software MEPs). */
  peerMac(key: string, mepId: number): Promise<string | undefined>;
}

/** Everything the manager hands over: tests (Y1731Host) and fault signalling (SignalHost). */
export type Y1731ManagerHost = Y1731Host & Omit<SignalHost, 'clock'> & {
  /** The plan of a MEP (its DM / LM function placement says where PM could run). */
  planOf?(key: string): MepPlan | undefined;
};

/**
 * Where a PM session of a MEP runs, from the plan's DM / LM function placement: DMM sessions of a
 * MEP whose DM the plan puts in hardware are timestamped by its VOE, LMM sessions of a MEP whose
 * LM it puts there are counted by the VOE (y1731/hw-pm.ts); SLM always runs on the CPU (Y.1731
 * 8.1.3: the MEPs count their own SLM / SLR frames).
 */
export function pmPlacement(plan: MepPlan | undefined, type: 'dmm' | 'lmm' | 'slm'): { placement: 'software' | 'hardware'; reason: string } {
  const f = plan?.functions[type === 'dmm' ? 'dm' : 'lm'];
  if (!f) return { placement: 'software', reason: 'runs on the CPU' };
  if (f.placement === 'software') return { placement: 'software', reason: f.reason ?? 'runs on the CPU' };
  if (type === 'dmm') return { placement: 'hardware', reason: 'the VOE timestamps DMM/DMR at the wire (Y.1731 8.2)' };
  if (type === 'slm') return { placement: 'software', reason: 'SLM/SLR frames are counted by the MEPs on the CPU (Y.1731 8.1.3)' };
  return { placement: 'hardware', reason: 'the VOE counts LM frames at the wire (Y.1731 8.1)' };
}

const NAMES: Record<TestKind, string> = { dmm: 'two-way delay test', '1dm': 'one-way delay test', lmm: 'loss test', slm: 'synthetic loss test', tst: 'test-signal test' };

export class Y1731Service {
  private readonly running = new Set<TestSession>();
  private readonly resultListeners = new Set<ResultListener>();
  /** AIS / LCK / CSF from the configuration (signals.ts). */
  readonly signals: FaultSignals;
  /** Proactive PM sessions from the configuration (pm-store.ts). */
  readonly pm: PmSessions;

  constructor(private readonly host: Y1731ManagerHost) {
    this.signals = new FaultSignals({ ...host, clock: () => host.clock() });
    this.pm = new PmSessions({
      clock: () => host.clock(), findMep: (k) => host.findMep(k), peerMac: (k, id) => this.peerMacOf(k, id),
      placementOf: (k, type) => pmPlacement(host.planOf?.(k), type),
    });
    this.pm.onInterval = (key, r) => this.emitResult(key, r);
  }

  /**
   * Every finished result: an on-demand test when it ends, a PM session's measurement interval
   * when it completes (telemetry records them: src/telemetry observer). Returns unsubscribe.
   */
  onResult(fn: ResultListener): () => void {
    this.resultListeners.add(fn);
    return () => this.resultListeners.delete(fn);
  }

  private emitResult(key: string, r: Y1731TestResult): void {
    for (const l of this.resultListeners) l(key, r);
  }

  /** Keep PM state in the manager's state dir (a warm restart carries the history over). */
  setStateDir(dir: string | null): void {
    this.pm.setStateDir(dir);
  }

  /**
   * After every apply or change: fault signalling and PM sessions follow the model, for the MEPs
   * of `scope` (a change: the keys it may have changed) or every MEP (null: a full apply).
   */
  sync(model: CfmModel, switchName: string, scope: ReadonlySet<string> | null = null): void {
    this.signals.sync(model, switchName, scope);
    this.pm.sync(model, switchName, scope);
  }

  /** PM sessions (of one MEP, or all) with their current interval and history. */
  pmShow(mepKey?: string): PmSessionStatus[] {
    return this.pm.show(mepKey);
  }

  /** A peer's MAC: the VOE's CCM database for a hardware MEP, else the engine's; undefined while unknown. */
  private async peerMacOf(key: string, mepId: number): Promise<string | undefined> {
    const hw = await this.host.peerMac(key, mepId);
    return hw ?? this.host.findMep(key)?.findRemote(mepId)?.mac ?? undefined;
  }

  /** Run one on-demand test from MEP `key`; resolves with its result when it ends. */
  async test(key: string, kind: TestKind, o: Y1731TestOptions = {}): Promise<Y1731TestResult> {
    checkTestOptions(kind, o);
    const m = this.host.mep(key);
    const target = await this.target(key, m, o);
    // a test of a MEP whose VOE stamps DM / counts LM frames reads what the VOE wrote (hw-pm.ts)
    const hw = voePmOf(this.host.planOf?.(key));
    const s = new TestSession(m, kind, { ...o, target, hwLm: kind === 'lmm' && hw.lm, hwDm: kind === 'dmm' && hw.dm });
    const where = kind === 'tst' ? { placement: 'software' as const, reason: 'TST runs on the CPU' }
      : pmPlacement(this.host.planOf?.(key), kind === '1dm' ? 'dmm' : kind);
    this.running.add(s);
    s.onDone((r) => {
      r.placement = where;
      this.running.delete(s);
      this.emitResult(key, r);
    });
    s.start();
    return watchVirtualClock(baseOf(this.host.clock()), new Promise<Y1731TestResult>((resolve) => s.onDone(resolve)), `${NAMES[kind]} from ${key}`);
  }

  dm(key: string, o: Y1731TestOptions & { oneWay?: boolean } = {}): Promise<Y1731TestResult> {
    const { oneWay, ...rest } = o;
    return this.test(key, oneWay ? '1dm' : 'dmm', rest);
  }

  lm(key: string, o: Y1731TestOptions = {}): Promise<Y1731TestResult> {
    return this.test(key, 'lmm', o);
  }

  slm(key: string, o: Y1731TestOptions = {}): Promise<Y1731TestResult> {
    return this.test(key, 'slm', o);
  }

  tst(key: string, o: Y1731TestOptions = {}): Promise<Y1731TestResult> {
    return this.test(key, 'tst', o);
  }

  /** What MEP `key` received of TST and 1DM tests, per source MAC (the current receive sessions). */
  received(key: string, o: { clear?: boolean } = {}): TestRxResult {
    const m = this.host.mep(key);
    const rx = testRxOf(m);
    if (o.clear) clearTestRx(m);
    return {
      mep: key,
      tst: rx.tst.map(({ fromMac, received, outOfOrder, errored, withoutTestTlv, lastSeq }) => ({ fromMac, received, outOfOrder, errored, withoutTestTlv, lastSeq })),
      oneWay: rx.oneWay.map((r) => ({ fromMac: r.fromMac, received: r.received, outOfOrder: r.outOfOrder, delay: delayStats(r.delaysNs) })),
    };
  }

  /**
   * A control-socket request (src/offload/control.ts {"cmd":"y1731"}): `{"mep":KEY,"test":KIND,...}`
   * runs a test, `{"mep":KEY,"received":true[,"clear":true]}` reads the receive side.
   */
  async request(req: Record<string, unknown>): Promise<unknown> {
    const key = req.mep;
    if (req.pm !== undefined) {
      if (req.pm !== 'show') throw new CfmError('USAGE', `y1731: "pm" must be "show", not ${JSON.stringify(req.pm)}`);
      if (key !== undefined && (typeof key !== 'string' || !/^[^/]+\/[^/]+\/\d+$/.test(key))) throw new CfmError('USAGE', `y1731: "mep" must be a MEP key "<md>/<ma>/<mepid>", not ${JSON.stringify(key)}`);
      return this.pmShow(key as string | undefined);
    }
    if (typeof key !== 'string' || !/^[^/]+\/[^/]+\/\d+$/.test(key)) throw new CfmError('USAGE', `y1731: "mep" must be a MEP key "<md>/<ma>/<mepid>", not ${JSON.stringify(key)}`);
    if (req.received === true) {
      if (req.clear !== undefined && typeof req.clear !== 'boolean') throw new CfmError('USAGE', 'y1731: "clear" must be true or false');
      return this.received(key, { clear: req.clear === true });
    }
    const { kind, options } = testRequest(req);
    return this.test(key, kind, options);
  }

  /** End every running test and signal (the manager closes). */
  stop(): void {
    this.signals.stop();
    this.pm.stop();
    for (const s of [...this.running]) s.stop();
  }

  private async target(key: string, m: Mep, o: Y1731TestOptions): Promise<string> {
    if (o.target !== undefined) return normMac(o.target);
    const id = o.targetMepId!;
    const hw = await this.host.peerMac(key, id);
    if (hw) return hw;
    const r = m.findRemote(id);
    if (!r) throw new CfmError('USAGE', `MEP ${key}: MEP ${id} is not a remote MEP of its MA`);
    if (r.mac === null) throw new CfmError('USAGE', `MEP ${key}: remote MEP ${id} has no MAC in the CCM database`);
    return r.mac;
  }
}
