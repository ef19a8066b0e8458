/**
 * Peer announcement for hardware MEPs: the `remote-mep ok` event when a peer is first heard
 * (issue 11 item 11) costs as few VOE status reads as possible (issue 16: on a real SDK a read
 * takes milliseconds).
 *
 * The vendor ABI has no "first CCM" event, but its LOC follows 802.1Q 20.20: rMEPwhile starts at
 * the CC config, so a peer never heard is declared lost 3.5 intervals later (RMEP_START ->
 * RMEP_FAILED), and its first CCM after that clears the LOC: an event. Only a peer first heard
 * inside those 3.5 intervals comes up without an event. So a MEP with an unheard peer is read
 * back 1, 2 and 4 intervals after it was configured (the last one after the LOC deadline, so by
 * then the peer is either seen or lost, and told by an event from then on) - the events of a poll
 * are handled before these reads, so a LOC already raised saves them. A backend whose peers stay
 * neither seen nor lost after that (it cannot tell) is read with a doubling gap, at most every
 * max(64 intervals, 10 s) per MEP.
 *
 * Bounded per poll and rate-limited over time: at most PEER_READS_PER_POLL reads in one poll,
 * and the reads take at most PEER_READ_DUTY of the board's time (a batch that took d ms on the
 * manager's clock is followed by d / PEER_READ_DUTY - d ms without peer reads), so a 2 ms SDK is not kept busy by
 * 8,192 MEPs waiting for silent peers.
 */
import type { Backend } from '../backends/types.js';
import { intervalNs } from '../common/interval.js';
import type { HwMep } from './hw-mep.js';

/** Status reads one event poll spends on peers not heard yet. */
export const PEER_READS_PER_POLL = 32;
/** Share of the board's (wall-clock) time peer reads may take. */
export const PEER_READ_DUTY = 0.2;
/** Longest gap between two reads of one MEP whose backend cannot tell (ns), unless 64 intervals are longer. */
export const PEER_READ_MAX_GAP_NS = 10e9;

/** When a MEP waiting for a peer is read next: 1, 2, 4, 8 ... intervals after it was configured. */
export function nextPeerCheckNs(sinceNs: number, prevCheckNs: number, intervalNs: number): number {
  const gap = Math.max(intervalNs, prevCheckNs - sinceNs);
  return prevCheckNs + Math.min(gap, Math.max(64 * intervalNs, PEER_READ_MAX_GAP_NS));
}

export class PeerWatch {
  /** Time (of `now`) before which no peer reads start (the duty-cycle limit). */
  private quietUntilMs = 0;

  /**
   * `now`: milliseconds on the manager's clock - the board's time with a real clock; in virtual
   * time (simulations, tests) a read takes no time, so the limit never holds reads back there.
   */
  constructor(private readonly now: () => number) {}

  /** Reads made since this watch started (for tests and the bench). */
  reads = 0;

  /**
   * Read back the hardware MEPs whose peer check is due (HwMep.awaitsPeer) within the budget
   * and announce what they found (HwMep.syncStatus with announce). Call after the poll's events.
   */
  async announce(hws: Iterable<HwMep>, backend: Backend, nowNs: number): Promise<void> {
    const t0 = this.now();
    if (t0 < this.quietUntilMs) return;
    let budget = PEER_READS_PER_POLL;
    for (const h of hws) {
      if (budget === 0) break;
      if (!h.awaitsPeer(nowNs, intervalNs(h.mep.interval))) continue;
      budget--;
      this.reads++;
      // right after the poll's events: a status the backend read in that poll is as good (afterPoll)
      h.syncStatus(await backend.readStatus(h.handle, { afterPoll: true }), true);
    }
    if (budget === PEER_READS_PER_POLL) return;
    const took = this.now() - t0;
    this.quietUntilMs = this.now() + (took * (1 - PEER_READ_DUTY)) / PEER_READ_DUTY;
  }
}
