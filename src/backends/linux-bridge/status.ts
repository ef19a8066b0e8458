/**
 * Turns the kernel's CFM status (from dumps and RTNLGRP_LINK notifications) into VoeStatus and
 * HwEvents.
 *
 * Two kernel quirks shape this (cfm-facts 1.3, br_cfm_netlink.c):
 * - the `*_SEEN` flags are cleared by every status dump, for every MEP of every bridge; so each
 *   dump's flags are OR-ed into a per-VOE sticky record that readStatus() hands out and resets:
 *   no caller loses another VOE's "seen" by reading its own.
 * - notifications (RTM_NEWLINK, AF_BRIDGE, CFM_STATUS) come only when a peer's ccm_defect
 *   changes, but carry the whole status; RDI is compared on every dump/notification.
 */
import type { BridgeCfmInfo, MepStatusInfo, PeerStatusInfo } from '../../netlink/bridge-cfm.js';
import type { HwEvent, RemotePeerStatus, VoeStatus } from '../types.js';

interface StickyPeer {
  seen: boolean;
  seqUnexp: boolean;
  /** Last TLV values received (tlv_seen), if any since the last drain. */
  tlv?: { port: number; ifc: number };
}

/**
 * Process-wide record of the kernel's sticky flags. Any status dump clears the `seen` flags of
 * every MEP on every bridge of the namespace, so whichever backend dumps records the flags of
 * all bridges here, and each backend drains its own: two backends (two bridges) in one process
 * never eat each other's "seen". (Another process dumping status still can: documented.)
 */
export class SeenLedger {
  private readonly peers = new Map<string, StickyPeer>();
  private readonly levelLow = new Set<string>();

  private static key(ns: string, bridge: number, instance: number, peer?: number): string {
    return `${ns}|${bridge}|${instance}|${peer ?? ''}`;
  }

  record(ns: string, info: BridgeCfmInfo): void {
    for (const m of info.mepStatus) if (m.rxLevelLowSeen) this.levelLow.add(SeenLedger.key(ns, info.bridgeIfindex, m.instance));
    for (const p of info.peerStatus) {
      const k = SeenLedger.key(ns, info.bridgeIfindex, p.instance, p.peerMepId);
      const cur = this.peers.get(k) ?? { seen: false, seqUnexp: false };
      cur.seen ||= p.seen;
      cur.seqUnexp ||= p.seqUnexpSeen;
      if (p.tlvSeen) cur.tlv = { port: p.portTlvValue, ifc: p.ifTlvValue };
      this.peers.set(k, cur);
    }
  }

  drainPeer(ns: string, bridge: number, instance: number, peer: number): StickyPeer {
    const k = SeenLedger.key(ns, bridge, instance, peer);
    const v = this.peers.get(k) ?? { seen: false, seqUnexp: false };
    this.peers.delete(k);
    return v;
  }

  drainLevelLow(ns: string, bridge: number, instance: number): boolean {
    return this.levelLow.delete(SeenLedger.key(ns, bridge, instance));
  }

  /** Forget a MEP (deleted or re-created): its old flags must not leak into the new one. */
  forget(ns: string, bridge: number, instance: number): void {
    const prefix = SeenLedger.key(ns, bridge, instance);
    this.levelLow.delete(prefix);
    for (const k of [...this.peers.keys()]) if (k.startsWith(prefix)) this.peers.delete(k);
  }
}

export const seenLedger = new SeenLedger();

interface PeerState {
  loc: boolean;
  rdi: boolean;
  everSeen: boolean;
  portTlv: number;
  ifTlv: number;
  seqUnexpSticky: boolean;
}

interface VoeTrack {
  peers: Map<number, PeerState>;
  levelLowSticky: boolean;
  levelLowActive: boolean;
}

export class StatusTracker {
  private readonly voes = new Map<number, VoeTrack>();

  /** `ns` names the network namespace ('' = ours), `bridge` the bridge ifindex. */
  constructor(
    private readonly ns: string,
    private readonly bridge: number,
    private readonly ledger: SeenLedger = seenLedger,
  ) {}

  private track(instance: number): VoeTrack {
    let t = this.voes.get(instance);
    if (!t) {
      t = { peers: new Map(), levelLowSticky: false, levelLowActive: false };
      this.voes.set(instance, t);
    }
    return t;
  }

  /** Starts tracking a VOE we created: peers begin without LOC (the kernel's initial state). */
  add(instance: number): void {
    this.voes.delete(instance);
    this.ledger.forget(this.ns, this.bridge, instance);
    this.track(instance);
  }

  forget(instance: number): void {
    this.voes.delete(instance);
    this.ledger.forget(this.ns, this.bridge, instance);
  }

  has(instance: number): boolean {
    return this.voes.has(instance);
  }

  /**
   * Folds one status snapshot in (its sticky flags must have been recorded in the ledger, as
   * BridgeCfmKernel.dump and the notification handler do); returns the events it implies.
   * Only instances in `owned` (our VOEs) produce events.
   */
  ingest(mepStatus: MepStatusInfo[], peerStatus: PeerStatusInfo[], owned: ReadonlySet<number>, atNs: number): HwEvent[] {
    const events: HwEvent[] = [];
    for (const m of mepStatus) {
      if (!owned.has(m.instance)) continue;
      const t = this.track(m.instance);
      if (this.ledger.drainLevelLow(this.ns, this.bridge, m.instance)) t.levelLowSticky = true;
      if (m.rxLevelLowSeen !== t.levelLowActive) {
        t.levelLowActive = m.rxLevelLowSeen;
        events.push({ handle: m.instance, kind: 'unexpected-level', active: m.rxLevelLowSeen, atNs });
      }
    }
    const present = new Map<number, Set<number>>();
    for (const p of peerStatus) {
      if (!owned.has(p.instance)) continue;
      const t = this.track(p.instance);
      let set = present.get(p.instance);
      if (!set) present.set(p.instance, (set = new Set()));
      set.add(p.peerMepId);
      let s = t.peers.get(p.peerMepId);
      if (!s) {
        s = { loc: false, rdi: false, everSeen: false, portTlv: 0, ifTlv: 0, seqUnexpSticky: false };
        t.peers.set(p.peerMepId, s);
      }
      if (p.ccmDefect !== s.loc) {
        s.loc = p.ccmDefect;
        events.push({ handle: p.instance, kind: 'loc', peerMepId: p.peerMepId, active: p.ccmDefect, atNs });
      }
      if (p.rdi !== s.rdi) {
        s.rdi = p.rdi;
        events.push({ handle: p.instance, kind: 'rdi', peerMepId: p.peerMepId, active: p.rdi, atNs });
      }
      const sticky = this.ledger.drainPeer(this.ns, this.bridge, p.instance, p.peerMepId);
      if (sticky.seen) s.everSeen = true;
      if (sticky.seqUnexp) s.seqUnexpSticky = true;
      if (sticky.tlv) {
        s.portTlv = sticky.tlv.port;
        s.ifTlv = sticky.tlv.ifc;
      }
    }
    // Peers removed in the kernel are no longer tracked.
    for (const [inst, t] of this.voes) {
      if (!owned.has(inst)) continue;
      const set = present.get(inst);
      for (const id of [...t.peers.keys()]) if (!set?.has(id)) t.peers.delete(id);
    }
    return events;
  }

  /** The status of one VOE from what has been ingested; resets its sticky flags. */
  take(instance: number, peerOrder: number[]): VoeStatus {
    const t = this.track(instance);
    const peers: RemotePeerStatus[] = peerOrder.map((id) => {
      const s = t.peers.get(id);
      return {
        mepId: id,
        loc: s?.loc ?? false,
        rdi: s?.rdi ?? false,
        seen: s?.everSeen ?? false,
        portStatusTlv: s?.portTlv ?? 0,
        interfaceStatusTlv: s?.ifTlv ?? 0,
        // The kernel keeps neither the peer's source MAC nor its sequence number.
        mac: null,
        lastSeq: 0,
      };
    });
    const status: VoeStatus = {
      handle: instance,
      peers,
      // The kernel silently drops CCMs with an unknown MEPID, wrong MAID or wrong interval
      // (they look like LOC), so those conditions are never reported from here.
      unexpectedMepId: false,
      unexpectedMegId: false,
      unexpectedLevel: t.levelLowSticky,
      unexpectedPeriod: false,
      unexpectedPriority: false,
      // No counters in the kernel's bridge CFM.
      counters: { ccmTx: 0, ccmRxValid: 0, ccmRxInvalid: 0, ccmRxOutOfOrder: 0, cpuCopies: 0 },
    };
    t.levelLowSticky = false;
    for (const s of t.peers.values()) s.seqUnexpSticky = false;
    return status;
  }
}
