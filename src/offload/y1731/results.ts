/**
 * Finished Y.1731 results as telemetry records them (src/telemetry observer: recordDelay /
 * recordLoss take the engine's DelayResult / LossResult shape): on-demand tests when they end,
 * PM sessions at the end of each measurement interval.
 */
import type { DelayResult, LossResult } from '../../engine/mep-y1731.js';
import type { Y1731TestResult } from '../../engine/y1731-test-types.js';
import type { PmIntervalResult } from './pm-interval.js';
import type { PmSessionStatus } from './pm.js';

export type ResultListener = (mepKey: string, r: Y1731TestResult) => void;

/** A delay result (DMM, 1DM sender) in the shape of the engine's DelayResult. */
export function asDelayResult(r: Y1731TestResult): DelayResult {
  const d = r.delay ?? null;
  return {
    kind: r.kind === '1dm' ? '1dm' : 'dmm', sent: r.sent, received: r.received, delaysNs: [...(r.delaysNs ?? [])],
    minNs: d?.minNs ?? null, maxNs: d?.maxNs ?? null, avgNs: d?.avgNs ?? null, avgVariationNs: d?.ifdvAvgNs ?? null, done: r.done,
  };
}

/** A loss result (LMM, SLM) in the shape of the engine's LossResult. */
export function asLossResult(r: Y1731TestResult): LossResult {
  const l = r.loss ?? null;
  return {
    kind: r.kind === 'slm' ? 'slm' : 'lmm', sent: r.sent, received: r.received,
    farEndLoss: l?.farEnd ?? 0, nearEndLoss: l?.nearEnd ?? 0, farEndRatio: l?.farEndRatio ?? 0, nearEndRatio: l?.nearEndRatio ?? 0, done: r.done,
  };
}

/** A completed PM interval as a test result (what the last measurement of the MEP was). */
export function intervalAsResult(s: Pick<PmSessionStatus, 'mep' | 'type' | 'target'>, i: PmIntervalResult): Y1731TestResult {
  return {
    kind: s.type, mep: s.mep, target: s.target ?? '', sent: i.sent, received: i.received, outOfOrder: 0, errored: 0,
    ...(s.type === 'dmm' ? { delay: i.fd ? { ...i.fd, ifdvAvgNs: i.ifdv?.avgNs ?? null, ifdvMaxNs: i.ifdv?.maxNs ?? null } : null } : {}),
    ...(i.loss ? { loss: { farEnd: i.loss.farEnd, nearEnd: i.loss.nearEnd, farEndRatio: i.loss.farEndRatio, nearEndRatio: i.loss.nearEndRatio, farEndTx: i.loss.farEndTx, nearEndTx: i.loss.nearEndTx } } : {}),
    done: true, completed: !i.suspect && i.received > 0,
  };
}
