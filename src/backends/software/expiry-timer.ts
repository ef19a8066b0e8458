/**
 * One event-loop timer for the rMEPwhile / errorCCMwhile expiries of many CCM checkers (issue 17,
 * CPU per CCM). With a timer per checker, every MEP woke the loop about once per 3.5 intervals
 * just to find its peer's CCMs had moved the expiry on (16 MEPs at 100 ms: ~46 wakeups/s; 256
 * at 10 ms: ~7,000/s). Here the timer runs at the earliest expiry of all members; when it fires,
 * every member is asked for its real next expiry (CCMs only ever move a peer's expiry later), the
 * due ones are checked, and the timer moves to the new earliest: about one wakeup per 2.5-3.5
 * shortest intervals, whatever the number of MEPs. An expiry is still acted on at its time
 * (802.1Q 20.20: rMEPwhile of 3.5 intervals), and the LOC is stamped with it, not the wakeup.
 *
 * The deadline is a native timerfd on the event loop (PacketDeadline, CLOCK_MONOTONIC, absolute
 * ns) where the addon has one: a setTimeout counts whole milliseconds on libuv's cached loop time
 * and fired 1-2 ms late (more under load), which alone broke the LOC-report budget of one
 * interval + 1 ms at 3.33 ms (issue 17). Without the addon (or with `native: false`) it is a
 * setTimeout, as before. Either way the members' check() reads the sockets before it decides.
 */

export interface ExpiryMember {
  /** Earliest time (CLOCK_MONOTONIC ns) something of this member expires; Infinity: nothing. */
  nextExpiryNs(): number;
  /** Act on what expired by `nowNs`. */
  check(nowNs: number): void;
}

import { PacketDeadline } from '../../native/packet.js';

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

export interface ExpiryTimerOptions {
  /** The native nanosecond deadline (default: when the addon has it); false: a setTimeout. */
  native?: boolean | undefined;
}

export class ExpiryTimer {
  private readonly members = new Set<ExpiryMember>();
  private timer: NodeJS.Timeout | undefined;
  private deadline: PacketDeadline | undefined;
  private readonly useNative: boolean;
  private atNs = Infinity;
  /** Wakeups so far (tests and benches: one per earliest expiry, not one per member). */
  fired = 0;

  constructor(options: ExpiryTimerOptions = {}) {
    this.useNative = options.native ?? PacketDeadline.available();
  }

  /** 'native': a timerfd deadline (ns); 'js': a setTimeout (ms). */
  get kind(): 'native' | 'js' {
    return this.useNative ? 'native' : 'js';
  }

  add(m: ExpiryMember): void {
    this.members.add(m);
  }

  remove(m: ExpiryMember): void {
    this.members.delete(m);
    if (this.members.size === 0) this.release();
  }

  /** A member now expires at `atNs` (ns), maybe earlier than the timer is set for. */
  schedule(atNs: number): void {
    if (atNs < this.atNs) this.armAt(atNs);
  }

  close(): void {
    this.members.clear();
    this.release();
  }

  /** Nothing left to time: cancel, and give the native deadline's fd back (made again on demand). */
  private release(): void {
    this.cancel();
    this.deadline?.close();
    this.deadline = undefined;
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline?.disarm();
    this.atNs = Infinity;
  }

  private armAt(atNs: number): void {
    this.atNs = atNs;
    if (this.useNative) {
      this.deadline ??= new PacketDeadline(() => this.fire());
      this.deadline.arm(atNs);
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), Math.max(0, (atNs - monoNs()) / 1e6));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.atNs = Infinity;
    this.fired++;
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
