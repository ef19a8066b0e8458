/**
 * Port state of the software datapath's interfaces from rtnetlink (issue 12; 802.1Q 20.9.2-20.9.3,
 * 21.5.4-21.5.5): the MEPs on a port report it in their Port Status and Interface Status TLVs.
 *
 * - Operational state: RTM_NEWLINK (AF_UNSPEC) IFLA_OPERSTATE, RFC 2863 (the Interface Status TLV
 *   values). IF_OPER_UNKNOWN means the driver does not track it (dummy, tun, some virtual
 *   devices; kernel Documentation/networking/operstates.rst says to treat the interface as usable):
 *   an administratively up interface with IFF_RUNNING is reported up, else down.
 * - STP state: RTM_NEWLINK (AF_BRIDGE) of a bridge port, IFLA_PROTINFO / IFLA_BRPORT_STATE: only
 *   BR_STATE_FORWARDING forwards (listening, learning, blocking and disabled give psBlocked).
 *   An interface that is no bridge port forwards.
 *
 * Notifications come on RTNLGRP_LINK (both families); after an overrun (ENOBUFS) the state is
 * read again with two dumps. Listeners hear every port once when the first dump is in, then each
 * change.
 */
import { CfmError } from '../../common/errors.js';
import {
  AF_BRIDGE, AF_UNSPEC, find, getU8, IFF_RUNNING, IFF_UP, IF_OPER_NAMES, IFLA_IFNAME, IFLA_OPERSTATE, parseAttrs,
  RTM_DELLINK, RTM_NEWLINK, RTMGRP_LINK, decodeLinkMessage, encodeGetLinkDump, getStr, type LinkMessage, type NetlinkSocket, type NlMessage,
} from '../../netlink/index.js';
import { openRoute } from '../../netlink/route.js';
import type { PortStateChange } from '../types.js';

const IFLA_PROTINFO = 12;
const IFLA_BRPORT_STATE = 1;
const BR_STATE_FORWARDING = 3;

type Oper = NonNullable<PortStateChange['operStatus']>;

const OPER: Record<(typeof IF_OPER_NAMES)[number], Oper> = {
  unknown: 'unknown', notpresent: 'notPresent', down: 'down', lowerlayerdown: 'lowerLayerDown', testing: 'testing', dormant: 'dormant', up: 'up',
};

/** The operational state an RTM_NEWLINK (AF_UNSPEC) reports, or undefined without IFLA_OPERSTATE. */
export function operOf(l: LinkMessage): Oper | undefined {
  const a = find(l.attrs, IFLA_OPERSTATE);
  if (!a) return undefined;
  const o = OPER[IF_OPER_NAMES[getU8(a)] ?? 'unknown'] ?? 'unknown';
  if (o !== 'unknown') return o;
  const usable = (l.header.flags & IFF_UP) !== 0 && (l.header.flags & IFF_RUNNING) !== 0;
  return usable ? 'up' : 'down';
}

/** The STP forwarding state an RTM_NEWLINK (AF_BRIDGE) of a bridge port reports, or undefined. */
export function forwardingOf(l: LinkMessage): boolean | undefined {
  const pi = find(l.attrs, IFLA_PROTINFO);
  if (!pi) return undefined;
  const st = find(parseAttrs(pi.value, 0, pi.value.length, 'IFLA_PROTINFO'), IFLA_BRPORT_STATE);
  return st ? getU8(st) === BR_STATE_FORWARDING : undefined;
}

/** Interface Status TLV values (802.1Q 21.5.5). */
export const IF_STATUS_VALUE: Record<Oper, number> = { up: 1, down: 2, testing: 3, unknown: 4, dormant: 5, notPresent: 6, lowerLayerDown: 7 };

export class LinkWatcher {
  private readonly sock: NetlinkSocket;
  private readonly ports: Set<string>;
  private readonly states = new Map<string, Required<PortStateChange>>();
  private readonly listeners = new Set<(s: PortStateChange) => void>();
  private closed = false;
  /** Resolves when the first state of every interface is read. */
  readonly ready: Promise<void>;

  constructor(o: { ports: string[]; netns?: string; onError?: (e: Error) => void }) {
    this.ports = new Set(o.ports);
    try {
      this.sock = openRoute({ groups: RTMGRP_LINK, ...(o.netns ? { netns: o.netns } : {}) });
    } catch (e) {
      throw new CfmError('BACKEND', `software backend: cannot watch link state (rtnetlink): ${(e as Error).message}`);
    }
    this.sock.onNotification((m) => this.onMessage(m));
    this.sock.onOverrun(() => void this.readAll().catch((e: Error) => o.onError?.(e)));
    this.ready = this.readAll();
    this.ready.catch((e: Error) => o.onError?.(e));
  }

  /** The state of every watched port known so far. */
  current(): PortStateChange[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** The state of one port, once read. */
  state(port: string): PortStateChange | undefined {
    const s = this.states.get(port);
    return s ? { ...s } : undefined;
  }

  /** Hear each port's state now (those known) and every change. Returns unsubscribe. */
  onChange(fn: (s: PortStateChange) => void): () => void {
    this.listeners.add(fn);
    for (const s of this.current()) fn(s);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.sock.close();
  }

  private async readAll(): Promise<void> {
    const links = await this.sock.dump((seq) => encodeGetLinkDump(seq, AF_UNSPEC), 'list interfaces (RTM_GETLINK)');
    // bridge ports only: an empty answer when there is no bridge
    const ports = await this.sock.dump((seq) => encodeGetLinkDump(seq, AF_BRIDGE), 'list bridge ports (RTM_GETLINK AF_BRIDGE)');
    for (const m of [...links, ...ports]) this.onMessage(m);
  }

  private onMessage(m: NlMessage): void {
    if (this.closed || (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK)) return;
    const l = decodeLinkMessage(m);
    const n = find(l.attrs, IFLA_IFNAME);
    const name = n ? getStr(n) : '';
    if (!this.ports.has(name)) return;
    const prev = this.states.get(name) ?? { port: name, forwarding: true, operStatus: 'up' as Oper };
    const next = { ...prev };
    if (m.type === RTM_DELLINK) {
      // left the bridge: forwards as a plain interface; removed: not present (21.5.5 isNotPresent)
      if (l.header.family === AF_BRIDGE) next.forwarding = true;
      else next.operStatus = 'notPresent';
    } else if (l.header.family === AF_BRIDGE) {
      const f = forwardingOf(l);
      if (f !== undefined) next.forwarding = f;
    } else {
      const o = operOf(l);
      if (o !== undefined) next.operStatus = o;
    }
    const known = this.states.has(name);
    this.states.set(name, next);
    if (known && next.forwarding === prev.forwarding && next.operStatus === prev.operStatus) return;
    for (const fn of this.listeners) fn({ ...next });
  }
}
