/** Delay and loss figures of Y.1731 8.1-8.2 from measured samples (shared by on-demand tests and PM sessions). */
import type { DelayStats, LossStats } from './y1731-test-types.js';

/** FD min/avg/max and IFDV (|FD(i) - FD(i-1)| of consecutive frames) of delays in send order; null when empty. */
export function delayStats(d: readonly number[]): DelayStats | null {
  if (d.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let vSum = 0;
  let vMax = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    if (i > 0) {
      const v = Math.abs(x - d[i - 1]);
      vSum += v;
      if (v > vMax) vMax = v;
    }
  }
  return { minNs: min, avgNs: sum / d.length, maxNs: max, ifdvAvgNs: d.length > 1 ? vSum / (d.length - 1) : null, ifdvMaxNs: d.length > 1 ? vMax : null };
}

/** Counter sample of one LMR (or SLR): Y.1731 8.1.2 TxFCf, RxFCf, TxFCb and the local RxFCl. */
export interface LmSample {
  txFCf: number;
  rxFCf: number;
  txFCb: number;
  rxFCl: number;
}

/** `later - earlier` of two readings of a 32-bit frame counter that may have wrapped (Y.1731 8.1). */
export function u32Diff(later: number, earlier: number): number {
  return (later - earlier) >>> 0;
}
const diff = u32Diff; // 32-bit counters wrap

/**
 * Loss between the first and the last sample (Y.1731 8.1.2 for LMM, 8.1.3 for SLM):
 *   far-end  = |TxFCf[tc] - TxFCf[tp]| - |RxFCf[tc] - RxFCf[tp]|   (SLM: - |TxFCb[tc] - TxFCb[tp]|)
 *   near-end = |TxFCb[tc] - TxFCb[tp]| - |RxFCl[tc] - RxFCl[tp]|
 * null with fewer than two samples (no interval to measure over).
 */
export function lossStats(s: readonly LmSample[], synthetic: boolean): LossStats | null {
  if (s.length < 2) return null;
  const a = s[0];
  const z = s[s.length - 1];
  const txF = diff(z.txFCf, a.txFCf);
  const rxF = synthetic ? diff(z.txFCb, a.txFCb) : diff(z.rxFCf, a.rxFCf);
  const txB = diff(z.txFCb, a.txFCb);
  const rxL = diff(z.rxFCl, a.rxFCl);
  const farEnd = Math.max(0, txF - rxF);
  const nearEnd = Math.max(0, txB - rxL);
  return { farEnd, nearEnd, farEndRatio: txF > 0 ? farEnd / txF : 0, nearEndRatio: txB > 0 ? nearEnd / txB : 0, farEndTx: txF, nearEndTx: txB };
}
