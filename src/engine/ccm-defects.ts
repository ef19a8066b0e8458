/**
 * The two defects a MEP raises on CCMs that are not for it, each with its own timer:
 *  - errorCCMdefect (802.1Q 20.21-20.22, Remote MEP Error state machine): a CCM of our MA with an
 *    unknown or our own MEPID, or another CCM interval;
 *  - xconCCMdefect (20.23-20.24, MEP Cross Connect state machine): a CCM of another MA at our
 *    level, or any CCM below our level.
 * Either is set at once and cleared when no such CCM came for 3.5 times the interval the bad CCM
 * carried (ours when that interval code is invalid); the last failing CCM is kept
 * (errorCCMlastFailure / xconCCMlastFailure, 20.21 / 20.23).
 */
import type { TimerHandle } from '../common/clock.js';
import { remoteMepTimeoutNs, type IntervalCode } from '../common/interval.js';
import type { Mep } from './mep.js';

/** Bytes of a failing CCM kept (from the PDU's start). */
const MAX_LAST_FAILURE = 128;

export class CcmDefect {
  /** The last CCM that raised the defect (from its PDU), or null. */
  last: Uint8Array | null = null;
  private timer: TimerHandle | null = null;

  constructor(private readonly mep: Mep, private readonly defect: 'defErrorCCM' | 'defXconCCM') {}

  /** A failing CCM: PDU at offset `p` of `b`, carrying CCM interval code `interval`. */
  raise(b: Uint8Array, p: number, interval: number): void {
    const m = this.mep;
    this.last = b.slice(p, Math.min(b.length, p + MAX_LAST_FAILURE));
    this.timer?.cancel();
    const code = (interval >= 1 && interval <= 7 ? interval : m.cfg.interval) as IntervalCode;
    this.timer = m.ctx.clock.setTimer(remoteMepTimeoutNs(code), () => {
      this.timer = null;
      m.fng.setDefect(this.defect, false);
      m.y?.signalFailChanged();
    });
    m.fng.setDefect(this.defect, true);
    m.y?.signalFailChanged();
  }

  stop(): void {
    this.timer?.cancel();
  }
}
