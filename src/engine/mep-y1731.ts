/**
 * Y.1731 functions of a MEP: AIS and LCK generation and reception with alarm suppression
 * (Y.1731 7.4, 7.6), CSF (7.7), and on-demand performance measurement: LMM/LMR (8.1.2), DMM/DMR
 * (8.2.2), 1DM (8.2.1), SLM/SLR (8.1.3). Created on first use so a plain CCM MEP stays small.
 *
 * AIS/LCK are sent at the client MEG level to the class 1 multicast address, away from the
 * server layer fault: a down MEP sends them into the relay, an up MEP out to the wire.
 * Reception sets the AIS/LCK condition for 3.5 periods; while it holds, the FNG still runs but
 * flags its alarms `suppressed` (the consequent action of AIS, G.8021 aAIS).
 */
import type { TimerHandle } from '../common/clock.js';
import { CfmError } from '../common/errors.js';
import { intervalNs, type IntervalCode } from '../common/interval.js';
import type { Pdu, Timestamp } from '../pdu/index.js';
import { buildFrame } from './frames.js';
import type { Mep } from './mep.js';
import type { MepConfig } from './types.js';
import { fieldClockNs, fieldDiffNs, todOf } from './dm-time.js';
import { getU32 } from './responders.js';
import { u32Diff } from './y1731-stats.js';
import { levelMcast, normMac } from './wire.js';

const CSF_TYPES = ['los', 'fdi', 'rdi', 'dci'] as const;
export type CsfType = 'los' | 'fdi' | 'rdi';

export interface PmOptions {
  targetMac?: string;
  targetMepId?: number;
  count?: number;       // default 10
  intervalMs?: number;  // default 1000
  testId?: number;      // SLM
}

export interface DelayResult {
  kind: 'dmm' | '1dm';
  sent: number;
  received: number;
  delaysNs: number[];
  minNs: number | null;
  maxNs: number | null;
  avgNs: number | null;
  /** Mean |d(i) - d(i-1)| (Y.1731 8.2 frame delay variation). */
  avgVariationNs: number | null;
  done: boolean;
}

export interface LossResult {
  kind: 'lmm' | 'slm';
  sent: number;
  received: number;
  /** Frames lost towards the peer / from the peer over the measurement. */
  farEndLoss: number;
  nearEndLoss: number;
  farEndRatio: number;
  nearEndRatio: number;
  done: boolean;
}

/** The time of day DM frames carry (Y.1731 8.2, PTP representation; dm-time.ts). */
function ts(m: Mep): Timestamp {
  return todOf(m.ctx.clock);
}
const ZERO: Timestamp = { seconds: 0, nanoseconds: 0 };

export function summarizeDelay(r: DelayResult): void {
  const d = r.delaysNs;
  r.received = d.length;
  if (d.length === 0) return;
  r.minNs = Math.min(...d);
  r.maxNs = Math.max(...d);
  r.avgNs = d.reduce((a, b) => a + b, 0) / d.length;
  if (d.length > 1) {
    let s = 0;
    for (let i = 1; i < d.length; i++) s += Math.abs(d[i] - d[i - 1]);
    r.avgVariationNs = s / (d.length - 1);
  }
}

interface LmSample { txFCf: number; rxFCf: number; txFCb: number; rxFCl: number }

export class Y1731 {
  aisActive = false;
  lckActive = false;
  csfType: string | null = null;
  /** One-way delays measured from received 1DMs, ns. */
  readonly oneWay: DelayResult = { kind: '1dm', sent: 0, received: 0, delaysNs: [], minNs: null, maxNs: null, avgNs: null, avgVariationNs: null, done: false };
  private aisClear: TimerHandle | null = null;
  private lckClear: TimerHandle | null = null;
  private csfClear: TimerHandle | null = null;
  private aisTx: TimerHandle | null = null;
  private lckTx: TimerHandle | null = null;
  private csfTx: TimerHandle | null = null;
  private dm: DelayResult | null = null;
  private lm: (LossResult & { samples: LmSample[] }) | null = null;
  private sl: (LossResult & { testId: number; lastTxFCf: number; lastTxFCb: number }) | null = null;
  private readonly slResponder = new Map<string, number>();
  /**
   * Signal fail detected outside the engine: the defects of a VOE whose CCM check runs in
   * hardware, set by the manager on the VOE's engine part (Y.1731 7.4.1: AIS on signal fail).
   */
  externalSignalFail = false;
  /** Test ID of the next SLM session without one given. */
  private nextTestId = 1;

  constructor(private readonly mep: Mep) {}

  stop(): void {
    for (const t of [this.aisClear, this.lckClear, this.csfClear, this.aisTx, this.lckTx, this.csfTx]) t?.cancel();
  }

  private get now(): number {
    return this.mep.ctx.clock.nowNs();
  }

  private condition(name: string, active: boolean): void {
    const m = this.mep;
    m.fng.suppressed = this.aisActive || this.lckActive;
    m.emit({ atNs: this.now, mep: m.key, type: 'condition', condition: name, active, highestDefect: m.fng.highestDefect, source: 'software' });
  }

  private periodNs(flags: number): number {
    const code = flags & 7;
    return intervalNs((code >= 1 && code <= 7 ? code : 4) as IntervalCode);
  }

  // ---------------------------------------------------------------- AIS / LCK reception

  receiveAis(b: Uint8Array, p: number): void {
    this.mep.counters.aisIn++;
    this.aisClear?.cancel();
    this.aisClear = this.mep.ctx.clock.setTimer(3.5 * this.periodNs(b[p + 2]), () => {
      this.aisClear = null;
      this.aisActive = false;
      this.condition('ais', false);
      this.signalFailChanged();
    });
    if (!this.aisActive) {
      this.aisActive = true;
      this.condition('ais', true);
      this.signalFailChanged();
    }
  }

  receiveLck(b: Uint8Array, p: number): void {
    this.mep.counters.lckIn++;
    this.lckClear?.cancel();
    this.lckClear = this.mep.ctx.clock.setTimer(3.5 * this.periodNs(b[p + 2]), () => {
      this.lckClear = null;
      this.lckActive = false;
      this.condition('lck', false);
    });
    if (!this.lckActive) {
      this.lckActive = true;
      this.condition('lck', true);
    }
  }

  receiveCsf(b: Uint8Array, p: number): void {
    // Type is flags bits 6-4 (Y.1731 9.21: 000 LOS, 001 FDI/AIS, 010 RDI, 011 DCI); 100-111 are
    // reserved: such a CSF carries no known condition and changes nothing.
    const type = CSF_TYPES[(b[p + 2] >> 3) & 7];
    if (type === undefined) return;
    this.csfClear?.cancel();
    const clear = (): void => {
      this.csfClear = null;
      if (this.csfType) {
        const old = this.csfType;
        this.csfType = null;
        this.condition(`csf-${old}`, false);
      }
    };
    if (type === 'dci') {
      clear();
      return;
    }
    this.csfClear = this.mep.ctx.clock.setTimer(3.5 * this.periodNs(b[p + 2]), clear);
    if (this.csfType !== type) {
      if (this.csfType) this.condition(`csf-${this.csfType}`, false);
      this.csfType = type;
      this.condition(`csf-${type}`, true);
    }
  }

  // ---------------------------------------------------------------- AIS / LCK / CSF generation

  /** The tag of AIS / LCK / CSF frames: the MEP's, with their own priority when configured. */
  private get signalCfg(): MepConfig {
    const c = this.mep.cfg;
    return c.aisPriority === undefined ? c : { ...c, priority: c.aisPriority };
  }

  /** Away from the fault: towards the client layer, i.e. the MEP's passive side. */
  private get clientSide(): 'wire' | 'relay' {
    return this.mep.active === 'wire' ? 'relay' : 'wire';
  }

  /** Signal fail (LOC or received AIS) starts/stops AIS to the client level (Y.1731 7.4.1). */
  signalFailChanged(): void {
    const m = this.mep;
    const client = m.cfg.aisClientLevel;
    if (client === undefined || m.cfg.aisEnabled === false) return;
    const sf = (m.fng.defects & 0b11100) !== 0 || this.aisActive || this.externalSignalFail;
    if (sf && !this.aisTx) this.sendSignal(33, client, m.cfg.aisPeriod ?? 4);
    else if (!sf && this.aisTx) {
      this.aisTx.cancel();
      this.aisTx = null;
    }
  }

  private sendSignal(opcode: 33 | 35, level: number, period: number): void {
    const m = this.mep;
    const pdu = { opcode, level, version: 0, flags: period, tlvs: [] } as Pdu;
    m.sendFrame(buildFrame(this.signalCfg, levelMcast(level, 1), pdu), this.clientSide);
    if (opcode === 33) m.counters.aisOut++;
    else m.counters.lckOut++;
    const t = m.ctx.clock.setTimer(intervalNs(period as IntervalCode), () => this.sendSignal(opcode, level, period));
    if (opcode === 33) this.aisTx = t;
    else this.lckTx = t;
  }

  /** Administrative lock (Y.1731 7.6): send LCK to the client level while locked. */
  setLock(on: boolean, period: 4 | 6 = 4): void {
    const client = this.mep.cfg.aisClientLevel;
    if (client === undefined) throw new CfmError('CONFIG', `MEP ${this.mep.key}: LCK needs a client level (aisClientLevel)`);
    if (on && !this.lckTx) this.sendSignal(35, client, period);
    else if (!on && this.lckTx) {
      this.lckTx.cancel();
      this.lckTx = null;
    }
  }

  /** Client signal fail towards the peer MEP (Y.1731 7.7); null sends DCI and stops. */
  setClientSignalFail(type: CsfType | null, period: 4 | 6 = 4): void {
    const m = this.mep;
    this.csfTx?.cancel();
    this.csfTx = null;
    const send = (code: number): void => {
      const pdu = { opcode: 52, level: m.level, version: 0, flags: (code << 3) | period, tlvs: [] } as Pdu;
      m.sendFrame(buildFrame(this.signalCfg, levelMcast(m.level, 1), pdu));
    };
    if (type === null) {
      send(3);
      return;
    }
    const code = CSF_TYPES.indexOf(type);
    const loop = (): void => {
      send(code);
      this.csfTx = m.ctx.clock.setTimer(intervalNs(period), loop);
    };
    loop();
  }

  // ---------------------------------------------------------------- PM initiators

  private target(o: PmOptions): string {
    if (o.targetMac) return normMac(o.targetMac);
    if (o.targetMepId !== undefined) {
      const r = this.mep.findRemote(o.targetMepId);
      if (r?.mac) return r.mac;
      throw new CfmError('USAGE', `MEP ${this.mep.key}: remote MEP ${o.targetMepId} has no MAC in the CCM database`);
    }
    throw new CfmError('USAGE', 'measurement needs a target MAC or a target MEP id');
  }

  private repeat(o: PmOptions, sendOne: (i: number) => void, done: () => void): void {
    const count = o.count ?? 10;
    const gapNs = (o.intervalMs ?? 1000) * 1e6;
    let i = 0;
    const step = (): void => {
      sendOne(i++);
      if (i < count) this.mep.ctx.clock.setTimer(gapNs, step);
      else this.mep.ctx.clock.setTimer(5e9, done); // replies may still arrive: 5 s like LBR
    };
    step();
  }

  /** Two-way delay (DMM/DMR). */
  startDmm(o: PmOptions): DelayResult {
    const m = this.mep;
    const dst = this.target(o);
    const r: DelayResult = { kind: 'dmm', sent: 0, received: 0, delaysNs: [], minNs: null, maxNs: null, avgNs: null, avgVariationNs: null, done: false };
    this.dm = r;
    this.repeat(o, () => {
      const pdu = { opcode: 47, level: m.level, version: 0, flags: 0, txTimestampF: ts(m), rxTimestampF: ZERO, txTimestampB: ZERO, rxTimestampB: ZERO, tlvs: [] } as Pdu;
      m.sendFrame(buildFrame(m.cfg, dst, pdu));
      r.sent++;
    }, () => { summarizeDelay(r); r.done = true; });
    return r;
  }

  receiveDmr(b: Uint8Array, p: number, rxNs: number): void {
    const r = this.dm;
    if (!r || b.length < p + 36) return;
    // Y.1731 8.2.2: FD = (RxTimeb - TxTimeStampf) - (TxTimeStampb - RxTimeStampf), each difference
    // within one clock (time of day, dm-time.ts)
    r.delaysNs.push(rxNs - fieldClockNs(this.mep.ctx.clock, b, p + 4) - fieldDiffNs(b, p + 20, p + 12));
    summarizeDelay(r);
  }

  /** One-way delay: send 1DMs; the peer's Y1731.oneWay collects them. */
  start1dm(o: PmOptions): { sent: number } {
    const m = this.mep;
    const dst = this.target(o);
    const r = { sent: 0 };
    this.repeat(o, () => {
      const pdu = { opcode: 45, level: m.level, version: 0, flags: 0, txTimestampF: ts(m), rxTimestampF: ZERO, tlvs: [] } as Pdu;
      m.sendFrame(buildFrame(m.cfg, dst, pdu));
      r.sent++;
    }, () => undefined);
    return r;
  }

  receive1dm(b: Uint8Array, p: number, rxNs: number): void {
    if (b.length < p + 12) return;
    // Y.1731 8.2.1: RxTimef - TxTimeStampf, the sender's time of day on our clock's count
    this.oneWay.delaysNs.push(rxNs - fieldClockNs(this.mep.ctx.clock, b, p + 4));
    summarizeDelay(this.oneWay);
  }

  /** Single-ended loss measurement (LMM/LMR) over the frames the MEPs exchange. */
  startLmm(o: PmOptions): LossResult {
    const m = this.mep;
    const dst = this.target(o);
    const r = { kind: 'lmm' as const, sent: 0, received: 0, farEndLoss: 0, nearEndLoss: 0, farEndRatio: 0, nearEndRatio: 0, done: false, samples: [] as LmSample[] };
    this.lm = r;
    this.repeat(o, () => {
      const pdu = { opcode: 43, level: m.level, version: 0, flags: 0, txFCf: (m.txFrames + 1) >>> 0, rxFCf: 0, txFCb: 0, tlvs: [] } as Pdu;
      m.sendFrame(buildFrame(m.cfg, dst, pdu));
      r.sent++;
    }, () => { r.done = true; });
    return r;
  }

  receiveLmr(b: Uint8Array, p: number): void {
    const r = this.lm;
    if (!r || b.length < p + 16) return;
    const s: LmSample = { txFCf: getU32(b, p + 4), rxFCf: getU32(b, p + 8), txFCb: getU32(b, p + 12), rxFCl: this.mep.rxFrames >>> 0 };
    r.received++;
    r.samples.push(s);
    const first = r.samples[0];
    // Y.1731 8.1.2: loss between the first and the latest LMR,
    //   far end  = |TxFCf[tc] - TxFCf[tp]| - |RxFCf[tc] - RxFCf[tp]|
    //   near end = |TxFCb[tc] - TxFCb[tp]| - |RxFCl[tc] - RxFCl[tp]|
    // The counters are 32-bit and wrap (a 3.33 ms MEP's in about 165 days; a peer's may start
    // anywhere): each difference is taken modulo 2^32.
    const txF = u32Diff(s.txFCf, first.txFCf);
    const txB = u32Diff(s.txFCb, first.txFCb);
    r.farEndLoss = Math.max(0, txF - u32Diff(s.rxFCf, first.rxFCf));
    r.nearEndLoss = Math.max(0, txB - u32Diff(s.rxFCl, first.rxFCl));
    r.farEndRatio = txF > 0 ? r.farEndLoss / txF : 0;
    r.nearEndRatio = txB > 0 ? r.nearEndLoss / txB : 0;
  }

  /** Synthetic loss measurement (SLM/SLR). */
  startSlm(o: PmOptions): LossResult {
    const m = this.mep;
    const dst = this.target(o);
    // Each measurement session gets its own Test ID (Y.1731 8.1.3: the responder counts SLMs per
    // source MEP and Test ID, and this initiator reads the responder's count as this session's);
    // a session reusing a Test ID would count the earlier session's SLMs as received.
    const testId = o.testId ?? this.nextTestId++;
    const r = { kind: 'slm' as const, sent: 0, received: 0, farEndLoss: 0, nearEndLoss: 0, farEndRatio: 0, nearEndRatio: 0, done: false, testId, lastTxFCf: 0, lastTxFCb: 0 };
    this.sl = r;
    this.repeat(o, () => {
      r.sent++;
      const pdu = { opcode: 55, level: m.level, version: 0, flags: 0, srcMepId: m.cfg.mepId, rspMepId: 0, testId, txFCf: r.sent, txFCb: 0, tlvs: [] } as Pdu;
      m.sendFrame(buildFrame(m.cfg, dst, pdu));
    }, () => {
      // SLMs after the last answered one count as far-end losses when nothing came back.
      r.farEndLoss = Math.max(0, r.sent - r.lastTxFCb);
      r.nearEndLoss = Math.max(0, r.lastTxFCb - r.received);
      r.farEndRatio = r.sent > 0 ? r.farEndLoss / r.sent : 0;
      r.nearEndRatio = r.lastTxFCb > 0 ? r.nearEndLoss / r.lastTxFCb : 0;
      r.done = true;
    });
    return r;
  }

  /** Responder side: number of SLRs sent for (test id, source MEP) including this one. */
  slrCount(testId: number, srcMepId: number): number {
    const k = `${srcMepId}/${testId}`;
    const n = (this.slResponder.get(k) ?? 0) + 1;
    this.slResponder.set(k, n);
    return n;
  }

  receiveSlr(b: Uint8Array, p: number): void {
    const r = this.sl;
    if (!r || b.length < p + 20 || getU32(b, p + 8) !== r.testId) return;
    r.received++;
    r.lastTxFCf = Math.max(r.lastTxFCf, getU32(b, p + 12));
    r.lastTxFCb = Math.max(r.lastTxFCb, getU32(b, p + 16));
  }
}

export function ensureY(m: Mep): Y1731 {
  if (!m.y) m.y = new Y1731(m);
  return m.y;
}
