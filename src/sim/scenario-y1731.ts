/**
 * `cfm sim` scenario steps for the Y.1731 tests (docs/y1731.md, docs/sim.md): `y1731` runs any
 * on-demand test (dmm, 1dm, lmm, slm, tst) through the engine's TestSession and checks its
 * result; `test-rx` checks what a MEP received of the tests without replies (TST, 1DM).
 *
 *   - at: 2s
 *     y1731: { test: dmm, mep: md1/ma1/1, target-mep-id: 2, count: 10, interval: 100ms,
 *              expect: { completed: true, received: 10, delay: [1ms, 2ms], ifdv-max: [0, 1ms] } }
 *   - at: 4s
 *     test-rx: { mep: md1/ma1/2, expect: { tst-received: 10, tst-errored: 0 } }
 */
import type { Bounds } from './scenario-types.js';
import { bool, bounds, dur, fmtBounds, int, known, mac, rate, str, type Err, type Obj } from './scenario-parse-util.js';
import { fmtS, mepOf, stepIo, type World } from './scenario-world.js';
import type { ScenarioStep } from './scenario-types.js';
import { TestSession } from '../engine/y1731-test.js';
import { testRxOf } from '../engine/mep-tst.js';
import { delayStats } from '../engine/y1731-stats.js';
import { TEST_KINDS, type TestKind, type Y1731TestOptions, type Y1731TestResult } from '../engine/y1731-test-types.js';

export interface Y1731Expect {
  completed?: boolean;
  received?: Bounds;
  outOfOrder?: Bounds;
  errored?: Bounds;
  /** Every measured frame delay in bounds, ns. */
  delayNs?: Bounds;
  ifdvMaxNs?: Bounds;
  farEndLoss?: Bounds;
  nearEndLoss?: Bounds;
  farEndRatio?: Bounds;
  nearEndRatio?: Bounds;
}

export interface TestRxExpect {
  /** Only the frames from this source MAC (default: the one source there is). */
  from?: string;
  tstReceived?: Bounds;
  tstErrored?: Bounds;
  tstOutOfOrder?: Bounds;
  oneWayReceived?: Bounds;
  /** Every one-way delay (min and max) in bounds, ns. */
  oneWayDelayNs?: Bounds;
}

export type Y1731Action =
  | { kind: 'y1731'; test: TestKind; mep: string; targetMepId?: number; options: Y1731TestOptions; expect?: Y1731Expect }
  | { kind: 'test-rx'; mep: string; expect: TestRxExpect };

const PATTERNS: Record<string, number> = { null: 0, 'null-crc': 1, prbs: 2, 'prbs-crc': 3 };

export function parseY1731Step(x: Obj, w: string, err: Err): Y1731Action {
  known(x, ['test', 'mep', 'target', 'target-mep-id', 'count', 'interval', 'priority', 'data-size', 'test-pattern', 'test-size', 'timeout', 'test-id', 'expect'], w, err);
  const test = str(x.test, `${w}.test`, err) as TestKind;
  if (!TEST_KINDS.includes(test)) err(`${w}.test`, `one of ${TEST_KINDS.join(', ')}`);
  if ((x.target === undefined) === (x['target-mep-id'] === undefined)) err(w, 'give target (MAC) or target-mep-id');
  const o: Y1731TestOptions = { count: x.count === undefined ? 10 : int(x.count, `${w}.count`, err, 1, 100_000) };
  if (x.target !== undefined) o.target = mac(x.target, `${w}.target`, err);
  if (x.interval !== undefined) o.intervalMs = dur(x.interval, `${w}.interval`, err) / 1e6;
  if (x.priority !== undefined) o.priority = int(x.priority, `${w}.priority`, err, 0, 7);
  if (x['data-size'] !== undefined) o.dataSize = int(x['data-size'], `${w}.data-size`, err, 1, 1460);
  if (x['test-pattern'] !== undefined || x['test-size'] !== undefined) {
    const p = PATTERNS[String(x['test-pattern'] ?? 'null')];
    if (p === undefined) err(`${w}.test-pattern`, 'one of null, null-crc, prbs, prbs-crc');
    o.test = { patternType: p, length: x['test-size'] === undefined ? 64 : int(x['test-size'], `${w}.test-size`, err, 1, 1456) };
  }
  if (x.timeout !== undefined) o.timeoutMs = dur(x.timeout, `${w}.timeout`, err) / 1e6;
  if (x['test-id'] !== undefined) o.testId = int(x['test-id'], `${w}.test-id`, err, 0, 0xffffffff);
  const a: Y1731Action = { kind: 'y1731', test, mep: str(x.mep, `${w}.mep`, err), options: o };
  if (x['target-mep-id'] !== undefined) a.targetMepId = int(x['target-mep-id'], `${w}.target-mep-id`, err, 1, 8191);
  if (x.expect !== undefined) {
    const e = x.expect as Obj;
    const ew = `${w}.expect`;
    known(e, ['completed', 'received', 'out-of-order', 'errored', 'delay', 'ifdv-max', 'far-end-loss', 'near-end-loss', 'far-end-ratio', 'near-end-ratio'], ew, err);
    const n = (v: unknown, ww: string) => int(v, ww, err, 0, 1e9);
    const d = (v: unknown, ww: string) => dur(v, ww, err);
    const r = (v: unknown, ww: string) => rate(v, ww, err);
    const ex: Y1731Expect = {};
    if (e.completed !== undefined) ex.completed = bool(e.completed, `${ew}.completed`, err);
    for (const [k, f, one] of [['received', 'received', n], ['out-of-order', 'outOfOrder', n], ['errored', 'errored', n], ['delay', 'delayNs', d], ['ifdv-max', 'ifdvMaxNs', d],
      ['far-end-loss', 'farEndLoss', n], ['near-end-loss', 'nearEndLoss', n], ['far-end-ratio', 'farEndRatio', r], ['near-end-ratio', 'nearEndRatio', r]] as const) {
      if (e[k] !== undefined) (ex as Record<string, Bounds>)[f] = bounds(e[k], `${ew}.${k}`, err, one);
    }
    a.expect = ex;
  }
  return a;
}

export function parseTestRxStep(x: Obj, w: string, err: Err): Y1731Action {
  known(x, ['mep', 'expect'], w, err);
  const e = (x.expect ?? {}) as Obj;
  const ew = `${w}.expect`;
  known(e, ['from', 'tst-received', 'tst-errored', 'tst-out-of-order', 'one-way-received', 'one-way-delay'], ew, err);
  const n = (v: unknown, ww: string) => int(v, ww, err, 0, 1e9);
  const ex: TestRxExpect = {};
  if (e.from !== undefined) ex.from = mac(e.from, `${ew}.from`, err);
  for (const [k, f] of [['tst-received', 'tstReceived'], ['tst-errored', 'tstErrored'], ['tst-out-of-order', 'tstOutOfOrder'], ['one-way-received', 'oneWayReceived']] as const) {
    if (e[k] !== undefined) (ex as Record<string, Bounds>)[f] = bounds(e[k], `${ew}.${k}`, err, n);
  }
  if (e['one-way-delay'] !== undefined) ex.oneWayDelayNs = bounds(e['one-way-delay'], `${ew}.one-way-delay`, err, (v, ww) => dur(v, ww, err));
  return { kind: 'test-rx', mep: str(x.mep, `${w}.mep`, err), expect: ex };
}

/** When a y1731 step's result is in: the frames plus the reply timeout (two-way tests). */
export function y1731SpanNs(a: Y1731Action): number {
  if (a.kind !== 'y1731') return 0;
  const o = a.options;
  const twoWay = a.test === 'dmm' || a.test === 'lmm' || a.test === 'slm';
  return ((o.count ?? 10) - 1) * (o.intervalMs ?? 1000) * 1e6 + (twoWay ? (o.timeoutMs ?? 5000) * 1e6 : 0) + 1;
}

export function describeY1731(a: Y1731Action): string {
  if (a.kind === 'test-rx') return `test-rx at ${a.mep}`;
  return `${a.test} from ${a.mep} to ${a.options.target ?? `MEP ${a.targetMepId}`} x${a.options.count ?? 10}`;
}

const ms = (n: number): string => `${+(n / 1e6).toFixed(6)}ms`;

function check(p: string[], what: string, got: number | null | undefined, b: Bounds | undefined, unit?: (n: number) => string): void {
  if (!b) return;
  if (got === null || got === undefined) p.push(`${what}: not measured, expected ${fmtBounds(b, unit)}`);
  else if (got < b[0] || got > b[1]) p.push(`${what} ${unit ? unit(got) : got}, expected ${fmtBounds(b, unit)}`);
}

export function y1731Problems(r: Y1731TestResult, e: Y1731Expect | undefined): string[] {
  const p: string[] = [];
  if (!e) return p;
  if (e.completed !== undefined && r.completed !== e.completed) p.push(`${r.kind} ${r.completed ? 'completed' : 'did not complete'}, expected ${e.completed ? 'completed' : 'not completed'}`);
  check(p, `${r.kind} received`, r.received, e.received);
  check(p, `${r.kind} out of order`, r.outOfOrder, e.outOfOrder);
  check(p, `${r.kind} errored`, r.errored, e.errored);
  if (e.delayNs) {
    if (!r.delaysNs?.length) p.push(`${r.kind}: no delay measured, expected ${fmtBounds(e.delayNs, ms)}`);
    else for (const d of r.delaysNs) check(p, `${r.kind} delay`, d, e.delayNs, ms);
  }
  check(p, `${r.kind} IFDV max`, r.delay?.ifdvMaxNs, e.ifdvMaxNs, ms);
  check(p, `${r.kind} far-end loss`, r.loss?.farEnd, e.farEndLoss);
  check(p, `${r.kind} near-end loss`, r.loss?.nearEnd, e.nearEndLoss);
  check(p, `${r.kind} far-end loss ratio`, r.loss?.farEndRatio, e.farEndRatio);
  check(p, `${r.kind} near-end loss ratio`, r.loss?.nearEndRatio, e.nearEndRatio);
  return p;
}

function resultText(r: Y1731TestResult): string {
  const parts = [`${r.kind}: sent ${r.sent}, received ${r.received} [${r.outOfOrder} out-of-order, ${r.errored} errored]`];
  if (r.delay) parts.push(`FD ${ms(r.delay.minNs)}/${ms(r.delay.avgNs)}/${ms(r.delay.maxNs)}${r.delay.ifdvMaxNs !== null ? `, IFDV max ${ms(r.delay.ifdvMaxNs)}` : ''}`);
  if (r.loss) parts.push(`loss far-end ${r.loss.farEnd}/${r.loss.farEndTx}, near-end ${r.loss.nearEnd}/${r.loss.nearEndTx}`);
  parts.push(r.completed ? 'completed' : 'not completed');
  return parts.join('; ');
}

export function runY1731Step(w: World, step: ScenarioStep, a: Y1731Action): void {
  const { record, fail } = stepIo(w, step);
  const m = mepOf(w, a.mep, step.where);
  if (a.kind === 'test-rx') {
    const rx = testRxOf(m);
    const e = a.expect;
    const pick = <T extends { fromMac: string }>(xs: T[]): T | undefined => (e.from ? xs.find((x) => x.fromMac === e.from) : xs[0]);
    const t = pick(rx.tst);
    const o = pick(rx.oneWay);
    const p: string[] = [];
    check(p, 'TST received', t?.received ?? 0, e.tstReceived);
    check(p, 'TST errored', t?.errored ?? 0, e.tstErrored);
    check(p, 'TST out of order', t?.outOfOrder ?? 0, e.tstOutOfOrder);
    check(p, '1DM received', o?.received ?? 0, e.oneWayReceived);
    const d = o ? delayStats(o.delaysNs) : null;
    check(p, '1DM min delay', d?.minNs, e.oneWayDelayNs, ms);
    check(p, '1DM max delay', d?.maxNs, e.oneWayDelayNs, ms);
    record('result', `received at ${a.mep}: TST ${t ? `${t.received} [${t.outOfOrder} out-of-order, ${t.errored} errored]` : 'none'}; 1DM ${o ? `${o.received}${d ? `, delay ${ms(d.minNs)}..${ms(d.maxNs)}` : ''}` : 'none'}`, { data: rx, ok: p.length === 0 });
    p.forEach(fail);
    return;
  }
  let target = a.options.target;
  if (target === undefined) {
    const mac = m.findRemote(a.targetMepId!)?.mac ?? null;
    if (mac === null) {
      fail(`MEP ${a.mep}: remote MEP ${a.targetMepId} has no MAC in the CCM database`);
      return;
    }
    target = mac;
  }
  const s = new TestSession(m, a.test, { ...a.options, target }).start();
  if (a.expect) w.pending.set(step.where, `${step.where} (${fmtS(step.atNs)}): the ${a.test} result did not come before the scenario ended at ${fmtS(w.sc.durationNs)} (make duration longer)`);
  s.onDone((r) => {
    w.pending.delete(step.where);
    const problems = y1731Problems(r, a.expect);
    record('result', resultText(r), { data: { ...r }, ...(a.expect ? { ok: problems.length === 0 } : {}) });
    problems.forEach(fail);
  });
}
