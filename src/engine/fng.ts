/**
 * Fault Notification Generator (802.1Q 20.35). Usable on its own: the offload manager feeds it
 * defects derived from hardware events (source 'hardware') so hardware and software MEPs raise
 * the same alarms.
 *
 * States (20.35.6): FNG_RESET -> (MAdefectIndication) FNG_DEFECT -> (fngAlarmTime elapsed)
 * FNG_REPORT_DEFECT (xmitFaultAlarm, fngPriority = highestDefectPri) -> FNG_DEFECT_REPORTED
 * -> (no defect) FNG_DEFECT_CLEARING -> (fngResetTime elapsed) FNG_RESET; a defect of higher
 * priority than the one reported re-enters FNG_REPORT_DEFECT (re-alarm); a defect coming back
 * during clearing returns to FNG_DEFECT_REPORTED. MAdefectIndication only counts defects whose
 * priority is >= lowestAlarmPri (20.9.5: 1 allDef .. 5 xcon, 6 noXcon = never).
 *
 * highestDefect (802.1Q 12.14.7.1.3 o) is latched: the highest-priority defect present since the
 * FNG was last in FNG_RESET, not only the defects present now; while the FNG is in FNG_RESET it
 * is the highest defect present now (defects below lowestAlarmPri never leave FNG_RESET).
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { FaultEvent, FaultListener } from './events.js';
import { DEFECTS, DEFECT_BIT, type DefectName, type FngState } from './types.js';

export interface FngOptions {
  clock: Clock;
  /** MEP key used in events. */
  mep: string;
  lowestAlarmPriority?: number;   // default 2
  fngAlarmTimeMs?: number;        // default 2500
  fngResetTimeMs?: number;        // default 10000
  source?: 'software' | 'hardware';
  onEvent: FaultListener;
}

/** Highest set defect bit -> name ('none' for 0). */
export function highestDefectOf(bits: number): DefectName | 'none' {
  for (let p = 5; p >= 1; p--) if (bits & (1 << (p - 1))) return DEFECTS[p - 1];
  return 'none';
}

/**
 * presentRDI (802.1Q 20.9.6) from the defect bits: true iff someMACstatusDefect,
 * someRMEPCCMdefect, errorCCMdefect or xconCCMdefect is present with a priority (Table 20-1: 2, 3,
 * 4, 5) at or above lowestAlarmPri. defRDICCM never sets RDI (no echo). For software MEPs and the
 * manager's hardware MEPs alike.
 */
export function presentRdiOf(bits: number, lowestAlarmPri: number): boolean {
  const b = bits & ~1; // without defRDICCM (bit of priority 1)
  // the defect of priority p is bit 1 << (p - 1): keep priorities >= lowestAlarmPri (6 = none)
  return lowestAlarmPri <= 5 && (b & ~((1 << (Math.max(1, lowestAlarmPri) - 1)) - 1)) !== 0;
}

function highestPri(bits: number): number {
  for (let p = 5; p >= 1; p--) if (bits & (1 << (p - 1))) return p;
  return 0;
}

export class FaultNotificationGenerator {
  private readonly clock: Clock;
  readonly mep: string;
  private lowestAlarmPri: number;
  private alarmNs: number;
  private resetNs: number;
  private readonly source: 'software' | 'hardware';
  private readonly onEvent: FaultListener;
  private bits = 0;
  private st: FngState = 'fngReset';
  private fngPriority = 0;
  /** Highest defect priority seen since the FNG was last in FNG_RESET (12.14.7.1.3 o). */
  private latchedPri = 0;
  private timer: TimerHandle | null = null;
  /**
   * A Y.1731 AIS or LCK condition holds. Alarms are still generated, but a loss-of-continuity
   * alarm (defRemoteCCM) is flagged suppressed: G.8021 defect correlation cLOC = dLOC and not
   * dAIS and not dLCK; cross-connect (cMMG, cUNL), unexpected MEP / period (cUNM, cUNP) and RDI
   * are not correlated with AIS / LCK, so those alarms are not suppressed (Y.1731 7.4, 7.6).
   */
  suppressed = false;
  /** Number of alarms reported (fault alarms, 802.1Q 12.14.7.7). */
  alarms = 0;

  constructor(o: FngOptions) {
    this.clock = o.clock;
    this.mep = o.mep;
    this.lowestAlarmPri = o.lowestAlarmPriority ?? 2;
    this.alarmNs = (o.fngAlarmTimeMs ?? 2500) * 1e6;
    this.resetNs = (o.fngResetTimeMs ?? 10000) * 1e6;
    this.source = o.source ?? 'software';
    this.onEvent = o.onEvent;
  }

  get state(): FngState {
    return this.st;
  }

  /** Current defect bits (1 defRDICCM .. 16 defXconCCM). */
  get defects(): number {
    return this.bits;
  }

  /** Latched highest defect (12.14.7.1.3 o), see the file comment. */
  get highestDefect(): DefectName | 'none' {
    const p = Math.max(this.latchedPri, highestPri(this.bits));
    return p ? DEFECTS[p - 1] : 'none';
  }

  /** Highest defect present right now. */
  get presentHighestDefect(): DefectName | 'none' {
    return highestDefectOf(this.bits);
  }

  /** lowestAlarmPri (802.1Q 20.9.5): 1 allDef .. 5 xcon, 6 noXcon. */
  get lowestAlarmPriority(): number {
    return this.lowestAlarmPri;
  }

  /** The defect last reported in an alarm ('none' when in fngReset). */
  get reportedDefect(): DefectName | 'none' {
    return this.fngPriority ? DEFECTS[this.fngPriority - 1] : 'none';
  }

  configure(o: { lowestAlarmPriority?: number; fngAlarmTimeMs?: number; fngResetTimeMs?: number }): void {
    if (o.lowestAlarmPriority !== undefined) this.lowestAlarmPri = o.lowestAlarmPriority;
    if (o.fngAlarmTimeMs !== undefined) this.alarmNs = o.fngAlarmTimeMs * 1e6;
    if (o.fngResetTimeMs !== undefined) this.resetNs = o.fngResetTimeMs * 1e6;
    this.step();
  }

  /** Set one defect on or off. Emits a 'defect' event on change and runs the state machine. */
  setDefect(d: DefectName, active: boolean, extra?: Partial<FaultEvent>): void {
    const bit = DEFECT_BIT[d];
    const was = (this.bits & bit) !== 0;
    if (was === active) return;
    this.bits = active ? this.bits | bit : this.bits & ~bit;
    this.latch();
    this.onEvent({
      atNs: this.clock.nowNs(), mep: this.mep, type: 'defect', defect: d, active,
      highestDefect: this.highestDefect, source: this.source, ...extra,
    });
    this.step();
  }

  /** Replace all defect bits at once (hardware status read-back). */
  setDefects(bits: number): void {
    for (const d of DEFECTS) this.setDefect(d, (bits & DEFECT_BIT[d]) !== 0);
  }

  /** Stop timers (MEP deleted). */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Highest priority among defects present now that count for alarms (>= lowestAlarmPri): > 0 = MAdefectIndication (802.1Q 20.33). */
  private alarmPri(): number {
    const p = highestPri(this.bits);
    return p >= this.lowestAlarmPri ? p : 0;
  }

  /**
   * highestDefectPri (802.1Q 20.33): the highest priority of the defects present since the FNG
   * was last in FNG_RESET (latched, like highestDefect, 12.14.7.1.3 o). FNG_REPORT_DEFECT sets
   * fngPriority to it and FNG_DEFECT_REPORTED re-alarms when it exceeds fngPriority (20.35.6), so
   * a cross-connect that came and went during the alarm time is what the alarm reports, and
   * does not re-alarm when it comes back.
   */
  private highestDefectPri(): number {
    return Math.max(this.latchedPri, highestPri(this.bits));
  }

  private arm(delayNs: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimer(delayNs, () => {
      this.timer = null;
      this.expired();
    });
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Evaluate transitions that depend on MAdefectIndication / highestDefectPri. */
  private step(): void {
    this.latch();
    const pri = this.alarmPri();
    switch (this.st) {
      case 'fngReset':
        if (pri > 0) {
          this.st = 'fngDefect';
          this.arm(this.alarmNs);
        }
        break;
      case 'fngDefect':
        if (pri === 0) {
          this.st = 'fngReset';
          this.fngPriority = 0;
          this.disarm();
          this.latch();
        }
        break;
      case 'fngDefectReported':
        if (pri === 0) {
          this.st = 'fngDefectClearing';
          this.arm(this.resetNs);
        } else if (this.highestDefectPri() > this.fngPriority) {
          this.report(this.highestDefectPri());
        }
        break;
      case 'fngDefectClearing':
        if (pri > 0) {
          this.disarm();
          this.st = 'fngDefectReported';
          if (this.highestDefectPri() > this.fngPriority) this.report(this.highestDefectPri());
        }
        break;
      case 'fngReportDefect':
        break;
    }
  }

  /** Keep latchedPri: outside FNG_RESET it only grows; in FNG_RESET it is what is present now. */
  private latch(): void {
    const now = highestPri(this.bits);
    this.latchedPri = this.st === 'fngReset' ? now : Math.max(this.latchedPri, now);
  }

  private expired(): void {
    if (this.st === 'fngDefect') {
      if (this.alarmPri() > 0) this.report(this.highestDefectPri());
      else {
        this.st = 'fngReset';
        this.latch();
      }
    } else if (this.st === 'fngDefectClearing') {
      this.st = 'fngReset';
      this.fngPriority = 0;
      this.latch();
      this.onEvent({
        atNs: this.clock.nowNs(), mep: this.mep, type: 'alarm-clear',
        highestDefect: this.highestDefect, source: this.source,
      });
    }
  }

  /** FNG_REPORT_DEFECT: xmitFaultAlarm and remember the reported priority (20.35.6). */
  private report(pri: number): void {
    this.st = 'fngReportDefect';
    this.fngPriority = pri;
    this.alarms++;
    const ev: FaultEvent = {
      atNs: this.clock.nowNs(), mep: this.mep, type: 'alarm', defect: DEFECTS[pri - 1],
      highestDefect: this.highestDefect, source: this.source,
    };
    if (this.suppressed && DEFECTS[pri - 1] === 'defRemoteCCM') ev.suppressed = true;
    this.onEvent(ev);
    this.st = 'fngDefectReported';
  }
}
