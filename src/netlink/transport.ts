/**
 * Where netlink datagrams go: the native addon's AF_NETLINK socket, or (in unit tests) a fake
 * kernel. NetlinkSocket only talks to this interface.
 */
import { loadAddon } from '../native/addon.js';
import { fromNative } from '../native/errors.js';
import { CfmError } from '../common/errors.js';

export type BatchHandler = (err: Error | null, datagrams: Uint8Array[]) => void;

export interface NetlinkTransport {
  /** Our netlink port id (nl_pid the kernel put on replies to us). */
  readonly portId: number;
  send(datagram: Uint8Array): void;
  /** Start delivering received datagrams (called once). */
  start(handler: BatchHandler): void;
  /** Whether the socket keeps the Node event loop alive. */
  setRef(ref: boolean): void;
  addMembership(group: number): void;
  close(): void;
}

interface NetlinkAddon {
  netlinkOpen(protocol: number, groups: number, netns?: string): { fd: number; portId: number };
  netlinkSend(fd: number, datagram: Uint8Array): number;
  netlinkStart(fd: number, onBatch: (err: Error | null, datagrams: Buffer[]) => void): void;
  netlinkSetRef(fd: number, ref: boolean): void;
  netlinkAddMembership(fd: number, group: number): void;
  netlinkClose(fd: number): void;
}

function netlinkAddon(): NetlinkAddon {
  const a = loadAddon();
  if (!a.haveNetlink || typeof a.netlinkOpen !== 'function') {
    throw new CfmError('UNSUPPORTED', 'the native addon was built without netlink support (native/addon/netlink.cc)');
  }
  return a as unknown as NetlinkAddon;
}

export interface OpenOptions {
  /** Legacy multicast bitmask for bind() (e.g. RTMGRP_LINK). */
  groups?: number;
  /** Network namespace: a name under /run/netns or a path (e.g. /proc/<pid>/ns/net). */
  netns?: string;
}

/** A real AF_NETLINK socket through the addon (non-blocking, extended acks on). */
export class AddonTransport implements NetlinkTransport {
  readonly portId: number;
  private readonly fd: number;
  private readonly addon: NetlinkAddon;
  private closed = false;

  constructor(protocol: number, opts: OpenOptions = {}) {
    this.addon = netlinkAddon();
    try {
      const r = this.addon.netlinkOpen(protocol, opts.groups ?? 0, opts.netns);
      this.fd = r.fd;
      this.portId = r.portId;
    } catch (e) {
      throw fromNative(e, `netlink socket (protocol ${protocol}${opts.netns ? `, netns ${opts.netns}` : ''})`);
    }
  }

  send(datagram: Uint8Array): void {
    try {
      this.addon.netlinkSend(this.fd, datagram);
    } catch (e) {
      throw fromNative(e, 'netlink send');
    }
  }

  start(handler: BatchHandler): void {
    this.addon.netlinkStart(this.fd, (err, datagrams) => handler(err, datagrams));
  }

  setRef(ref: boolean): void {
    if (!this.closed) this.addon.netlinkSetRef(this.fd, ref);
  }

  addMembership(group: number): void {
    try {
      this.addon.netlinkAddMembership(this.fd, group);
    } catch (e) {
      throw fromNative(e, `netlink join group ${group}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.netlinkClose(this.fd);
  }
}
