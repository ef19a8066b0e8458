/**
 * NetlinkSocket against a scripted fake kernel: acks, errors with extack, dumps across several
 * datagrams ending in NLMSG_DONE, dump errors in NLMSG_DONE, notifications, overruns.
 */
import { describe, expect, it } from 'vitest';
import { str, u32 } from '../../src/netlink/attrs.js';
import { NLMSG_DONE, NLM_F_MULTI, RTM_NEWLINK, ENOBUFS } from '../../src/netlink/constants.js';
import { NetlinkError } from '../../src/netlink/errors.js';
import { encodeAck, encodeMessage, splitMessages, type NlHeader } from '../../src/netlink/message.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import type { BatchHandler, NetlinkTransport } from '../../src/netlink/transport.js';
import { encodeIfInfoMsg } from '../../src/netlink/rtnl.js';

const PORT = 4242;

/** A fake kernel: `answer` maps each request to the datagrams it sends back (synchronously). */
class FakeKernel implements NetlinkTransport {
  readonly portId = PORT;
  sent: Uint8Array[] = [];
  ref = false;
  private handler: BatchHandler | undefined;
  constructor(private readonly answer: (req: NlHeader & { len: number }, raw: Uint8Array) => Uint8Array[]) {}
  send(d: Uint8Array): void {
    this.sent.push(d);
    const [m] = splitMessages(d);
    const replies = this.answer({ ...m, len: d.length }, d);
    if (replies.length) this.handler?.(null, replies);
  }
  start(h: BatchHandler): void {
    this.handler = h;
  }
  push(err: Error | null, d: Uint8Array[]): void {
    this.handler?.(err, d);
  }
  setRef(r: boolean): void {
    this.ref = r;
  }
  addMembership(): void {}
  close(): void {}
}

function link(seq: number, index: number, name: string, portId = PORT): Uint8Array {
  return encodeMessage({ type: RTM_NEWLINK, flags: NLM_F_MULTI, seq, portId }, encodeIfInfoMsg({ index }), [str(3, name)]);
}

function done(seq: number, code = 0): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, code, true);
  return encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq, portId: PORT }, b);
}

describe('NetlinkSocket', () => {
  it('resolves a request on the positive ack and keeps the loop referenced only while waiting', async () => {
    const k = new FakeKernel((r) => [encodeAck(r, 0, '', { portId: PORT })]);
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    expect(k.ref).toBe(false);
    await expect(s.request((seq) => encodeMessage({ type: 19, flags: 5, seq, portId: 0 }, new Uint8Array(16)), 'setlink')).resolves.toEqual([]);
    expect(k.ref).toBe(false);
    expect(k.sent).toHaveLength(1);
  });

  it('rejects with NetlinkError carrying errno and the extack text', async () => {
    const k = new FakeKernel((r) => [encodeAck(r, 2, 'bridge: MEP instance does not exists', { portId: PORT })]);
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    const e = await s.request((seq) => encodeMessage({ type: 19, flags: 5, seq, portId: 0 }, new Uint8Array(16)), 'bridge CFM MEP_DELETE on br0').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetlinkError);
    expect(e).toMatchObject({ code: 'NETLINK', errno: 2, errnoName: 'ENOENT', extack: 'bridge: MEP instance does not exists' });
    expect((e as Error).message).toBe('bridge CFM MEP_DELETE on br0: ENOENT (bridge: MEP instance does not exists)');
  });

  it('collects a dump spread over datagrams until NLMSG_DONE; other traffic goes to listeners', async () => {
    const notes: number[] = [];
    const k = new FakeKernel((r) => {
      const a = link(r.seq, 1, 'lo');
      const both = new Uint8Array(a.length + link(r.seq, 2, 'br0').length);
      both.set(a);
      both.set(link(r.seq, 2, 'br0'), a.length);
      // a notification (seq 0, pid 0) arrives in between
      return [both, link(0, 9, 'v9', 0), link(r.seq, 3, 'v0'), done(r.seq)];
    });
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    s.onNotification((m) => notes.push(m.type));
    const msgs = await s.dump((seq) => encodeMessage({ type: 18, flags: 0x301, seq, portId: 0 }, new Uint8Array(16)), 'links');
    expect(msgs.map((m) => m.payload[4])).toEqual([1, 2, 3]);
    expect(notes).toEqual([RTM_NEWLINK]);
  });

  it('a dump that fails midway reports the errno from NLMSG_DONE', async () => {
    const k = new FakeKernel((r) => [link(r.seq, 1, 'lo'), done(r.seq, -90)]);
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    await expect(s.dump((seq) => encodeMessage({ type: 18, flags: 0x301, seq, portId: 0 }, new Uint8Array(16)), 'links')).rejects.toMatchObject({ errno: 90, errnoName: 'EMSGSIZE' });
  });

  it('matches replies by sequence number when requests overlap', async () => {
    const pending: Array<NlHeader & { len: number }> = [];
    const k = new FakeKernel((r) => {
      pending.push(r);
      return [];
    });
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    const p1 = s.request((seq) => encodeMessage({ type: 19, flags: 5, seq, portId: 0 }, new Uint8Array(16), [u32(1, 1)]), 'one');
    const p2 = s.request((seq) => encodeMessage({ type: 19, flags: 5, seq, portId: 0 }, new Uint8Array(16), [u32(1, 2)]), 'two');
    expect(k.ref).toBe(true);
    k.push(null, [encodeAck(pending[1], 22, 'second failed', { portId: PORT }), encodeAck(pending[0], 0, '', { portId: PORT })]);
    await expect(p1).resolves.toEqual([]);
    await expect(p2).rejects.toMatchObject({ errno: 22, extack: 'second failed' });
  });

  it('ENOBUFS from the socket tells overrun listeners to re-read state', () => {
    const k = new FakeKernel(() => []);
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    let overruns = 0;
    s.onOverrun(() => overruns++);
    const err = Object.assign(new Error('netlink recv: No buffer space available'), { errno: ENOBUFS });
    k.push(err, []);
    expect(overruns).toBe(1);
  });

  it('close fails what is still pending', async () => {
    const k = new FakeKernel(() => []);
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    const p = s.request((seq) => encodeMessage({ type: 19, flags: 5, seq, portId: 0 }, new Uint8Array(16)), 'never answered');
    s.close();
    await expect(p).rejects.toMatchObject({ errno: 9, extack: 'socket closed' });
  });

  it('runs dumps on one socket one after the other (the kernel answers a second one EBUSY)', async () => {
    // a kernel that answers a dump only when told, and EBUSY to a dump while one is in progress
    let inProgress: number | undefined;
    const k = new FakeKernel((r) => {
      if (inProgress !== undefined) return [encodeAck(r, 16, 'dump in progress', { portId: PORT })];
      inProgress = r.seq;
      return [];
    });
    const s = new NetlinkSocket(k, { timeoutMs: 0 });
    const build = (seq: number) => encodeMessage({ type: 18, flags: 0x301, seq, portId: 0 }, new Uint8Array(16));
    const a = s.dump(build, 'dump a');
    const b = s.dump(build, 'dump b');
    await new Promise((r) => setTimeout(r, 0));
    expect(k.sent).toHaveLength(1); // b waits for a
    const finish = () => {
      const seq = inProgress!;
      inProgress = undefined;
      k.push(null, [link(seq, 1, 'lo'), done(seq)]);
    };
    finish();
    expect(await a).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(k.sent).toHaveLength(2);
    finish();
    expect(await b).toHaveLength(1);
  });
});
