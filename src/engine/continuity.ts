/**
 * Loss of continuity of a MEP's remote MEPs: the rMEPwhile timer of the Remote MEP state machine
 * (802.1Q 20.19-20.20) and the rule that LOC is decided from the times CCMs were received on the
 * wire, not the times the engine read them:
 *
 *  - Frames held by the backend are waited for. When rMEPwhile expires while the backend may
 *    still hold CCMs received before the deadline (a punt drain queued or in flight on a slow
 *    switch SDK, a notification not yet read), the decision waits for them (the context's
 *    optional `rxSettled` hook) and is then made on their receive times. A CCM that arrived at
 *    the port in time is valid in time (20.16: rMEPwhile restarts "on receipt"), however late
 *    the CPU reads it. Backends without the hook (the simulator, the virtual-time mock: exact
 *    already) decide at once, as before.
 *  - A real gap is never masked. A valid CCM whose receive time is later than the previous one's
 *    rMEPwhile deadline is a LOC episode even when the timer had not fired (the event loop was
 *    blocked, or the decision waited for held frames): RMEP_FAILED at the deadline, then
 *    RMEP_OK at the CCM (20.20), defRemoteCCM set then cleared (20.35.9 / 20.33.5), with both
 *    times from the receive times.
 *
 * Cost: one rMEPwhile entry per MEP in the engine's batch timer, armed at the earliest remote
 * deadline; a valid CCM only stores its time. The hook is asked only when a remote is due.
 */
import type { TimerHandle } from '../common/clock.js';
import type { Mep } from './mep.js';
import type { Remote } from './remote.js';

/**
 * The backend's answer to "have all frames received on the wire up to `deadlineNs` reached the
 * engine?": true = yes, decide now; false = some may still be held (a drain queued or under way,
 * the device signalled frames not yet read): `onSettled` is then called once, after they were
 * delivered (or the attempt failed). Must not deliver frames from inside the call.
 */
export type RxSettledHook = (deadlineNs: number, onSettled: () => void) => boolean;

/**
 * Longest wait for held frames: a backend that never answers must not hold a loss back for long.
 * Generous, as a drain on a slow SDK under load waits behind the call under way, the urgent frame
 * sends queued before it, then reads each frame (2 ms per call: tens of ms; 50 ms was seen to be
 * too short on a loaded 2-core machine). The LOC's time is the deadline whatever the wait.
 */
const SETTLE_MAX_NS = 1_000_000_000;

export class Continuity {
  /** Due time of this MEP's entry in the rMEPwhile batch timer (Infinity = none). */
  private timerAt = Infinity;
  /** A decision waits for the backend's held frames (bumped to forget an answer). */
  private waitGen = 0;
  private waiting = false;
  private guard: TimerHandle | null = null;

  constructor(
    private readonly m: Mep,
    private readonly timeoutNs: number,
  ) {}

  /** Enter RMEP_START for every remote (MEPactive, 20.20): rMEPwhile starts now. */
  start(): void {
    const now = this.m.ctx.clock.nowNs();
    for (const r of this.m.remotes) {
      r.state = 'start';
      r.sinceNs = now;
    }
    if (this.m.remotes.length > 0) this.arm(this.dueNs(now));
  }

  stop(): void {
    this.timerAt = Infinity;
    this.endWait();
  }

  /**
   * rMEPwhile expiry for a remote last refreshed at `sinceNs`: 3.5 intervals, rounded down to the
   * timer grid, so loss is declared between 3.375 and 3.5 intervals after the last valid CCM
   * (802.1Q 20.20 with the 3.25..3.5 tolerance receivers have).
   */
  dueNs(sinceNs: number): number {
    const g = this.m.gridNs;
    return Math.floor((sinceNs + this.timeoutNs) / g) * g;
  }

  arm(atNs: number): void {
    if (atNs >= this.timerAt) return;
    this.timerAt = atNs;
    this.m.ctx.rmepBatch.add(atNs, this.m);
  }

  /** Batch timer callback. */
  tick(atNs: number): void {
    if (atNs !== this.timerAt) return;
    this.timerAt = Infinity;
    if (this.waiting) return; // the pending decision re-arms
    const now = this.m.ctx.clock.nowNs();
    const first = this.firstDue(now);
    if (first === null) {
      this.decide(now);
      return;
    }
    // Some remote is due: frames received before its deadline may still be on their way.
    const hook = this.m.ctx.rxSettled;
    if (hook) {
      const gen = ++this.waitGen;
      this.waiting = true;
      const settled = hook(first, () => this.settled(gen));
      if (!settled) {
        this.guard = this.m.ctx.clock.setTimer(SETTLE_MAX_NS, () => this.settled(gen));
        return;
      }
      this.endWait();
    }
    this.decide(now);
  }

  /**
   * A valid CCM from `r` received at `rxNs`, before its state is updated. A CCM later than the
   * rMEPwhile deadline of the previous one is a loss the timer did not report (loop blocked, or
   * the decision is waiting for held frames): RMEP_OK -> RMEP_FAILED at the deadline (802.1Q
   * 20.20, rMEPwhile reached 0 then), so the caller's RMEP_FAILED -> RMEP_OK on this CCM closes
   * the episode (true: the caller stamps its RMEP_OK event with rxNs). Without this the CCM just
 * restarted rMEPwhile and the late timer found the remote fresh: the loss was never reported.
 * Only from RMEP_OK: in RMEP_START the remote's previous time is the engine's
   * start, not a receive time, and the timer alone decides (20.20).
   */
  beforeValidCcm(r: Remote, rxNs: number): boolean {
    if (r.state !== 'ok') return false;
    const due = this.dueNs(r.sinceNs);
    if (rxNs <= due) return false;
    this.fail([r], due);
    return true;
  }

  /** `r` (re)entered RMEP_OK at `sinceNs`: its deadline may be the earliest. */
  refreshed(r: Remote): void {
    this.arm(this.dueNs(r.sinceNs));
  }

  private settled(gen: number): void {
    if (gen !== this.waitGen || !this.waiting) return;
    this.endWait();
    this.decide(this.m.ctx.clock.nowNs());
  }

  private endWait(): void {
    this.waitGen++;
    this.waiting = false;
    this.guard?.cancel();
    this.guard = null;
  }

  /** The earliest rMEPwhile deadline at or before `now` of a live remote, or null. */
  private firstDue(now: number): number | null {
    let first: number | null = null;
    for (const r of this.m.remotes) {
      if (r.state !== 'start' && r.state !== 'ok') continue;
      const due = this.dueNs(r.sinceNs);
      if (due <= now && (first === null || due < first)) first = due;
    }
    return first;
  }

  /** rMEPwhile expiry: RMEP_START/RMEP_OK -> RMEP_FAILED after 3.5 intervals without a valid CCM. */
  private decide(now: number): void {
    let next = Infinity;
    let failed: Remote[] | undefined;
    let at = now;
    for (const r of this.m.remotes) {
      if (r.state !== 'start' && r.state !== 'ok') continue;
      const due = this.dueNs(r.sinceNs);
      if (due <= now) {
        (failed ??= []).push(r);
        // the loss began at the deadline (receive times): a late decision does not move it
        at = Math.min(at, due);
      } else if (due < next) next = due;
    }
    if (next < Infinity) this.arm(next);
    if (failed) this.fail(failed, at);
  }

  private fail(rs: Remote[], atNs: number): void {
    for (const r of rs) {
      r.state = 'failed';
      r.failedOkTimeNs = atNs;
      // 802.1Q 20.20: entering RMEP_FAILED does not clear rMEPlastRDI; a lost MEP no longer
      // counts for RDI or MAC status though (only live remotes report).
      r.rdi = false;
    }
    // The defects first (defRemoteCCM, 20.35.9), then the events: a `failed` event carries the
    // highest defect the MEP has once the change is in (12.14.7.1.3 o), as hardware MEPs' do.
    this.m.refreshDefects();
    for (const r of rs) this.m.remoteEvent(r, atNs);
  }
}
