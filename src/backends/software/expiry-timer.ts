/**
 * One event-loop timer for the rMEPwhile / errorCCMwhile expiries of many CCM checkers (issue 17,
 * CPU per CCM). With a timer per checker, every MEP woke the loop about once per 3.5 intervals
 * just to find its peer's CCMs had moved the expiry on (16 MEPs at 100 ms: ~46 wakeups/s; 256
 * at 10 ms: ~7,000/s). Here the timer runs at the earliest expiry of all members; when it fires,
 * every member is asked for its real next expiry (CCMs only ever move a peer's expiry later), the
 * due ones are checked, and the timer moves to the new earliest: about one wakeup per 2.5-3.5
 * shortest intervals, whatever the number of MEPs. An expiry is still acted on at its time
 * (802.1Q 20.20: rMEPwhile of 3.5 intervals), and the LOC is stamped with it, not the wakeup.
 */

export interface ExpiryMember {
  /** Earliest time (CLOCK_MONOTONIC ns) something of this member expires; Infinity: nothing. */
  nextExpiryNs(): number;
  /** Act on what expired by `nowNs`. */
  check(nowNs: number): void;
}

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

export class ExpiryTimer {
  private readonly members = new Set<ExpiryMember>();
  private timer: NodeJS.Timeout | undefined;
  private atNs = Infinity;

  add(m: ExpiryMember): void {
    this.members.add(m);
  }

  remove(m: ExpiryMember): void {
    this.members.delete(m);
    if (this.members.size === 0) this.cancel();
  }

  /** A member now expires at `atNs` (ns), maybe earlier than the timer is set for. */
  schedule(atNs: number): void {
    if (atNs < this.atNs) this.armAt(atNs);
  }

  close(): void {
    this.members.clear();
    this.cancel();
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.atNs = Infinity;
  }

  private armAt(atNs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.atNs = atNs;
    this.timer = setTimeout(() => this.fire(), Math.max(0, (atNs - monoNs()) / 1e6));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.atNs = Infinity;
    const now = monoNs();
    let next = Infinity;
    // a check may emit events whose listeners add or remove members: Set iteration allows it
    for (const m of this.members) {
      let at = m.nextExpiryNs();
      if (at <= now) {
        m.check(now);
        at = m.nextExpiryNs();
        if (at <= now) at = now + 1e6; // never spin on a member that did not clear its expiry
      }
      if (at < next) next = at;
    }
    if (next < this.atNs) this.armAt(next);
  }
}
