/**
 * Events of the linux-bridge backend without a busy poll. The kernel sends an RTM_NEWLINK
 * (AF_BRIDGE, CFM status) to RTNLGRP_LINK on every ccm_defect change of a peer, raise and clear
 * (br_cfm_notify, cfm-facts 1.1); it carries the whole status, so LOC events need no dump at all.
 * RDI and the level-low flag change without a notification: a status dump catches those, but at
 * most every `statusPollMs` (default 1 s), never on every pollEvents(). A status dump is a full
 * RTM_GETLINK dump of every bridge and clears the kernel's `seen` flags for every other reader,
 * so it must stay rare (issue 11 item 18: the 10 ms poll cost 16-25 % of a CPU for one MEP).
 *
 * `onEventsPending` listeners hear of every notification that produced events (once per
 * event-loop turn), so the manager drains at once and polls only as a safety net.
 */
import type { Clock } from '../../common/clock.js';
import { RTM_NEWLINK } from '../../netlink/constants.js';
import { decodeBridgeCfm, type BridgeCfmInfo } from '../../netlink/bridge-cfm.js';
import { decodeLinkMessage } from '../../netlink/rtnl.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import type { HwEvent } from '../types.js';
import { seenLedger, type StatusTracker } from './status.js';

export interface KernelEventsOptions {
  ns: string;
  bridgeIfindex: number;
  tracker: StatusTracker;
  clock: Clock;
  /** Instances we own (only those produce events). */
  owned: () => ReadonlySet<number>;
  /** One status dump of this bridge (BridgeCfmKernel.dump({ status: true })). */
  statusDump: () => Promise<BridgeCfmInfo>;
  statusPollMs: number;
}

export class KernelEvents {
  private readonly pending: HwEvent[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private notifyQueued = false;
  private lastDumpNs = Number.NEGATIVE_INFINITY;
  /** Status dumps done (readStatus and slow polls): what item 18's bench and tests count. */
  dumps = 0;
  /** A status dump was folded in since the last drain() began (readStatus afterPoll answers from it). */
  dumpedSincePoll = false;
  /** Something was missed (overrun, unparsable notification, port change): resync on the next poll. */
  needResync = false;

  constructor(events: NetlinkSocket, private readonly o: KernelEventsOptions) {
    this.unsubscribe.push(events.onNotification((m) => {
      if (m.type !== RTM_NEWLINK) return;
      try {
        const l = decodeLinkMessage(m);
        const info = decodeBridgeCfm(l);
        if (info) {
          seenLedger.record(o.ns, info);
          if (info.bridgeIfindex === o.bridgeIfindex) this.push(o.tracker.ingest(info.mepStatus, info.peerStatus, o.owned(), o.clock.nowNs()));
        } else if (l.header.family === 0) {
          // A link changed (a port joined or left a bridge, or went down): re-read ports lazily.
          this.needResync = true;
        }
      } catch {
        this.needResync = true; // a notification we cannot parse: re-read state on the next poll
        this.wake();
      }
    }));
    this.unsubscribe.push(events.onOverrun(() => {
      this.needResync = true;
      this.wake();
    }));
  }

  onPending(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private push(evs: HwEvent[]): void {
    if (evs.length === 0) return;
    this.pending.push(...evs);
    this.wake();
  }

  /** Tell listeners once per event-loop turn (a burst of notifications is one drain). */
  private wake(): void {
    if (this.listeners.size === 0 || this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of this.listeners) l();
    });
  }

  /** One status dump folded into the tracker (readStatus needs it fresh: the kernel's flags). */
  async dumpNow(): Promise<void> {
    this.lastDumpNs = this.o.clock.nowNs();
    this.dumps++;
    const info = await this.o.statusDump();
    this.pending.push(...this.o.tracker.ingest(info.mepStatus, info.peerStatus, this.o.owned(), this.o.clock.nowNs()));
    this.dumpedSincePoll = true;
  }

  /** Events so far; a status dump first when the slow poll is due (or a resync is needed). */
  async drain(force = false): Promise<HwEvent[]> {
    const due = this.o.clock.nowNs() - this.lastDumpNs >= this.o.statusPollMs * 1e6;
    this.dumpedSincePoll = false;
    if (this.o.owned().size > 0 && (force || due)) await this.dumpNow();
    return this.pending.splice(0, this.pending.length);
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    this.listeners.clear();
  }
}
