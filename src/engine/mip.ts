/**
 * MIP half function (MHF, 802.1Q 19.3, 20.42): transparent to CCMs at its level but records
 * their source in the bridge's MIP CCM database; answers LBMs addressed to its MAC; answers
 * LTMs and relays them towards the target (FDB first, then the MIP CCM database unless the LTM
 * says UseFDBonly). It never initiates anything.
 */
import type { FrameDirection } from '../common/frame-port.js';
import type { MpContext } from './context.js';
import { validCcm } from './ccm.js';
import { ensureLt } from './mep-lt.js';
import { lbrFromLbm } from './responders.js';
import { buildLtr, buildRelayedLtm, decodeLtm, egressId, ltrDelayNs, RLY_FDB, RLY_HIT, RLY_MPDB, sendLater } from './ltr.js';
import type { MipConfig } from './types.js';
import { daEquals, macAt, macToBytes, normMac, outerVid } from './wire.js';

export interface MipCounters {
  ccmsSeen: number;
  lbrOut: number;
  ltrOut: number;
  ltmRelayed: number;
}

export class Mip {
  readonly cfg: MipConfig;
  readonly macBytes: Uint8Array;
  readonly mac: string;
  readonly counters: MipCounters = { ccmsSeen: 0, lbrOut: 0, ltrOut: 0, ltmRelayed: 0 };

  constructor(cfg: MipConfig, private readonly ctx: MpContext) {
    this.cfg = cfg;
    this.mac = normMac(cfg.mac);
    this.macBytes = macToBytes(cfg.mac);
  }

  get key(): string {
    return this.cfg.key;
  }

  /** A frame at the MIP's level. Returns true when it passes on. */
  receive(b: Uint8Array, p: number, opcode: number, port: string, from: FrameDirection, _rxNs: number): boolean {
    switch (opcode) {
      case 1: // MHF CCR: record the ingress port, pass (20.42.2 MIP CCM database)
        // only a valid CCM teaches the database where its source is (20.51: invalid PDUs are discarded)
        if (from === 'wire' && validCcm(b, p)) {
          this.counters.ccmsSeen++;
          this.ctx.mipDb.set(`${outerVid(b)}/${macAt(b, 6)}`, port);
        }
        return true;
      case 3: // LBM to us -> LBR back the way it came (20.28)
        if (!daEquals(b, this.macBytes)) return true;
        if (b[6] & 1) return false; // from a group address: discarded (20.28.1 b), never answered to it
        this.counters.lbrOut++;
        this.ctx.send(port, lbrFromLbm(b, p, this.macBytes), from);
        return false;
      case 5:
        if (from === 'wire') this.ltm(b, port);
        else this.egressLtm(b, port);
        return false;
      default:
        return true;
    }
  }

  /**
   * LTM arriving from the relay at the egress port's MHF: no MHF on the ingress port handled it
   * (that one would have relayed it straight out of the egress port). The bridge still answers
   * once, with a Reply Egress TLV only, and forwards the LTM only out of the port towards the
   * target (LTMs follow the FDB, they are not flooded: 802.1Q 20.42.3).
   */
  private egressLtm(b: Uint8Array, port: string): void {
    const d = decodeLtm(b);
    const bridge = this.ctx.bridge;
    if (!d || !bridge) return;
    const ltm = d.ltm;
    const target = normMac(ltm.targetMac);
    let egress = bridge.fdbLookup(d.vid, target);
    let action = RLY_FDB;
    if (egress === null && !(ltm.flags & 0x80)) {
      egress = this.ctx.mipDb.get(`${d.vid}/${target}`) ?? null;
      action = RLY_MPDB;
    }
    if (target === this.mac) {
      egress = port;
      action = RLY_HIT;
    }
    if (egress !== port) return; // not the way to the target: this copy of the flood dies here
    const myId = egressId(bridge.bridgeMac());
    const fwd = action !== RLY_HIT && ltm.ttl > 1;
    this.counters.ltrOut++;
    const ltr = buildLtr(d, {
      responderMac: this.mac, relayAction: action, fwdYes: fwd, terminal: false, nextEgressId: myId,
      egress: { action: 1, mac: this.mac },
    });
    sendLater(this.ctx, ltrDelayNs(this.mac, ltm.transactionId), port, ltr, 'relay');
    if (fwd) {
      this.counters.ltmRelayed++;
      this.ctx.send(port, buildRelayedLtm(d, this.mac, myId), 'wire');
    }
  }

  /**
   * LTM received from the wire on `inPort` (802.1Q 20.47.1 ProcessLTM, 20.47.2 ForwardLTM).
   * Discarded when invalid (TTL 0, decodeLtm) or when the ingress port does not forward. The
   * LTM is forwarded only when the egress port forwards, no MEP on the egress port bounds the
   * domain at the LTM's level or above, and TTL > 1; FwdYes says whether it was. An Up MEP at
   * the LTM's level on the egress port is the end of the domain: it is given the LTM (it answers
   * as a terminal MEP when it is the target) and the LTM never goes out on that port's wire.
   */
  private ltm(b: Uint8Array, inPort: string): void {
    const d = decodeLtm(b);
    if (!d) return;
    if (!this.ctx.portForwarding(inPort)) return; // 20.47.1: not forwarding -> discard
    const ltm = d.ltm;
    const bridge = this.ctx.bridge;
    const target = normMac(ltm.targetMac);
    const myId = egressId(bridge ? bridge.bridgeMac() : this.mac);
    const delay = ltrDelayNs(this.mac, ltm.transactionId);
    if (target === this.mac) {
      this.counters.ltrOut++;
      const ltr = buildLtr(d, { responderMac: this.mac, relayAction: RLY_HIT, fwdYes: false, terminal: false, nextEgressId: myId, ingress: { action: 1, mac: this.mac } });
      sendLater(this.ctx, delay, inPort, ltr, 'wire');
      return;
    }
    if (!bridge) return;
    let egress = bridge.fdbLookup(d.vid, target);
    let action = RLY_FDB;
    if (egress === null && !(ltm.flags & 0x80)) {
      egress = this.ctx.mipDb.get(`${d.vid}/${target}`) ?? null;
      action = RLY_MPDB;
    }
    // No egress port, or the target lies back where the LTM came from: no reply (20.47.1).
    if (egress === null || egress === inPort) return;
    const forwarding = this.ctx.portForwarding(egress);
    const boundary = this.ctx.egressMep(egress, d.vid, ltm.level);
    const upMep = boundary && boundary.cfg.direction === 'up' && boundary.level === ltm.level ? boundary : null;
    const fwd = forwarding && !boundary && ltm.ttl > 1;
    this.counters.ltrOut++;
    const ltr = buildLtr(d, {
      responderMac: this.mac, relayAction: action, fwdYes: fwd, terminal: false, nextEgressId: myId,
      ingress: { action: 1, mac: this.mac },
      // Reply Egress names the egress MP: the Up MEP when there is one, else the port (EgrOK / EgrBlocked)
      egress: { action: forwarding ? 1 : 3, mac: upMep ? normMac(upMep.cfg.mac) : bridge.portMac(egress) },
    });
    sendLater(this.ctx, delay, inPort, ltr, 'wire');
    const relayed = fwd || (upMep && forwarding) ? buildRelayedLtm(d, bridge.portMac(egress), myId) : null;
    if (relayed && fwd) {
      this.counters.ltmRelayed++;
      this.ctx.send(egress, relayed, 'wire');
    } else if (relayed && upMep) {
      ensureLt(upMep).receiveLtmAtMep(relayed, 0, egress);
    }
  }
}

export { RLY_HIT };


