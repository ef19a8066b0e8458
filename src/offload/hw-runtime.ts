/**
 * Hardware MEPs at run time, once an apply has put their VOEs in place: the drain of the
 * backend's events into each MEP's defects and FNG (hw-mep.ts; 802.1Q 20.35, fault events of the
 * same shape as software MEPs'), the presentRDI pushes that follow (20.9.6), and the status reads
 * and RDI writes that failed and wait for the next event poll (a failed VOE PM write waits for
 * the next apply or change instead: y1731/hw-pm.ts).
 *
 * It exists apart from the manager so the manager keeps only the orchestration: a failure here is
 * run-time state (a warning and a retry), never a failed apply, and the rules for that live in one
 * place for both the apply's last steps and the poll.
 */
import type { Backend, HwEvent } from '../backends/types.js';
import type { HwMep } from './hw-mep.js';
import { PeerWatch } from './peer-watch.js';
import { Slicer } from './slice.js';

/** What retries a failed run-time step (HwRuntime.step). */
export type RuntimeRetry = 'event poll' | 'apply or change';

export class HwRuntime {
  /** Hardware MEPs whose status read or RDI write failed after an apply (retried by the poll). */
  readonly pending = new Set<HwMep>();
  /** Status reads for peers not heard yet: scheduled, bounded and rate-limited (peer-watch.ts). */
  private readonly peerWatch: PeerWatch;

  /**
   * `hw`: the manager's hardware MEPs by key (read only here: the apply owns it).
   * `nowNs`: the manager's clock.
   */
  constructor(
    private readonly backend: Backend,
    private readonly hw: ReadonlyMap<string, HwMep>,
    private readonly nowNs: () => number,
  ) {
    this.peerWatch = new PeerWatch(() => this.nowNs() / 1e6);
  }

  /**
   * A run-time step for hardware MEP `h` once the configuration is in place: a failure is a
   * warning, not a failed apply, and the warning says what retries it. `retry`:
   * - 'event poll' (a status read, an RDI write): `h` is pending and the next event poll reads
   *   its status and pushes its RDI again (syncPending);
   * - 'apply or change' (a VOE PM write, y1731/hw-pm.ts): its caller keeps it in its own retry
   *   ledger for the next apply or change; the poll does not retry it, so `h` is not made pending
   *   (its status and RDI did not fail).
   */
  async step(h: HwMep, fn: () => Promise<void>, retry: RuntimeRetry = 'event poll'): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (retry === 'event poll') this.pending.add(h);
      process.emitWarning(`cfm offload: ${h.key}: ${e instanceof Error ? e.message : String(e)} (retried at the next ${retry})`);
      return false;
    }
  }

  /** Read back the status of hardware MEPs that need it and push their RDI. */
  async syncPending(): Promise<void> {
    for (const h of [...this.pending]) {
      this.pending.delete(h);
      if (this.hw.get(h.key) !== h) continue;
      await this.step(h, async () => {
        h.syncStatus(await this.backend.readStatus(h.handle));
        await h.pushRdi(this.backend);
      });
    }
  }

  /** One event poll: retry what failed, drain and handle the events, then announce peers. Returns the events handled. */
  async drain(): Promise<number> {
    if (this.pending.size) await this.syncPending();
    const evs = await this.backend.pollEvents();
    const n = await this.handleEvents(evs);
    // after the events: a LOC they raised makes a peer's status read unnecessary
    await this.peerWatch.announce(this.hw.values(), this.backend, this.nowNs());
    return n;
  }

  private async handleEvents(evs: HwEvent[]): Promise<number> {
    if (evs.length === 0) return 0;
    const byHandle = new Map<number, HwMep>();
    for (const h of this.hw.values()) byHandle.set(h.handle, h);
    const changed = new Set<HwMep>();
    const reread = new Set<HwMep>();
    const slicer = new Slicer(); // a drain after an apply holds ~1,000s of events (issue 16)
    for (const ev of evs) {
      if (slicer.due()) await slicer.yield();
      const h = byHandle.get(ev.handle);
      if (!h) continue;
      if (h.onEvent(ev)) reread.add(h);
      changed.add(h);
    }
    for (const h of reread) h.syncStatus(await this.backend.readStatus(h.handle));
    for (const h of changed) await h.pushRdi(this.backend);
    return evs.length;
  }
}
