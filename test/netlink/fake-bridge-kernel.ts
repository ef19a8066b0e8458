/**
 * A small stand-in for the kernel's rtnetlink + bridge CFM (br_cfm.c semantics as written in
 * cfm-facts 1.3): interface dump, CFM SETLINK in the kernel's fixed command order with its errors
 * and extack texts, CFM GETLINK dumps (config/status; status dumps clear the seen flags).
 * Host unit tests drive the linux-bridge backend through it; the real kernel runs in the qemu
 * suite (test/kernel).
 */
import { type Attr, find, getU16, getU32, nest, parseAttrs, str, u8, u32 } from '../../src/netlink/attrs.js';
import {
  CFM_NESTS, type CfmNestName, type CfmValue, decodeCfmNest, encodeCfmInfoNest,
} from '../../src/netlink/bridge-cfm.js';
import {
  AF_BRIDGE, IFLA_AF_SPEC, IFLA_BRIDGE_CFM, IFLA_BRIDGE_FLAGS, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_INFO_KIND, IFLA_LINKINFO,
  IFLA_MASTER, IFLA_OPERSTATE, NLMSG_DONE, NLM_F_MULTI, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK,
} from '../../src/netlink/constants.js';
import { encodeAck, encodeMessage, splitMessages } from '../../src/netlink/message.js';
import { decodeIfInfoMsg, encodeIfInfoMsg, IFINFOMSG_LEN } from '../../src/netlink/rtnl.js';
import type { BatchHandler, NetlinkTransport } from '../../src/netlink/transport.js';

export interface FakeLink {
  index: number;
  name: string;
  master: number;
  kind: string;
  /** IFLA_OPERSTATE (RFC 2863 code: 2 down, 6 up, ...); absent = not reported. */
  operstate?: number;
  /** A bridge port's IFLA_BRPORT_STATE (0 disabled .. 3 forwarding, 4 blocking); absent = not reported. */
  stpState?: number;
}

const IFLA_PROTINFO = 12;
const IFLA_BRPORT_STATE = 1;

interface Mep {
  create: CfmValue<'mepCreate'>;
  config?: CfmValue<'mepConfig'>;
  cc?: CfmValue<'ccConfig'>;
  rdi: boolean;
  tx?: CfmValue<'ccmTx'>;
  peers: Map<number, CfmValue<'peerStatus'>>;
}

const ORDER: CfmNestName[] = ['mepCreate', 'mepDelete', 'mepConfig', 'ccConfig', 'peerMepAdd', 'peerMepRemove', 'rdi', 'ccmTx'];
const BY_SET = new Map<number, CfmNestName>(ORDER.map((n) => [CFM_NESTS[n].set as number, n]));

class KernelError extends Error {
  constructor(readonly errno: number, readonly extack: string) {
    super(extack);
  }
}

export class FakeBridgeKernel {
  readonly meps = new Map<number, Map<number, Mep>>(); // bridge ifindex -> instance -> MEP
  /** Every CFM command the kernel executed, in order: [name, instance]. */
  readonly log: Array<[CfmNestName, number]> = [];
  hasCfm = true;
  /** GETLINK dumps with the CFM status filter (each clears every MEP's seen flags). */
  statusDumps = 0;
  /** Fault injection: this command fails once with EINVAL (after the ones before it ran). */
  failNext: CfmNestName | undefined;
  private readonly transports = new Set<FakeTransport>();
  private nextPort = 100;

  constructor(readonly links: FakeLink[]) {}

  transport(): FakeTransport {
    const t = new FakeTransport(this, this.nextPort++);
    this.transports.add(t);
    return t;
  }

  private bridgeMeps(br: number): Map<number, Mep> {
    let m = this.meps.get(br);
    if (!m) this.meps.set(br, (m = new Map()));
    return m;
  }

  handle(d: Uint8Array, portId: number): Uint8Array[] {
    const [m] = splitMessages(d);
    const req = { ...m, len: d.length };
    const h = decodeIfInfoMsg(m.payload);
    const attrs = parseAttrs(m.payload, IFINFOMSG_LEN);
    if (m.type === RTM_GETLINK) {
      const mask = find(attrs, IFLA_EXT_MASK);
      if (h.family === AF_BRIDGE && mask && getU32(mask) & (1 << 6)) this.statusDumps++;
      const out = h.family === AF_BRIDGE ? this.bridgeDump(m.seq, portId, mask ? getU32(mask) : 0) : this.linkDump(m.seq, portId);
      return [...out, encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: m.seq, portId }, new Uint8Array(4))];
    }
    if (m.type === RTM_SETLINK && h.family === AF_BRIDGE) {
      try {
        const spec = find(attrs, IFLA_AF_SPEC);
        if (!spec) throw new KernelError(22, '');
        const inner = parseAttrs(spec.value);
        const flags = find(inner, IFLA_BRIDGE_FLAGS);
        if (!flags || getU16(flags) !== 2) throw new KernelError(95, '');
        const cfm = find(inner, IFLA_BRIDGE_CFM);
        if (cfm) {
          if (!this.hasCfm) throw new KernelError(95, '');
          if (!cfm.nested) throw new KernelError(22, 'NLA_F_NESTED is missing');
          this.apply(h.index, parseAttrs(cfm.value));
        }
        return [encodeAck(req, 0, '', { portId })];
      } catch (e) {
        if (e instanceof KernelError) return [encodeAck(req, e.errno, e.extack, { portId })];
        throw e;
      }
    }
    return [encodeAck(req, 95, '', { portId })];
  }

  private apply(br: number, cmds: ReturnType<typeof parseAttrs>): void {
    const meps = this.bridgeMeps(br);
    const byName = new Map<CfmNestName, ReturnType<typeof parseAttrs>[number]>();
    for (const c of cmds) {
      const n = BY_SET.get(c.type);
      if (n) byName.set(n, c); // the kernel's tb[] keeps the last of each type
    }
    for (const name of ORDER) {
      const a = byName.get(name);
      if (!a) continue;
      if (!a.nested) throw new KernelError(22, 'NLA_F_NESTED is missing');
      let v: { instance: number };
      try {
        v = decodeCfmNest(name, a);
      } catch {
        throw new KernelError(22, `bridge: Missing attribute`);
      }
      const mep = meps.get(v.instance);
      this.log.push([name, v.instance]);
      if (this.failNext === name) {
        this.failNext = undefined;
        throw new KernelError(22, `bridge: injected ${name} failure`);
      }
      if (name === 'mepCreate') {
        const c = v as CfmValue<'mepCreate'>;
        if (c.direction === 1) throw new KernelError(22, 'bridge: Up-MEP not supported');
        if (!this.links.some((l) => l.index === c.ifindex && l.master === br)) throw new KernelError(22, 'bridge: Port is not related to bridge');
        if (mep) throw new KernelError(17, 'bridge: MEP instance already exists');
        if ([...meps.values()].some((m) => m.create.ifindex === c.ifindex)) throw new KernelError(22, 'bridge: Only one Port MEP on a port allowed');
        meps.set(c.instance, { create: c, rdi: false, peers: new Map() });
        continue;
      }
      if (!mep) throw new KernelError(2, 'bridge: MEP instance does not exists');
      switch (name) {
        case 'mepDelete': meps.delete(v.instance); break;
        case 'mepConfig': mep.config = v as CfmValue<'mepConfig'>; break;
        case 'ccConfig': mep.cc = v as CfmValue<'ccConfig'>; break;
        case 'rdi': mep.rdi = (v as CfmValue<'rdi'>).rdi; break;
        case 'ccmTx': mep.tx = v as CfmValue<'ccmTx'>; break;
        case 'peerMepAdd': {
          const id = (v as CfmValue<'peerMepAdd'>).mepId;
          if (mep.peers.has(id)) throw new KernelError(17, 'bridge: Peer MEP-ID already exists');
          mep.peers.set(id, { instance: v.instance, peerMepId: id, ccmDefect: false, rdi: false, portTlvValue: 0, ifTlvValue: 0, seen: false, tlvSeen: false, seqUnexpSeen: false });
          break;
        }
        case 'peerMepRemove': {
          const id = (v as CfmValue<'peerMepRemove'>).mepId;
          if (!mep.peers.delete(id)) throw new KernelError(2, 'bridge: Peer MEP-ID does not exists');
          break;
        }
        default: break;
      }
    }
  }

  /** What a valid CCM from `peer` does to the status (br_cfm_frame_rx). */
  receive(br: number, instance: number, peer: number, o: { rdi?: boolean; portTlv?: number } = {}): void {
    const p = this.meps.get(br)?.get(instance)?.peers.get(peer);
    if (!p) return;
    const wasDefect = p.ccmDefect;
    Object.assign(p, { ccmDefect: false, seen: true, rdi: o.rdi ?? false });
    if (o.portTlv !== undefined) Object.assign(p, { tlvSeen: true, portTlvValue: o.portTlv });
    if (wasDefect) this.notify(br);
  }

  /** LOC: 3.25 intervals without a CCM (ccm_rx_work_expired), with its notification. */
  loc(br: number, instance: number, peer: number): void {
    const p = this.meps.get(br)?.get(instance)?.peers.get(peer);
    if (!p || p.ccmDefect) return;
    p.ccmDefect = true;
    this.notify(br);
  }

  /**
   * A link's operational or STP state changes: the RTM_NEWLINK notifications the kernel sends to
   * RTNLGRP_LINK (AF_UNSPEC from linkwatch for the oper state, AF_BRIDGE from br_ifinfo_notify for
   * the STP state).
   */
  setLinkState(name: string, s: { operstate?: number; stpState?: number }): void {
    const l = this.links.find((x) => x.name === name);
    if (!l) throw new Error(`no link ${name}`);
    const msgs: Uint8Array[] = [];
    if (s.operstate !== undefined) {
      l.operstate = s.operstate;
      msgs.push(this.linkMessage(l, 0, 0, 0));
    }
    if (s.stpState !== undefined) {
      l.stpState = s.stpState;
      msgs.push(this.portMessage(l, 0, 0, 0));
    }
    for (const t of this.transports) if (t.groups & 1) t.deliver(msgs);
  }

  private linkMessage(l: FakeLink, seq: number, portId: number, flags: number): Uint8Array {
    const attrs: Attr[] = [str(IFLA_IFNAME, l.name)];
    if (l.master) attrs.push(u32(IFLA_MASTER, l.master));
    if (l.kind) attrs.push(nest(IFLA_LINKINFO, [str(IFLA_INFO_KIND, l.kind)], false));
    if (l.operstate !== undefined) attrs.push(u8(IFLA_OPERSTATE, l.operstate));
    return encodeMessage({ type: RTM_NEWLINK, flags, seq, portId }, encodeIfInfoMsg({ index: l.index, flags: 1 }), attrs);
  }

  private portMessage(l: FakeLink, seq: number, portId: number, flags: number): Uint8Array {
    const attrs: Attr[] = [str(IFLA_IFNAME, l.name), u32(IFLA_MASTER, l.master)];
    if (l.stpState !== undefined) attrs.push(nest(IFLA_PROTINFO, [u8(IFLA_BRPORT_STATE, l.stpState)], true));
    return encodeMessage({ type: RTM_NEWLINK, flags, seq, portId }, encodeIfInfoMsg({ family: AF_BRIDGE, index: l.index }), attrs);
  }

  private notify(br: number): void {
    const msg = this.bridgeMessage(br, 0, 0, 1 << 6, false);
    for (const t of this.transports) if (t.groups & 1) t.deliver([msg]);
  }

  private linkDump(seq: number, portId: number): Uint8Array[] {
    return this.links.map((l) => this.linkMessage(l, seq, portId, NLM_F_MULTI));
  }

  private bridgeDump(seq: number, portId: number, mask: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const l of this.links) {
      if (l.kind === 'bridge') out.push(this.bridgeMessage(l.index, seq, portId, mask, true));
      else if (l.master) out.push(this.portMessage(l, seq, portId, NLM_F_MULTI));
    }
    return out;
  }

  private bridgeMessage(br: number, seq: number, portId: number, mask: number, getlink: boolean): Uint8Array {
    const meps = this.meps.get(br) ?? new Map<number, Mep>();
    const nests: Attr[] = [];
    for (const m of meps.values()) {
      const i = m.create.instance;
      if (mask & (1 << 5)) {
        nests.push(encodeCfmInfoNest('mepCreate', m.create));
        if (m.config) nests.push(encodeCfmInfoNest('mepConfig', m.config));
        if (m.cc) nests.push(encodeCfmInfoNest('ccConfig', m.cc));
        nests.push(encodeCfmInfoNest('rdi', { instance: i, rdi: m.rdi }));
        if (m.tx) nests.push(encodeCfmInfoNest('ccmTx', m.tx));
        for (const id of m.peers.keys()) nests.push(encodeCfmInfoNest('peerMepAdd', { instance: i, mepId: id }));
      }
      if (mask & (1 << 6)) {
        nests.push(encodeCfmInfoNest('mepStatus', { instance: i, opcodeUnexpSeen: false, versionUnexpSeen: false, rxLevelLowSeen: false }));
        for (const p of m.peers.values()) {
          nests.push(encodeCfmInfoNest('peerStatus', p));
          if (getlink) Object.assign(p, { seen: false, tlvSeen: false, seqUnexpSeen: false });
        }
      }
    }
    const attrs: Attr[] = [str(IFLA_IFNAME, this.links.find((l) => l.index === br)?.name ?? '?')];
    if (meps.size > 0 && mask & ((1 << 5) | (1 << 6))) attrs.push(nest(IFLA_AF_SPEC, [nest(IFLA_BRIDGE_CFM, nests)], false));
    return encodeMessage({ type: RTM_NEWLINK, flags: getlink ? NLM_F_MULTI : 0, seq, portId }, encodeIfInfoMsg({ family: AF_BRIDGE, index: br }), attrs);
  }
}

export class FakeTransport implements NetlinkTransport {
  groups = 0;
  private handler: BatchHandler | undefined;
  constructor(private readonly kernel: FakeBridgeKernel, readonly portId: number) {}
  send(d: Uint8Array): void {
    const replies = this.kernel.handle(d, this.portId);
    // like the real socket: replies arrive on a later turn of the event loop
    queueMicrotask(() => this.handler?.(null, replies));
  }
  deliver(d: Uint8Array[]): void {
    queueMicrotask(() => this.handler?.(null, d));
  }
  start(h: BatchHandler): void {
    this.handler = h;
  }
  setRef(): void {}
  addMembership(): void {}
  close(): void {
    this.handler = undefined;
  }
}
