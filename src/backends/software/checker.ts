/**
 * The software VOE's receive side: a small CCM checker per VOE, the way a hardware VOE checks
 * CCMs (MESA cc_status, 802.1Q 20.16-20.24 condensed): per configured peer a Remote MEP state
 * (rMEPwhile = 3.5 x interval, 802.1Q 20.20), RDI and status TLVs; per VOE the G.8021 "unexpected"
 * conditions (dMMG wrong MAID, dUNM unknown/own MEPID, dUNL lower level, dUNP interval,
 * dUNPr priority), each raised by a CCM and cleared 3.5 intervals after the last one
 * (errorCCMwhile / xconCCMwhile, 802.1Q 20.21, 20.23). Changes become HwEvents.
 * Times are CLOCK_MONOTONIC ns (process.hrtime), the same clock the addon stamps frames with.
 *
 * Loss of continuity is judged on arrival times (each frame's kernel receive time), never on when
 * user space got round to reading: a gap of a timeout or more between two CCMs of a peer is a LOC
 * episode (raised at last + timeout, cleared at the late CCM's arrival) even when both CCMs were
 * read in one batch after a stall (issue 17). A silent peer is declared by a timer at the earliest
 * expiry; before declaring, it reads what the kernel already queued (those frames carry their own
 * arrival times, so they can only clear or confirm, never mask, a loss). The expiry timer is shared
 * by the checkers of a backend (expiry-timer.ts): one loop wakeup for many MEPs' expiries.
 */
import { remoteMepTimeoutNs, type IntervalCode } from '../../common/interval.js';
import type { HwEvent, HwEventKind, RemotePeerStatus, VoeCounters, VoeSpec } from '../types.js';
import type { ParsedCfm } from './ccm-frame.js';
import { ExpiryTimer, type ExpiryMember } from './expiry-timer.js';
import { bytesEqual } from '../../pdu/bytes.js';

export function monoNs(): number {
  return Number(process.hrtime.bigint());
}

interface PeerState {
  status: RemotePeerStatus;
  /** Source MAC of the last valid CCM, as bytes (compared per frame; the string only on change). */
  macBytes: Uint8Array | null;
  /** Time of the last valid CCM (or of creation, to time the first LOC). */
  lastValidNs: number;
  /**
   * The eBPF datapath keeps this peer's steady-state CCMs and its rMEPwhile timer in the kernel
   * (from its first CCM on): LOC comes from the kernel's timer, not from this checker's.
   */
  kernelTimed: boolean;
}

/** The kernel's state of a peer just before a CCM it sent up (eBPF datapath). */
export interface KernelPrior {
  /** Arrival of the peer's previous valid CCM (CLOCK_MONOTONIC ns). */
  seenNs: number;
  /** Its sequence number. */
  seq: number;
}

type Unexpected = 'unexpected-mep-id' | 'unexpected-meg-id' | 'unexpected-level' | 'unexpected-period' | 'unexpected-priority';
const UNEXPECTED: Unexpected[] = ['unexpected-mep-id', 'unexpected-meg-id', 'unexpected-level', 'unexpected-period', 'unexpected-priority'];

export interface CheckerOutput {
  emit(ev: HwEvent): void;
  /**
   * Read frames already queued in the kernel before declaring an expiry, so an event-loop stall
   * (timers run before the poll phase) cannot turn CCMs that arrived in time into a false LOC.
   */
  flush?(): void;
}

export class CcmChecker implements ExpiryMember {
  readonly peers = new Map<number, PeerState>();
  /** Sticky since the last status read. */
  readonly sticky: Record<Unexpected, boolean> = {
    'unexpected-mep-id': false, 'unexpected-meg-id': false, 'unexpected-level': false,
    'unexpected-period': false, 'unexpected-priority': false,
  };
  /** Active condition -> time of the last CCM that showed it. */
  private readonly active = new Map<Unexpected, number>();
  readonly counters: VoeCounters = { ccmTx: 0, ccmRxValid: 0, ccmRxInvalid: 0, ccmRxOutOfOrder: 0, cpuCopies: 0 };
  private closed = false;
  private spec: VoeSpec;
  private readonly timers: ExpiryTimer;

  /** `timers`: the expiry timer shared with other checkers (default: one of its own). */
  constructor(readonly handle: number, spec: VoeSpec, private readonly out: CheckerOutput, timers?: ExpiryTimer) {
    this.spec = spec;
    this.timers = timers ?? new ExpiryTimer();
    this.timers.add(this);
    this.reset(spec);
  }

  /** (Re)configure: peers that stay keep their state; new peers start their rMEPwhile now. */
  reset(spec: VoeSpec): void {
    const now = monoNs();
    const keep = spec.interval === this.spec.interval;
    this.spec = spec;
    for (const id of [...this.peers.keys()]) if (!spec.peers.includes(id) || !keep) this.peers.delete(id);
    for (const id of spec.peers) {
      if (this.peers.has(id)) continue;
      this.peers.set(id, {
        lastValidNs: now,
        kernelTimed: false,
        macBytes: null,
        status: { mepId: id, loc: false, rdi: false, seen: false, portStatusTlv: 0, interfaceStatusTlv: 0, mac: null, lastSeq: 0 },
      });
    }
    this.arm();
  }

  private get timeoutNs(): number {
    return remoteMepTimeoutNs(this.spec.interval);
  }

  private event(kind: HwEventKind, active: boolean, atNs: number, peerMepId?: number, value?: number): void {
    const ev: HwEvent = { handle: this.handle, kind, active, atNs };
    if (peerMepId !== undefined) ev.peerMepId = peerMepId;
    if (value !== undefined) ev.value = value;
    this.out.emit(ev);
  }

  private raise(kind: Unexpected, atNs: number): void {
    this.sticky[kind] = true;
    if (!this.active.has(kind)) this.event(kind, true, atNs);
    this.active.set(kind, atNs);
    this.arm();
  }

  /** A CFM frame at this VOE's port and VLAN with a level lower than the VOE's (802.1Q 20.23). */
  lowerLevel(atNs: number): void {
    this.counters.ccmRxInvalid++;
    this.raise('unexpected-level', atNs);
  }

  /**
   * A CCM at this VOE's level, `atNs` its arrival. `prior`: the eBPF datapath kept the peer's
   * steady-state CCMs in the kernel; this is its state before this CCM (the last arrival and
   * sequence number this checker did not see), so gaps and sequence errors are judged as if it had.
   * `kernelTimed`: from now on the kernel's timer declares this peer's LOC.
   */
  onCcm(p: ParsedCfm, atNs: number, prior?: KernelPrior, kernelTimed = false): void {
    const c = p.ccm;
    if (!c) {
      this.counters.ccmRxInvalid++;
      return;
    }
    const s = this.spec;
    if (!p.maidEquals(s.maid)) {
      this.counters.ccmRxInvalid++;
      this.raise('unexpected-meg-id', atNs);
      return;
    }
    const peer = this.peers.get(c.mepId);
    if (!peer || c.mepId === s.mepId) {
      this.counters.ccmRxInvalid++;
      this.raise('unexpected-mep-id', atNs);
      return;
    }
    if (c.interval !== s.interval) {
      this.counters.ccmRxInvalid++;
      this.raise('unexpected-period', atNs);
      return;
    }
    if (p.pcp >= 0 && p.pcp !== s.priority) this.raise('unexpected-priority', atNs);
    this.counters.ccmRxValid++;
    const st = peer.status;
    if (prior) {
      if (prior.seenNs > peer.lastValidNs) peer.lastValidNs = prior.seenNs;
      if (st.seen) st.lastSeq = prior.seq;
    }
    if (kernelTimed) peer.kernelTimed = true;
    // 802.1Q 20.16.12: a sequence number other than last + 1 is a sequence error (0 = not used)
    if (st.seen && c.seq !== 0 && c.seq !== ((st.lastSeq + 1) >>> 0)) this.counters.ccmRxOutOfOrder++;
    st.lastSeq = c.seq;
    st.seen = true;
    if (!peer.macBytes || !p.srcEquals(peer.macBytes)) {
      peer.macBytes = p.frame.slice(6, 12);
      st.mac = p.srcMac;
    }
    const t = this.timeoutNs;
    if (!st.loc && atNs - peer.lastValidNs >= t) {
      // 802.1Q 20.20: rMEPwhile expired before this CCM arrived; the timer did not run in time
      // (the process was stalled) but the gap on the wire is a loss all the same: report the
      // episode with its real start and end.
      st.loc = true;
      this.event('loc', true, peer.lastValidNs + t, c.mepId);
    }
    if (atNs > peer.lastValidNs) peer.lastValidNs = atNs;
    if (st.loc) {
      st.loc = false;
      this.event('loc', false, atNs, c.mepId);
      this.arm();
    }
    if (st.rdi !== c.rdi) {
      st.rdi = c.rdi;
      this.event('rdi', c.rdi, atNs, c.mepId);
    }
    // someMACstatusDefect inputs (802.1Q 20.33.6): every change of a received status TLV is an
    // event carrying the value; active = not psUp(2) / not isUp(1) (0 = TLV absent = fine)
    if (st.portStatusTlv !== c.portStatusTlv) {
      st.portStatusTlv = c.portStatusTlv;
      this.event('port-status', c.portStatusTlv !== 0 && c.portStatusTlv !== 2, atNs, c.mepId, c.portStatusTlv);
    }
    if (st.interfaceStatusTlv !== c.interfaceStatusTlv) {
      st.interfaceStatusTlv = c.interfaceStatusTlv;
      this.event('interface-status', c.interfaceStatusTlv !== 0 && c.interfaceStatusTlv !== 1, atNs, c.mepId, c.interfaceStatusTlv);
    }
  }

  /** The kernel's timer found this peer silent (eBPF datapath): LOC at `atNs`. */
  kernelLoc(peerMepId: number, atNs: number, lastSeenNs: number): void {
    const peer = this.peers.get(peerMepId);
    if (!peer) return;
    if (lastSeenNs > peer.lastValidNs) peer.lastValidNs = lastSeenNs;
    if (peer.status.loc) return;
    peer.status.loc = true;
    this.event('loc', true, atNs, peerMepId);
  }

  /** Expire rMEPwhile and the unexpected-condition timers that are due. */
  check(now = monoNs()): void {
    const t = this.timeoutNs;
    // `now` stays the time taken before the flush: every frame that arrived before it is read by
    // the flush, so a peer still silent at `now` really was (a frame arriving during the flush
    // is judged by its own arrival time).
    if (this.out.flush && this.anyDue(now, t)) this.out.flush();
    for (const [id, peer] of this.peers) {
      if (!peer.kernelTimed && !peer.status.loc && now - peer.lastValidNs >= t) {
        peer.status.loc = true;
        this.event('loc', true, peer.lastValidNs + t, id);
      }
    }
    for (const [kind, last] of this.active) {
      if (now - last >= t) {
        this.active.delete(kind);
        this.event(kind, false, last + t);
      }
    }
  }

  private anyDue(now: number, t: number): boolean {
    for (const peer of this.peers.values()) if (!peer.kernelTimed && !peer.status.loc && now - peer.lastValidNs >= t) return true;
    for (const last of this.active.values()) if (now - last >= t) return true;
    return false;
  }

  /** Earliest rMEPwhile / errorCCMwhile expiry of this VOE (Infinity: none running). */
  nextExpiryNs(): number {
    if (this.closed) return Infinity;
    let next = Infinity;
    const t = this.timeoutNs;
    for (const peer of this.peers.values()) if (!peer.kernelTimed && !peer.status.loc && peer.lastValidNs + t < next) next = peer.lastValidNs + t;
    for (const last of this.active.values()) if (last + t < next) next = last + t;
    return next;
  }

  /** An expiry may have moved earlier (new peer, new condition, LOC cleared): tell the timer. A CCM only moves expiries later, so it never re-arms. */
  private arm(): void {
    if (this.closed) return;
    const next = this.nextExpiryNs();
    if (next !== Infinity) this.timers.schedule(next);
  }

  peerStatus(): RemotePeerStatus[] {
    return [...this.peers.values()].map((p) => ({ ...p.status }));
  }

  /** Read and clear the sticky conditions (VoeStatus semantics: seen since the last read). */
  takeSticky(): Record<Unexpected, boolean> {
    const out = { ...this.sticky };
    for (const k of UNEXPECTED) this.sticky[k] = false;
    return out;
  }

  close(): void {
    this.closed = true;
    this.timers.remove(this);
  }
}

export type { IntervalCode };
