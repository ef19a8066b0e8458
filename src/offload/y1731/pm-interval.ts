/**
 * One measurement interval of a proactive PM session (MEF 35.1 / G.8013 "measurement interval"):
 * counts, frame delay and IFDV with their bins, near/far-end loss, and why the interval is
 * suspect (MEF 35.1 "suspect flag": the session measured less than the whole interval, or the
 * time-of-day clock stepped during it). Plain data, so it can be saved and restored.
 */
export type SuspectReason = 'started' | 'stopped' | 'restart' | 'clock-step' | 'counter-reset' | 'peer-unknown';

export interface PmAcc {
  /** Interval bounds on the time-of-day clock, ns since the epoch (aligned to the interval length). */
  startWallNs: number;
  endWallNs: number;
  /** Time measured in the interval, ns (the whole interval unless cut short). */
  measuredNs: number;
  reasons: SuspectReason[];
  sent: number;
  received: number;
  fdCount: number;
  fdSumNs: number;
  fdMinNs: number;
  fdMaxNs: number;
  ifdvCount: number;
  ifdvSumNs: number;
  ifdvMaxNs: number;
  fdBins: number[];
  ifdvBins: number[];
  farEndTx: number;
  farEndLoss: number;
  nearEndTx: number;
  nearEndLoss: number;
}

export interface PmIntervalResult {
  /** ISO times of the interval bounds. */
  start: string;
  end: string;
  startWallNs: number;
  measuredMs: number;
  suspect: boolean;
  reasons: SuspectReason[];
  sent: number;
  received: number;
  fd: { minNs: number; avgNs: number; maxNs: number } | null;
  ifdv: { avgNs: number; maxNs: number } | null;
  /** Counts per bin: [0,t1), [t1,t2), ..., [tn,∞). */
  fdBins: number[];
  ifdvBins: number[];
  loss: { farEndTx: number; farEnd: number; farEndRatio: number; nearEndTx: number; nearEnd: number; nearEndRatio: number } | null;
}

export function newAcc(startWallNs: number, lenNs: number, fdBins: number, ifdvBins: number): PmAcc {
  return {
    startWallNs, endWallNs: startWallNs + lenNs, measuredNs: 0, reasons: [], sent: 0, received: 0,
    fdCount: 0, fdSumNs: 0, fdMinNs: Infinity, fdMaxNs: -Infinity, ifdvCount: 0, ifdvSumNs: 0, ifdvMaxNs: 0,
    fdBins: new Array<number>(fdBins + 1).fill(0), ifdvBins: new Array<number>(ifdvBins + 1).fill(0),
    farEndTx: 0, farEndLoss: 0, nearEndTx: 0, nearEndLoss: 0,
  };
}

export function flag(a: PmAcc, r: SuspectReason): void {
  if (!a.reasons.includes(r)) a.reasons.push(r);
}

/** The bin of `valueNs` for thresholds in µs: the number of thresholds <= value. */
export function binOf(thresholdsUs: readonly number[], valueNs: number): number {
  let i = 0;
  while (i < thresholdsUs.length && valueNs >= thresholdsUs[i] * 1000) i++;
  return i;
}

export function addDelay(a: PmAcc, fdNs: number, fdBinsUs: readonly number[]): void {
  a.fdCount++;
  a.fdSumNs += fdNs;
  if (fdNs < a.fdMinNs) a.fdMinNs = fdNs;
  if (fdNs > a.fdMaxNs) a.fdMaxNs = fdNs;
  a.fdBins[binOf(fdBinsUs, fdNs)]++;
}

export function addVariation(a: PmAcc, vNs: number, ifdvBinsUs: readonly number[]): void {
  a.ifdvCount++;
  a.ifdvSumNs += vNs;
  if (vNs > a.ifdvMaxNs) a.ifdvMaxNs = vNs;
  a.ifdvBins[binOf(ifdvBinsUs, vNs)]++;
}

export function result(a: PmAcc, withLoss: boolean): PmIntervalResult {
  const iso = (ns: number) => new Date(Math.floor(ns / 1e6)).toISOString();
  return {
    start: iso(a.startWallNs), end: iso(a.endWallNs), startWallNs: a.startWallNs,
    measuredMs: Math.round(a.measuredNs / 1e6),
    suspect: a.reasons.length > 0, reasons: [...a.reasons],
    sent: a.sent, received: a.received,
    fd: a.fdCount ? { minNs: a.fdMinNs, avgNs: a.fdSumNs / a.fdCount, maxNs: a.fdMaxNs } : null,
    ifdv: a.ifdvCount ? { avgNs: a.ifdvSumNs / a.ifdvCount, maxNs: a.ifdvMaxNs } : null,
    fdBins: [...a.fdBins], ifdvBins: [...a.ifdvBins],
    loss: withLoss ? {
      farEndTx: a.farEndTx, farEnd: a.farEndLoss, farEndRatio: a.farEndTx ? a.farEndLoss / a.farEndTx : 0,
      nearEndTx: a.nearEndTx, nearEnd: a.nearEndLoss, nearEndRatio: a.nearEndTx ? a.nearEndLoss / a.nearEndTx : 0,
    } : null,
  };
}
