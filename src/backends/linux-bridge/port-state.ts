/**
 * Port state of the bridge's ports (issue 12 item 3; 802.1Q 20.9.2-20.9.3, 21.5.4-21.5.5), for
 * Backend.onPortState: the kernel's MEPs send the CC_CCM_TX TLV values they are given
 * (PORT_TLV_VALUE / IF_TLV_VALUE, u8) and never look at the port, so the offload manager writes
 * the state reported here into them (src/offload/port-tlvs.ts).
 *
 * Same reading as the software datapath's link watcher (src/backends/software/link-watch.ts,
 * whose decoders are reused): IFLA_OPERSTATE of RTM_NEWLINK (AF_UNSPEC) for the operational state,
 * IFLA_PROTINFO / IFLA_BRPORT_STATE of RTM_NEWLINK (AF_BRIDGE) for the STP state (only forwarding
 * forwards). It listens on the backend's RTNLGRP_LINK socket and reads the first state with two
 * plain dumps on the request socket (no CFM filter: they clear no `seen` flags), started when the
 * first listener subscribes, again after a notification overrun.
 */
import {
  AF_BRIDGE, AF_UNSPEC, decodeLinkMessage, encodeGetLinkDump, find, getStr, IFLA_IFNAME, RTM_DELLINK, RTM_NEWLINK,
  type NetlinkSocket, type NlMessage,
} from '../../netlink/index.js';
import { forwardingOf, operOf } from '../software/link-watch.js';
import type { PortStateChange } from '../types.js';

type State = Required<PortStateChange>;

export class BridgePortStates {
  private readonly states = new Map<string, State>();
  private readonly listeners = new Set<(s: PortStateChange) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private started = false;
  private closed = false;

  /** `isPort(name)`: whether an interface is a port of this bridge now. */
  constructor(
    private readonly request: NetlinkSocket,
    events: NetlinkSocket,
    private readonly isPort: (name: string) => boolean,
    private readonly onError: (e: Error) => void,
  ) {
    this.unsubscribe.push(events.onNotification((m) => this.onMessage(m)));
    this.unsubscribe.push(events.onOverrun(() => {
      if (this.started) this.readAll();
    }));
  }

  /** Every port known now, then each change (the first dump starts with the first listener). */
  subscribe(listener: (s: PortStateChange) => void): () => void {
    this.listeners.add(listener);
    for (const s of this.states.values()) if (this.isPort(s.port)) listener({ ...s });
    if (!this.started) {
      this.started = true;
      this.readAll();
    }
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    for (const u of this.unsubscribe) u();
  }

  private readAll(): void {
    void (async () => {
      const links = await this.request.dump((seq) => encodeGetLinkDump(seq, AF_UNSPEC), 'list interfaces (RTM_GETLINK)');
      const ports = await this.request.dump((seq) => encodeGetLinkDump(seq, AF_BRIDGE), 'list bridge ports (RTM_GETLINK AF_BRIDGE)');
      // both dumps in before anyone hears: a port listening (STP) is not reported forwarding
      // for the moment between the link dump and the bridge port dump
      const before = new Map(this.states);
      for (const m of [...links, ...ports]) this.onMessage(m, false);
      for (const [name, s] of this.states) {
        const p = before.get(name);
        if (p && p.forwarding === s.forwarding && p.operStatus === s.operStatus) continue;
        this.tell(s);
      }
    })().catch((e: unknown) => {
      if (!this.closed) this.onError(e instanceof Error ? e : new Error(String(e)));
    });
  }

  private onMessage(m: NlMessage, notify = true): void {
    if (this.closed || (m.type !== RTM_NEWLINK && m.type !== RTM_DELLINK)) return;
    let next: State;
    let prev: State | undefined;
    try {
      const l = decodeLinkMessage(m);
      const n = find(l.attrs, IFLA_IFNAME);
      const name = n ? getStr(n) : '';
      if (!name) return;
      prev = this.states.get(name);
      next = { ...(prev ?? { port: name, forwarding: true, operStatus: 'up' }) };
      if (m.type === RTM_DELLINK) {
        // left the bridge: no STP state any more; removed: not present (21.5.5 isNotPresent)
        if (l.header.family === AF_BRIDGE) next.forwarding = true;
        else next.operStatus = 'notPresent';
      } else if (l.header.family === AF_BRIDGE) {
        const f = forwardingOf(l);
        if (f === undefined) return; // the bridge's own CFM messages carry no port state
        next.forwarding = f;
      } else {
        const o = operOf(l);
        if (o === undefined) return;
        next.operStatus = o;
      }
    } catch {
      return; // not a link message we can read: the next dump or notification tells again
    }
    this.states.set(next.port, next);
    if (!notify || (prev && prev.forwarding === next.forwarding && prev.operStatus === next.operStatus)) return;
    this.tell(next);
  }

  private tell(s: State): void {
    if (this.closed || !this.isPort(s.port)) return;
    for (const l of [...this.listeners]) l({ ...s });
  }
}
