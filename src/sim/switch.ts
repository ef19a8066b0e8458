/**
 * A simulated bridge: ports, a learning relay per VLAN with an aging FDB, per-port STP state,
 * and the CFM engine with its MP stacks on the ports (802.1Q 8.6, 19). Frames arriving from a
 * link first walk the port's MP stack from the wire inwards; frames leaving through a port walk
 * it from the relay outwards (CfmEngine.process). Down MEPs transmit straight onto the wire
 * (even on a blocked port); up MEPs transmit into the relay, which forwards like data (seed 003).
 * VLAN tags are in the frame bytes; untagged frames belong to VLAN 0.
 */
import type { FrameDirection, FramePort, FrameRx } from '../common/frame-port.js';
import { CfmError } from '../common/errors.js';
import type { BridgeView } from '../engine/context.js';
import { CfmEngine } from '../engine/engine.js';
import type { Mep } from '../engine/mep.js';
import type { Mip } from '../engine/mip.js';
import type { MepConfig, MipConfig } from '../engine/types.js';
import { isMulticast, macAt, outerVid } from '../engine/wire.js';
import type { SimNetwork, SimNode } from './network.js';

export interface SimSwitchOptions {
  /** Bridge MAC; port i gets this MAC + i (default 02:00:00:<n>:00 for the network's n-th node). */
  mac?: string;
  /** FDB aging time, ms (802.1Q 8.8.3 default 300 s). */
  agingMs?: number;
}

interface FdbEntry {
  port: string;
  atNs: number;
}

function addToMac(mac: string, n: number): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  let carry = n;
  for (let i = 5; i >= 0 && carry > 0; i--) {
    const v = b[i] + carry;
    b[i] = v & 0xff;
    carry = v >> 8;
  }
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export class SimSwitch implements SimNode, BridgeView {
  readonly name: string;
  readonly ports: readonly string[];
  readonly engine: CfmEngine;
  readonly mac: string;
  private readonly net: SimNetwork;
  private readonly fdb = new Map<string, FdbEntry>();
  private readonly agingNs: number;
  private readonly blocked = new Set<string>();
  private readonly portMacs = new Map<string, string>();
  /** Frames relayed (forwarded by the bridge), for tests. */
  relayed = 0;

  constructor(net: SimNetwork, name: string, ports: string[], o: SimSwitchOptions = {}) {
    if (/[-:]/.test(name)) throw new CfmError('CONFIG', `switch name '${name}' must not contain '-' or ':'`);
    this.net = net;
    this.name = name;
    this.ports = [...ports];
    // default MACs depend only on the order of nodes in this network: runs are reproducible
    const n = net.nodeNames().length + 1;
    this.mac = (o.mac ?? `02:00:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}:00`).toLowerCase();
    this.ports.forEach((p, i) => this.portMacs.set(p, addToMac(this.mac, i + 1)));
    this.agingNs = (o.agingMs ?? 300_000) * 1e6;
    const port: FramePort = {
      send: (p: string, frame: Uint8Array, towards: FrameDirection = 'wire') => this.mpSend(p, frame, towards),
      onReceive: (_h: (rx: FrameRx) => void) => () => undefined,
    };
    this.engine = new CfmEngine({ clock: net.clock, port, bridge: this, subscribe: false });
    net.addNode(this);
  }

  // ------------------------------------------------------------------ BridgeView

  portMac(port: string): string {
    const m = this.portMacs.get(port);
    if (!m) throw new CfmError('CONFIG', `switch ${this.name} has no port '${port}'`);
    return m;
  }

  bridgeMac(): string {
    return this.mac;
  }

  fdbLookup(vlan: number, mac: string): string | null {
    const e = this.fdb.get(`${vlan}/${mac}`);
    if (!e) return null;
    if (this.net.clock.nowNs() - e.atNs > this.agingNs) {
      this.fdb.delete(`${vlan}/${mac}`);
      return null;
    }
    return e.port;
  }

  portForwarding(port: string): boolean {
    return !this.blocked.has(port);
  }

  // ------------------------------------------------------------------ configuration

  /**
   * STP state of a port: blocked ports neither receive nor send relayed frames. The MEPs on the
   * port report it in their Port Status TLV (psBlocked / psUp, 802.1Q 21.5.4).
   */
  setPortBlocked(port: string, blocked: boolean): void {
    this.portMac(port);
    if (blocked) this.blocked.add(port);
    else this.blocked.delete(port);
    this.engine.setPortState(port, { forwarding: !blocked });
  }

  /** The link on `port` went down or up: the port's operational state (Interface Status TLV, 21.5.5). */
  linkChanged(port: string, up: boolean): void {
    this.engine.setPortState(port, { ifStatus: up ? 'up' : 'down' });
  }

  addMep(cfg: Omit<MepConfig, 'mac'> & { mac?: string }): Mep {
    this.portMac(cfg.port);
    return this.engine.addMep({ ...cfg, mac: cfg.mac ?? this.portMac(cfg.port) });
  }

  addMip(cfg: Omit<MipConfig, 'mac'> & { mac?: string }): Mip {
    this.portMac(cfg.port);
    return this.engine.addMip({ ...cfg, mac: cfg.mac ?? this.portMac(cfg.port) });
  }

  fdbEntries(): Array<{ vlan: number; mac: string; port: string }> {
    return [...this.fdb.entries()].map(([k, e]) => {
      const [v, m] = k.split('/');
      return { vlan: Number(v), mac: m, port: e.port };
    });
  }

  // ------------------------------------------------------------------ data path

  /**
   * Put a crafted frame at a port: as if it arrived from the port's link (`wire`: it walks the
   * port's MP stack inwards, then the relay) or as if the relay sent it out of the port (`relay`:
   * it walks the MP stack outwards, then goes onto the link unless the port is blocked).
   */
  inject(port: string, frame: Uint8Array, from: FrameDirection): void {
    this.portMac(port);
    if (from === 'wire') this.receive(port, frame);
    else if (!this.blocked.has(port) && this.engine.process(port, 'relay', frame, this.net.clock.nowNs())) this.net.transmit(this.name, port, frame);
  }

  receive(port: string, frame: Uint8Array): void {
    if (!this.engine.process(port, 'wire', frame, this.net.clock.nowNs())) return;
    if (this.blocked.has(port)) return;
    this.relay(port, frame);
  }

  private mpSend(port: string, frame: Uint8Array, towards: FrameDirection): void {
    if (towards === 'wire') this.net.transmit(this.name, port, frame);
    else this.relay(port, frame);
  }

  /** Learning bridge relay (802.1Q 8.7, 8.8): learn SA on the ingress port, forward or flood. */
  private relay(inPort: string, frame: Uint8Array): void {
    const vid = outerVid(frame);
    const now = this.net.clock.nowNs();
    if (!isMulticast(frame.subarray(6))) this.fdb.set(`${vid}/${macAt(frame, 6)}`, { port: inPort, atNs: now });
    let out: readonly string[] = this.ports;
    if (!isMulticast(frame)) {
      const p = this.fdbLookup(vid, macAt(frame, 0));
      if (p !== null) out = [p];
    }
    for (const p of out) {
      if (p === inPort || this.blocked.has(p)) continue;
      if (!this.engine.process(p, 'relay', frame, now)) continue;
      this.relayed++;
      this.net.transmit(this.name, p, frame);
    }
  }
}
