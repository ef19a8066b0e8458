/**
 * A MEP running in a hardware VOE, seen from the manager: the VOE's events are turned into the
 * five 802.1Q defects and fed into a Fault Notification Generator, so hardware MEPs raise the
 * same fault events (same shape, same FNG timing, 802.1Q 20.35) as the engine's software MEPs.
 *
 * Mapping (802.1Q 20.33 / G.8021 names from the VOE):
 * - defRemoteCCM (someRMEPCCMdefect) = some expected peer in LOC (dLOC);
 * - defRDICCM (someRDIdefect) = some live peer's last CCM had RDI;
 * - defMACstatus = some peer's Interface Status TLV is not isUp, or all peers' Port Status TLV
 *   is not psUp (20.33.6, same rule as the engine);
 * - defErrorCCM (errorCCMdefect) = unexpected MEP id (dUNM) or period (dUNP);
 * - defXconCCM (xconCCMdefect) = unexpected MEG id (dMMG) or level (dUNL).
 * presentRDI (20.9.6) is pushed to the VOE with setRdi whenever a defect other than defRDICCM
 * is present: the hardware only stamps the bit, deciding it is the manager's job.
 */
import type { Backend, HwEvent, VoeSpec, VoeStatus } from '../backends/types.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import type { LocalMep } from '../config/model.js';
import { intervalNs } from '../common/interval.js';
import type { FaultEvent, FaultListener } from '../engine/events.js';
import { FaultNotificationGenerator, presentRdiOf } from '../engine/fng.js';
import { nextPeerCheckNs } from './peer-watch.js';
import type { RmepState } from '../engine/types.js';

interface PeerState {
  loc: boolean;
  rdi: boolean;
  portStatus: number;
  interfaceStatus: number;
  seen: boolean;
}

/**
 * The FNG's clock for a hardware MEP: while an event is handled, "now" is the event's device
 * time, so fngAlarmTime / fngResetTime (802.1Q 20.35) run from when the hardware saw the defect,
 * not from when the manager polled it (as they do for software MEPs).
 */
class EventTimeClock implements Clock {
  atNs: number | null = null;
  constructor(private readonly base: Clock) {}
  nowNs(): number {
    return this.atNs ?? this.base.nowNs();
  }
  setTimer(delayNs: number, fn: () => void): TimerHandle {
    return this.base.setTimerAt(this.nowNs() + Math.max(0, delayNs), fn);
  }
  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    return this.base.setTimerAt(atNs, fn);
  }
}

export class HwMep {
  readonly fng: FaultNotificationGenerator;
  readonly peers = new Map<number, PeerState>();
  private unexpMepId = false;
  private unexpPeriod = false;
  private unexpMegId = false;
  private unexpLevel = false;
  /** Remote-MEP state changes waiting for the defects to be recomputed (flushRemote). */
  private readonly pendingRemote: Array<[number, RmepState]> = [];
  /** Time of the last refresh: a later event never goes back before it. */
  private lastAtNs = Number.NEGATIVE_INFINITY;
  /** Since when the peers waited for have been expected (configuration; peer-watch.ts). */
  private peerSinceNs: number;
  /** When awaitsPeer may ask for a status read again (peer-watch.ts schedule). */
  private nextPeerCheckNs: number;
  /** RDI last written to the VOE. */
  rdiSent: boolean;
  /** The VOE's last status read-back and when (manager clock): status() during an apply shows it. */
  lastRead: VoeStatus | null = null;
  lastReadNs: number | null = null;
  private readonly fngClock: EventTimeClock;

  constructor(
    public mep: LocalMep,
    public handle: number,
    public spec: VoeSpec,
    private readonly clock: Clock,
    private readonly emit: FaultListener,
    /**
     * What runs the VOE, for events and status: 'software' on a backend that is itself the host's
     * software datapath (the software backend under `cfm run`), else 'hardware'.
     */
    readonly source: 'hardware' | 'software' = 'hardware',
  ) {
    this.rdiSent = spec.rdi;
    this.peerSinceNs = clock.nowNs();
    this.nextPeerCheckNs = this.peerSinceNs + intervalNs(mep.interval);
    this.fngClock = new EventTimeClock(clock);
    this.fng = new FaultNotificationGenerator({
      clock: this.fngClock,
      mep: mep.key,
      lowestAlarmPriority: mep.lowestAlarmPriority,
      fngAlarmTimeMs: mep.fngAlarmTimeMs,
      fngResetTimeMs: mep.fngResetTimeMs,
      source,
      onEvent: emit,
    });
    for (const id of spec.peers) this.peers.set(id, { loc: false, rdi: false, portStatus: 0, interfaceStatus: 0, seen: false });
  }

  get key(): string {
    return this.mep.key;
  }

  /**
   * A new configuration for the same VOE (updated in place, or unchanged in hardware but with new
   * FNG settings): keeps the defects and FNG state; peers no longer expected are forgotten, new
   * ones start unknown until the next status read.
   */
  reconfigure(mep: LocalMep, spec: VoeSpec): void {
    const oldInterval = this.spec.interval;
    this.mep = mep;
    this.spec = spec;
    this.fng.configure({ lowestAlarmPriority: mep.lowestAlarmPriority, fngAlarmTimeMs: mep.fngAlarmTimeMs, fngResetTimeMs: mep.fngResetTimeMs });
    for (const id of [...this.peers.keys()]) if (!spec.peers.includes(id)) this.peers.delete(id);
    let added = false;
    for (const id of spec.peers) {
      if (this.peers.has(id)) continue;
      this.peers.set(id, { loc: false, rdi: false, portStatus: 0, interfaceStatus: 0, seen: false });
      added = true;
    }
    // a new peer (or a new interval: the VOE restarts its LOC timers) is watched from now on
    if (added || spec.interval !== oldInterval) {
      this.peerSinceNs = this.clock.nowNs();
      this.nextPeerCheckNs = this.peerSinceNs + intervalNs(mep.interval);
    }
  }

  /**
   * Take over the state read back from the VOE (adoption on warm restart, after a move, or while
   * a peer has not been heard yet). With `announce`, a peer heard for the first time or lost
   * since the last read gets its remote-mep event (the ABI has no "first CCM" event).
   */
  syncStatus(st: VoeStatus, announce = false): void {
    this.noteRead(st);
    for (const p of st.peers) {
      const old = this.peers.get(p.mepId);
      if (announce && old) {
        if (p.loc && !old.loc) this.pendingRemote.push([p.mepId, 'failed']);
        else if (!p.loc && p.seen && (old.loc || !old.seen)) this.pendingRemote.push([p.mepId, 'ok']);
      }
      this.peers.set(p.mepId, { loc: p.loc, rdi: p.rdi, portStatus: p.portStatusTlv, interfaceStatus: p.interfaceStatusTlv, seen: p.seen });
    }
    this.unexpMepId = st.unexpectedMepId;
    this.unexpPeriod = st.unexpectedPeriod;
    this.unexpMegId = st.unexpectedMegId;
    this.unexpLevel = st.unexpectedLevel;
    this.refresh(this.clock.nowNs());
  }

  /** Keep a read-back of the VOE for status() (counters, peer MACs); the defects are syncStatus's. */
  noteRead(st: VoeStatus): void {
    this.lastRead = st;
    this.lastReadNs = this.clock.nowNs();
  }

  /**
   * Whether a status read is due to learn that an expected peer was heard (a peer neither seen
   * nor lost): 1, 2, 4 ... CCM intervals (`intervalNs`) after the configuration (peer-watch.ts).
   */
  awaitsPeer(nowNs: number, intervalNs: number): boolean {
    if (nowNs < this.nextPeerCheckNs) return false;
    let waiting = false;
    for (const p of this.peers.values()) if (!p.seen && !p.loc) waiting = true;
    if (!waiting) return false;
    let next = this.nextPeerCheckNs;
    while (next <= nowNs) next = nextPeerCheckNs(this.peerSinceNs, next, intervalNs);
    this.nextPeerCheckNs = next;
    return true;
  }

  /** Apply one hardware event. Returns true when TLV values must be read back (not in events). */
  onEvent(ev: HwEvent): boolean {
    const peer = ev.peerMepId !== undefined ? this.peers.get(ev.peerMepId) : undefined;
    let needStatus = false;
    switch (ev.kind) {
      case 'loc':
        if (peer) {
          const was = peer.loc;
          const wasSeen = peer.seen;
          peer.loc = ev.active;
          if (ev.active) peer.rdi = false; // a lost MEP no longer counts for RDI (as the engine)
          else peer.seen = true;
          // a clearing also announces a peer never known lost nor heard (its LOC not reported)
          if (was !== ev.active || (!ev.active && !wasSeen)) this.pendingRemote.push([ev.peerMepId!, ev.active ? 'failed' : 'ok']);
        }
        break;
      case 'rdi':
        // RDI changes are only seen in valid CCMs: the peer is alive.
        if (peer) {
          peer.rdi = ev.active;
          this.heard(ev.peerMepId!, peer);
        }
        break;
      case 'unexpected-mep-id': this.unexpMepId = ev.active; break;
      case 'unexpected-period': this.unexpPeriod = ev.active; break;
      case 'unexpected-meg-id': this.unexpMegId = ev.active; break;
      case 'unexpected-level': this.unexpLevel = ev.active; break;
      case 'unexpected-priority': break; // dUNPr is not one of the five 802.1Q defects
      case 'port-status':
      case 'interface-status':
        // The value rides on the event when the backend gives it; else read the VOE back.
        if (peer && ev.value !== undefined) {
          this.heard(ev.peerMepId!, peer);
          if (ev.kind === 'port-status') peer.portStatus = ev.value;
          else peer.interfaceStatus = ev.value;
        } else needStatus = true;
        break;
    }
    this.refresh(ev.atNs);
    return needStatus;
  }

  /** A valid CCM of `peer` arrived: the first one is the peer coming up (RMEP state ok). */
  private heard(mepId: number, peer: PeerState): void {
    if (!peer.seen && !peer.loc) this.pendingRemote.push([mepId, 'ok']);
    peer.seen = true;
  }

  /**
   * Remote-MEP events go out after the defects are recomputed, so they carry the highest defect
   * the MEP has once the change is in (a `failed` peer: defRemoteCCM, 802.1Q 20.35.9).
   */
  private flushRemote(atNs: number): void {
    for (const [mepId, state] of this.pendingRemote.splice(0)) {
      const e: FaultEvent = {
        atNs, mep: this.key, type: 'remote-mep', remoteMepId: mepId, state,
        highestDefect: this.fng.highestDefect, source: this.source,
      };
      this.emit(e);
    }
  }

  /** Recompute the five defects and feed the FNG (event time = hardware time, never earlier than the last one). */
  private refresh(atNs0: number): void {
    const atNs = Math.max(atNs0, this.lastAtNs);
    this.lastAtNs = atNs;
    const peers = [...this.peers.values()];
    const live = peers.filter((p) => !p.loc && p.seen);
    const rdi = live.some((p) => p.rdi);
    const ifaceBad = live.some((p) => p.interfaceStatus !== 0 && p.interfaceStatus !== 1);
    const allPortBad = peers.length > 0 && peers.every((p) => !p.loc && p.seen && p.portStatus !== 0 && p.portStatus !== 2);
    // never earlier than now minus what is already past on the clock (events are in order)
    this.fngClock.atNs = Math.min(atNs, this.clock.nowNs());
    try {
      this.fng.setDefect('defRDICCM', rdi);
      this.fng.setDefect('defMACstatus', ifaceBad || allPortBad);
      this.fng.setDefect('defRemoteCCM', peers.some((p) => p.loc));
      this.fng.setDefect('defErrorCCM', this.unexpMepId || this.unexpPeriod);
      this.fng.setDefect('defXconCCM', this.unexpMegId || this.unexpLevel);
    } finally {
      this.fngClock.atNs = null;
    }
    this.flushRemote(Math.min(atNs, this.clock.nowNs()));
  }

  /** presentRDI (802.1Q 20.9.6): defects other than defRDICCM at or above lowestAlarmPri. */
  get presentRdi(): boolean {
    return presentRdiOf(this.fng.defects, this.fng.lowestAlarmPriority);
  }

  /** Write presentRDI to the VOE when it changed. */
  async pushRdi(backend: Backend): Promise<void> {
    const want = this.presentRdi;
    if (want === this.rdiSent) return;
    await backend.setRdi(this.handle, want);
    this.rdiSent = want;
  }

  remoteStates(): { mepId: number; state: RmepState; rdi: boolean; portStatus: number; interfaceStatus: number }[] {
    return [...this.peers.entries()].map(([mepId, p]) => ({
      mepId,
      state: p.loc ? 'failed' : p.seen ? 'ok' : 'start',
      rdi: p.rdi,
      portStatus: p.portStatus,
      interfaceStatus: p.interfaceStatus,
    }));
  }

  stop(): void {
    this.fng.stop();
  }
}
