/**
 * A proactive performance-monitoring session (MEF 35.1, G.8013; docs/y1731.md): one MEP sends a
 * DMM, SLM or LMM to one peer every message period, for as long as the configuration says, and
 * accumulates the replies into measurement intervals aligned to the time-of-day clock (15 min
 * by default): frame delay and IFDV with their bins, far/near-end loss (Y.1731 8.1.2-8.1.3 over
 * consecutive replies). Completed intervals go to a bounded history.
 *
 * The session follows its MEP wherever it runs: it looks the engine MEP up at every message (a
 * move between hardware and software, or a restart, gives a new engine MEP; the session taps
 * the new one and, for LMM, starts its counters over and flags the interval).
 */
import type { Clock, TimerHandle } from '../../common/clock.js';
import type { PmSessionConfig } from '../../config/model.js';
import type { Mep } from '../../engine/mep.js';
import { tapPm } from '../../engine/pm-tap.js';
import { getTimestampNs, getU32 } from '../../engine/responders.js';
import { newestKey, voeRxFcl } from '../../engine/hw-stamps.js';
import { addDelay, addVariation, flag, newAcc, result, type PmAcc, type PmIntervalResult } from './pm-interval.js';
import { dmrDelayNs, fromTarget, testFrame, testPdu } from '../../engine/y1731-test.js';
import { macToBytes } from '../../engine/wire.js';
import type { LmSample } from '../../engine/y1731-stats.js';

/** Replies later than this count as lost (Y.1731 8.2: the DM / LM reply timeout, 5 s). */
const REPLY_TIMEOUT_NS = 5e9;
/** A time-of-day step larger than this against the monotonic clock flags the interval. */
const CLOCK_STEP_NS = 1e9;
const HALF = 2 ** 31;

export interface PmHost {
  clock(): Clock;
  /** Time of day, ns since the epoch (intervals align to it). */
  wallNs(): number;
  findMep(key: string): Mep | undefined;
  /** The peer's MAC for a target MEP id (engine CCM database or the VOE's), or undefined while unknown. */
  peerMac(key: string, mepId: number): Promise<string | undefined>;
  /** Where the session's frames are timestamped / counted and why (the plan's DM / LM placement). */
  placementOf?(mepKey: string, type: PmSessionConfig['type']): { placement: 'software' | 'hardware'; reason: string };
  /** A measurement interval was completed (the store saves; telemetry records it). */
  intervalEnded?(s: PmSession, interval: PmIntervalResult): void;
}

export interface PmSessionStatus {
  mep: string;
  id: string;
  type: PmSessionConfig['type'];
  target: string | null;
  state: 'running' | 'waiting-peer' | 'stopped';
  messagePeriodMs: number;
  measurementIntervalMin: number;
  fdBinsUs: number[];
  ifdvBinsUs: number[];
  current: PmIntervalResult;
  history: PmIntervalResult[];
  /** Where the session's frames are timestamped / counted: by the VOE (hardware) or the CPU, and why. */
  placement: 'software' | 'hardware';
  reason: string;
}

/** What a session saves across a warm restart (pm-store.ts). */
export interface PmSaved {
  config: string;
  acc: PmAcc;
  history: PmIntervalResult[];
}

interface Outstanding { sentNs: number; idx: number; acc: PmAcc }

export class PmSession {
  private acc: PmAcc;
  readonly history: PmIntervalResult[] = [];
  private msgTimer: TimerHandle | null = null;
  private boundaryTimer: TimerHandle | null = null;
  private untap: (() => void) | null = null;
  private tapped: Mep | null = null;
  private target: string | null;
  private targetBytes: Uint8Array | null = null;
  private lookup: Promise<void> | null = null;
  /** No VOE status read for the peer's MAC before this time (one every 10 s while unknown). */
  private nextLookupNs = 0;
  private idx = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  private last: { idx: number; fdNs: number } | null = null;
  private prevSample: LmSample | null = null;
  private slrs = 0;
  /** Time of day minus monotonic time at the last check (a change is a clock step). */
  private offsetNs: number;
  private lastMonoNs: number;
  private stopped = false;

  constructor(readonly mepKey: string, readonly cfg: PmSessionConfig, private readonly host: PmHost, restored?: PmSaved) {
    this.target = cfg.targetMac ?? null;
    const mono = host.clock().nowNs();
    this.lastMonoNs = mono;
    this.offsetNs = host.wallNs() - mono;
    this.acc = this.freshAcc();
    if (restored && restored.config === JSON.stringify(cfg)) this.restore(restored);
    else if (this.acc.startWallNs < host.wallNs()) flag(this.acc, 'started');
  }

  get key(): string {
    return `${this.mepKey}|${this.cfg.id}`;
  }

  private get lenNs(): number {
    return this.cfg.measurementIntervalMin * 60e9;
  }

  private freshAcc(): PmAcc {
    const w = this.host.wallNs();
    return newAcc(Math.floor(w / this.lenNs) * this.lenNs, this.lenNs, this.cfg.fdBinsUs.length, this.cfg.ifdvBinsUs.length);
  }

  /** Take over a saved state: history, and the interval in progress when it is still the current one. */
  private restore(s: PmSaved): void {
    this.history.push(...s.history.slice(-this.cfg.history));
    const acc = { ...s.acc, fdMinNs: s.acc.fdMinNs ?? Infinity, fdMaxNs: s.acc.fdMaxNs ?? -Infinity };
    flag(acc, 'restart');
    if (acc.startWallNs === this.acc.startWallNs) this.acc = acc;
    else {
      this.pushHistory(result(acc, this.cfg.type !== 'dmm'));
      flag(this.acc, 'restart');
    }
  }

  start(): this {
    const step = (): void => {
      this.msgTimer = this.host.clock().setTimer(this.cfg.messagePeriodMs * 1e6, step);
      this.tick();
    };
    this.armBoundary();
    step();
    return this;
  }

  stop(): void {
    if (this.stopped) return;
    this.account();
    this.stopped = true;
    flag(this.acc, 'stopped');
    this.msgTimer?.cancel();
    this.boundaryTimer?.cancel();
    this.untap?.();
    this.untap = null;
  }

  /** What to save now (the interval in progress included). */
  save(): PmSaved {
    this.account();
    return { config: JSON.stringify(this.cfg), acc: { ...this.acc, reasons: [...this.acc.reasons], fdBins: [...this.acc.fdBins], ifdvBins: [...this.acc.ifdvBins] }, history: [...this.history] };
  }

  status(): PmSessionStatus {
    this.account();
    const c = this.cfg;
    return {
      mep: this.mepKey, id: c.id, type: c.type, target: this.target,
      state: this.stopped ? 'stopped' : this.target === null ? 'waiting-peer' : 'running',
      messagePeriodMs: c.messagePeriodMs, measurementIntervalMin: c.measurementIntervalMin, fdBinsUs: [...c.fdBinsUs], ifdvBinsUs: [...c.ifdvBinsUs],
      current: result(this.acc, c.type !== 'dmm'), history: [...this.history],
      ...(this.host.placementOf?.(this.mepKey, c.type) ?? { placement: 'software', reason: 'runs on the CPU' }),
    };
  }

  // ---------------------------------------------------------------- time

  /** Measured time up to now; a time-of-day step flags the interval (MEF 35.1 suspect flag). */
  private account(): void {
    const mono = this.host.clock().nowNs();
    if (!this.stopped) this.acc.measuredNs += mono - this.lastMonoNs;
    this.lastMonoNs = mono;
    const off = this.host.wallNs() - mono;
    if (Math.abs(off - this.offsetNs) > CLOCK_STEP_NS) {
      flag(this.acc, 'clock-step');
      this.offsetNs = off;
      this.armBoundary();
    }
  }

  private armBoundary(): void {
    this.boundaryTimer?.cancel();
    const delayNs = Math.max(0, this.acc.endWallNs - this.host.wallNs());
    this.boundaryTimer = this.host.clock().setTimer(delayNs, () => this.rollOver());
  }

  private rollOver(): void {
    this.account();
    this.acc.measuredNs = Math.min(this.acc.measuredNs, this.lenNs);
    const done = result(this.acc, this.cfg.type !== 'dmm');
    this.pushHistory(done);
    this.acc = this.freshAcc();
    this.armBoundary();
    this.host.intervalEnded?.(this, done);
  }

  private pushHistory(r: PmIntervalResult): void {
    this.history.push(r);
    if (this.history.length > this.cfg.history) this.history.splice(0, this.history.length - this.cfg.history);
  }

  // ---------------------------------------------------------------- messages

  private tick(): void {
    this.account();
    this.expire();
    const m = this.host.findMep(this.mepKey);
    if (!m) return;
    if (m !== this.tapped) this.retap(m);
    if (this.target === null) {
      this.resolveTarget();
      if (this.target === null) {
        flag(this.acc, 'peer-unknown');
        return;
      }
    }
    this.targetBytes ??= macToBytes(this.target);
    const i = this.idx++;
    const c = this.cfg;
    const pdu = testPdu(m, c.type, i, { dataSize: c.dataSize, testId: c.testId });
    // DMM: keyed by the TxTimeStampf the frame carries (the DMR echoes it, Y.1731 8.2.2), not a
    // second clock reading, which on a real clock is later and would match no DMR.
    const txF = (pdu as { txTimestampF?: { seconds: number; nanoseconds: number } }).txTimestampF;
    const key = c.type === 'dmm' && txF ? txF.seconds * 1e9 + txF.nanoseconds : c.type === 'lmm' ? (pdu as { txFCf: number }).txFCf : i + 1;
    this.outstanding.set(key, { sentNs: m.ctx.clock.nowNs(), idx: i, acc: this.acc });
    this.acc.sent++;
    m.sendFrame(testFrame(m, { target: this.target, priority: c.priority }, pdu));
  }

  private retap(m: Mep): void {
    this.untap?.();
    const op = this.cfg.type === 'dmm' ? 46 : this.cfg.type === 'lmm' ? 42 : 54;
    this.untap = tapPm(m, (o, b, p, rxNs) => { if (o === op) this.onReply(b, p, rxNs); });
    if (this.tapped !== null && this.cfg.type === 'lmm') flag(this.acc, 'counter-reset'); // new engine MEP: its frame counters start over
    this.tapped = m;
    this.prevSample = null;
  }

  private resolveTarget(): void {
    const id = this.cfg.targetMepId;
    if (id === undefined || this.lookup) return;
    const mac = this.tapped?.findRemote(id)?.mac;
    if (mac) {
      this.target = mac;
      return;
    }
    const now = this.host.clock().nowNs();
    if (now < this.nextLookupNs) return;
    this.nextLookupNs = now + 10e9;
    this.lookup = this.host.peerMac(this.mepKey, id).then(
      (x) => { if (x) this.target = x; },
      () => undefined, // not known yet (no CCM): asked again at a later message
    ).finally(() => { this.lookup = null; });
  }

  private expire(): void {
    const now = this.host.clock().nowNs();
    for (const [k, o] of this.outstanding) {
      if (now - o.sentNs < REPLY_TIMEOUT_NS) break;
      this.outstanding.delete(k);
    }
  }

  private onReply(b: Uint8Array, p: number, rxNs: number): void {
    const c = this.cfg;
    if (this.targetBytes === null || !fromTarget(b, this.targetBytes)) return; // another session's peer
    if (c.type === 'slm' && (b.length < p + 20 || (((b[p + 4] << 8) | b[p + 5]) & 0x1fff) !== this.tapped?.cfg.mepId || getU32(b, p + 8) !== (c.testId ?? 1))) return;
    // A VOE counting LM frames rewrites TxFCf, one timestamping DM frames TxTimeStampf in its own
    // clock (docs/vendor-abi.md 5c): then the reply answers the newest frame awaiting one
    const hw = c.type !== 'slm' && this.host.placementOf?.(this.mepKey, c.type).placement === 'hardware';
    const hwLm = hw && c.type === 'lmm';
    let key = c.type === 'dmm' ? getTimestampNs(b, p + 4) : getU32(b, p + (c.type === 'slm' ? 12 : 4));
    if (hw && (hwLm || !this.outstanding.has(key))) key = newestKey(this.outstanding) ?? -1;
    const o = this.outstanding.get(key);
    if (!o) return;
    this.outstanding.delete(key);
    const acc = o.acc;
    acc.received++;
    if (c.type === 'dmm') {
      // Y.1731 8.2.2 on the frame's time-of-day / VOE stamps (y1731-test.ts dmrDelayNs)
      const fd = dmrDelayNs(this.tapped!.ctx.clock, b, p, rxNs);
      addDelay(acc, fd, c.fdBinsUs);
      // IFDV between frames consecutive in send order (MEF 10.3 / Y.1731 8.2)
      if (this.last && this.last.idx === o.idx - 1) addVariation(acc, Math.abs(fd - this.last.fdNs), c.ifdvBinsUs);
      this.last = { idx: o.idx, fdNs: fd };
      return;
    }
    if (c.type === 'slm') this.slrs++;
    const rxFCl = hwLm ? voeRxFcl(b, p) : c.type === 'lmm' ? this.tapped!.rxFrames : this.slrs;
    if (rxFCl === undefined) return; // the VOE wrote no RxFCl: no sample
    const s: LmSample = c.type === 'lmm'
      ? { txFCf: getU32(b, p + 4), rxFCf: getU32(b, p + 8), txFCb: getU32(b, p + 12), rxFCl }
      : { txFCf: key, rxFCf: 0, txFCb: getU32(b, p + 16), rxFCl };
    const prev = this.prevSample;
    this.prevSample = s;
    if (!prev) return;
    // Y.1731 8.1.2 / 8.1.3 between consecutive replies tp and tc
    const d = (a: number, z: number) => (a - z) >>> 0;
    const txF = d(s.txFCf, prev.txFCf);
    const rxF = c.type === 'lmm' ? d(s.rxFCf, prev.rxFCf) : d(s.txFCb, prev.txFCb);
    const txB = d(s.txFCb, prev.txFCb);
    const rxL = d(s.rxFCl, prev.rxFCl);
    if (txF >= HALF || rxF >= HALF || txB >= HALF || rxL >= HALF) {
      flag(acc, 'counter-reset'); // a reordered reply or a peer that restarted: no loss figure for this pair
      return;
    }
    acc.farEndTx += txF;
    acc.farEndLoss += Math.max(0, txF - rxF);
    acc.nearEndTx += txB;
    acc.nearEndLoss += Math.max(0, txB - rxL);
  }
}
