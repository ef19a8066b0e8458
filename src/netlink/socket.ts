/**
 * Request/response over a netlink transport: sequence numbers, acks (NLMSG_ERROR with errno 0),
 * errors with the kernel's extended-ack text, multipart dumps ending in NLMSG_DONE, and
 * everything else (multicast notifications) handed to listeners.
 */
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_DUMP_INTR, ENOBUFS } from './constants.js';
import { NetlinkError } from './errors.js';
import { decodeAck, splitMessages, type NlMessage } from './message.js';
import type { NetlinkTransport } from './transport.js';

interface Pending {
  operation: string;
  dump: boolean;
  replies: NlMessage[];
  resolve(m: NlMessage[]): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export type NotificationHandler = (m: NlMessage) => void;
/** Called when the kernel dropped notifications for us (ENOBUFS): state must be re-read. */
export type OverrunHandler = () => void;

export interface SocketOptions {
  /** Reject a request that gets no answer in this many ms (default 5000; 0 = never). */
  timeoutMs?: number;
}

export class NetlinkSocket {
  private seq: number;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<NotificationHandler>();
  private readonly overrunListeners = new Set<OverrunHandler>();
  private readonly timeoutMs: number;
  private keepAlive = false;
  private dumpChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly transport: NetlinkTransport, opts: SocketOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    // Start from a time-derived sequence so two sockets of one process are easy to tell apart
    // in a capture; only uniqueness per socket matters.
    this.seq = (Date.now() & 0xffff) << 8;
    transport.start((err, datagrams) => this.onBatch(err, datagrams));
    this.updateRef();
  }

  get portId(): number {
    return this.transport.portId;
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /**
   * Sends the message `build(seq)` (flags must include NLM_F_ACK, or NLM_F_DUMP for `dump`) and
   * resolves with the reply messages (without the final ack / NLMSG_DONE).
   */
  request(build: (seq: number) => Uint8Array, operation: string, opts: { dump?: boolean } = {}): Promise<NlMessage[]> {
    if (this.closed) return Promise.reject(new NetlinkError(operation, 9, 'socket closed'));
    const seq = this.nextSeq();
    const msg = build(seq);
    return new Promise<NlMessage[]>((resolve, reject) => {
      const p: Pending = { operation, dump: opts.dump ?? false, replies: [], resolve, reject, timer: undefined };
      // Register before sending: a fake kernel may answer inside send().
      this.pending.set(seq, p);
      if (this.timeoutMs > 0) {
        p.timer = setTimeout(() => this.finish(seq, new NetlinkError(operation, 110, `no answer from the kernel in ${this.timeoutMs} ms`)), this.timeoutMs);
      }
      this.updateRef();
      try {
        this.transport.send(msg);
      } catch (e) {
        this.finish(seq, e as Error);
      }
    });
  }

  /**
   * A multipart dump. Dumps on one socket run one after the other: the kernel allows one dump in
   * progress per netlink socket and answers a second with EBUSY (netlink_dump_start), which two
   * callers of one backend (an apply's read-back, the event poll's status dump) would otherwise
   * meet.
   */
  dump(build: (seq: number) => Uint8Array, operation: string): Promise<NlMessage[]> {
    const run = this.dumpChain.then(() => this.request(build, operation, { dump: true }));
    this.dumpChain = run.catch(() => undefined);
    return run;
  }

  onNotification(h: NotificationHandler): () => void {
    this.listeners.add(h);
    return () => this.listeners.delete(h);
  }

  onOverrun(h: OverrunHandler): () => void {
    this.overrunListeners.add(h);
    return () => this.overrunListeners.delete(h);
  }

  /** Keep the event loop alive while nothing is pending (a daemon listening for events). */
  setKeepAlive(on: boolean): void {
    this.keepAlive = on;
    this.updateRef();
  }

  addMembership(group: number): void {
    this.transport.addMembership(group);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const seq of [...this.pending.keys()]) this.finish(seq, new NetlinkError(this.pending.get(seq)!.operation, 9, 'socket closed'));
    this.transport.close();
  }

  private updateRef(): void {
    if (!this.closed) this.transport.setRef(this.keepAlive || this.pending.size > 0);
  }

  private finish(seq: number, result: Error | NlMessage[]): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    if (p.timer) clearTimeout(p.timer);
    this.updateRef();
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  private onBatch(err: Error | null, datagrams: Uint8Array[]): void {
    if (err) {
      if ((err as { errno?: number }).errno === ENOBUFS) {
        for (const h of this.overrunListeners) h();
      } else {
        for (const seq of [...this.pending.keys()]) {
          this.finish(seq, new NetlinkError(this.pending.get(seq)!.operation, (err as { errno?: number }).errno ?? 5, err.message));
        }
      }
    }
    for (const d of datagrams) {
      let messages: NlMessage[];
      try {
        messages = splitMessages(d);
      } catch (e) {
        // A malformed datagram fails whatever was waiting: better than a silent hang.
        for (const seq of [...this.pending.keys()]) this.finish(seq, e as Error);
        continue;
      }
      for (const m of messages) this.dispatch(m);
    }
  }

  private dispatch(m: NlMessage): void {
    const p = m.seq !== 0 && m.portId === this.transport.portId ? this.pending.get(m.seq) : undefined;
    if (!p) {
      if (m.type !== NLMSG_NOOP && m.type !== NLMSG_ERROR && m.type !== NLMSG_DONE) {
        for (const h of this.listeners) h(m);
      }
      return;
    }
    if (m.type === NLMSG_ERROR) {
      const ack = decodeAck(m);
      if (ack.errno === 0) this.finish(m.seq, p.replies);
      else this.finish(m.seq, new NetlinkError(p.operation, ack.errno, ack.extack, ack.badAttrOffset));
      return;
    }
    if (m.type === NLMSG_DONE) {
      // A dump that failed midway reports a negative errno in NLMSG_DONE's payload.
      const dv = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
      const code = m.payload.length >= 4 ? dv.getInt32(0, true) : 0;
      if (code < 0) this.finish(m.seq, new NetlinkError(p.operation, -code));
      else if (m.flags & NLM_F_DUMP_INTR) this.finish(m.seq, new NetlinkError(p.operation, 4, 'dump interrupted by a change; retry'));
      else this.finish(m.seq, p.replies);
      return;
    }
    if (m.type === NLMSG_OVERRUN) {
      this.finish(m.seq, new NetlinkError(p.operation, ENOBUFS, 'overrun'));
      return;
    }
    p.replies.push(m);
  }
}
