/**
 * The AgentX codec (RFC 2741) and the MIB view's Get / GetNext / GetBulk rules: stream framing,
 * both byte orders, the search range's include flag and end bound, binary octet strings.
 */
import { describe, expect, it } from 'vitest';
import { decodePdu, encodeNotify, encodeResponse, frameLength, HEADER_LENGTH, type Received } from '../../src/telemetry/agentx/pdu.js';
import { createServer } from 'node:net';
import { AgentxSession, answer } from '../../src/telemetry/agentx/session.js';
import { MibBuilder } from '../../src/telemetry/mib/view.js';

/** A GetNext / GetBulk PDU as a master sends it (little-endian when be = false). */
function request(type: 5 | 6 | 7, ranges: Array<[number[], number[], boolean]>, be = true, bulk?: [number, number]): Buffer {
  const parts: number[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(v);
    else b.writeUInt32LE(v);
    parts.push(...b);
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(v);
    else b.writeUInt16LE(v);
    parts.push(...b);
  };
  const oid = (o: number[], include: boolean) => {
    parts.push(o.length, 0, include ? 1 : 0, 0);
    for (const x of o) u32(x);
  };
  if (bulk) {
    u16(bulk[0]);
    u16(bulk[1]);
  }
  for (const [s, e, inc] of ranges) {
    oid(s, inc);
    oid(e, false);
  }
  const h = Buffer.alloc(HEADER_LENGTH);
  h[0] = 1;
  h[1] = type;
  h[2] = be ? 0x10 : 0;
  const w = (off: number, v: number) => (be ? h.writeUInt32BE(v, off) : h.writeUInt32LE(v, off));
  w(4, 7); // session
  w(8, 8); // transaction
  w(12, 9); // packet
  w(16, parts.length);
  return Buffer.concat([h, Buffer.from(parts)]);
}

const T = [1, 3, 111, 2, 802, 1, 1, 8, 1, 7, 1];
const b = new MibBuilder();
for (const [col, ix, value] of [[13, 2, 0], [13, 1, 3], [6, 1, 4], [6, 2, 1]]) b.cell([...T, 1], col, [ix], { type: 2, value });
const view = b.view([T]);

describe('AgentX PDUs', () => {
  it('frames a byte stream: nothing until a PDU is complete, then exactly its length', () => {
    const a = request(6, [[[...T], [], false]]);
    const b = request(5, [[[...T, 1, 6, 1], [], false]]);
    const both = Buffer.concat([a, b]);
    expect(frameLength(both.subarray(0, 10))).toBe(0);
    expect(frameLength(both.subarray(0, a.length - 1))).toBe(0);
    expect(frameLength(both)).toBe(a.length);
    expect(frameLength(both.subarray(a.length))).toBe(b.length);
  });

  it('reads both byte orders and keeps the include flag and end bound', () => {
    for (const be of [true, false]) {
      const p = decodePdu(request(6, [[[...T, 1, 6, 1], [...T, 1, 7], true]], be));
      expect(p).toMatchObject({ type: 6, sessionId: 7, transactionId: 8, packetId: 9, ranges: [{ start: [...T, 1, 6, 1], include: true, end: [...T, 1, 7] }] });
    }
  });

  it('GetNext: after start, at start with include, endOfMibView at the end bound', () => {
    const next = (start: number[], include: boolean, end: number[] = []) => answer(view, decodePdu(request(6, [[start, end, include]])) as Received)[0];
    expect(next([...T, 1, 6, 1], false)).toMatchObject({ oid: [...T, 1, 6, 2], value: 1 });
    expect(next([...T, 1, 6, 1], true)).toMatchObject({ oid: [...T, 1, 6, 1], value: 4 });
    expect(next(T, false)).toMatchObject({ oid: [...T, 1, 6, 1] });
    expect(next([...T, 1, 6, 2], false, [...T, 1, 13])).toEqual({ oid: [...T, 1, 6, 2], type: 130 });
    expect(next([...T, 1, 13, 2], false)).toEqual({ oid: [...T, 1, 13, 2], type: 130 });
  });

  it('Get: the instance, noSuchInstance inside a served table, noSuchObject elsewhere', () => {
    const get = (o: number[]) => answer(view, decodePdu(request(5, [[o, [], false]])) as Received)[0];
    expect(get([...T, 1, 13, 1])).toMatchObject({ type: 2, value: 3 });
    expect(get([...T, 1, 13, 9])).toMatchObject({ type: 129 });
    expect(get([1, 3, 6, 1, 2, 1, 1, 1, 0])).toMatchObject({ type: 128 });
  });

  it('GetBulk: non-repeaters once, then repetitions that stop at the end of the view', () => {
    const p = decodePdu(request(7, [[[...T, 1, 6, 1], [], false], [T, [], false]], true, [1, 10])) as Received;
    const r = answer(view, p);
    expect(r.map((x) => x.oid.slice(-2).join('.'))).toEqual(['6.2', '6.1', '6.2', '13.1', '13.2', '13.2']);
    expect(r[r.length - 1].type).toBe(130);
  });

  it('writes octet strings as bytes (a MAC with bytes > 0x7f), padded to 4', () => {
    const mac = Uint8Array.of(0x02, 0xcf, 0xe4, 0x4d, 0x0e, 0xff);
    const b = encodeResponse({ sessionId: 1, transactionId: 2, packetId: 3 }, 0, 0, [{ oid: [...T, 1, 9, 1], type: 4, value: mac }]);
    expect(b.length % 4).toBe(0);
    expect(b.readUInt32BE(16)).toBe(b.length - HEADER_LENGTH);
    const at = b.length - 8;
    expect(b.readUInt32BE(at - 4)).toBe(6);
    expect([...b.subarray(at, at + 6)]).toEqual([...mac]);
    const d = decodePdu(Buffer.concat([b.subarray(0, 1), Buffer.from([18]), b.subarray(2)]));
    expect(d).toMatchObject({ type: 18, varbinds: [{ type: 4, value: mac }] });
  });

  it('compresses the 1.3.6.1 prefix of notification varbinds (RFC 2741 5.1)', () => {
    const b = encodeNotify({ sessionId: 1, transactionId: 0, packetId: 1 }, [{ oid: [1, 3, 6, 1, 2, 1, 1, 3, 0], type: 67, value: 5 }]);
    // varbind: type(2) reserved(2), then OID header n_subid=4 prefix=2
    expect([...b.subarray(HEADER_LENGTH, HEADER_LENGTH + 8)]).toEqual([0, 67, 0, 0, 4, 2, 0, 0]);
  });
});

describe('AgentX session', () => {
  it('a master that accepts but never answers is reported and retried; the session opens when it answers', async () => {
    let answer = false;
    let opened = 0;
    const srv = createServer((c) => {
      let buf = Buffer.alloc(0);
      c.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (let n = frameLength(buf); n; n = frameLength(buf)) {
          const frame = buf.subarray(0, n);
          buf = buf.subarray(n);
          if (!answer) continue;
          const type = frame[1];
          const h = { sessionId: type === 1 ? 42 : frame.readUInt32BE(4), transactionId: frame.readUInt32BE(8), packetId: frame.readUInt32BE(12) };
          if (type === 1) opened++;
          c.write(encodeResponse(h, 0, 0, [])); // a master echoes the ids in its Response
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const lines: string[] = [];
    const view = b.view([T]);
    const s = new AgentxSession({ address: { kind: 'tcp', host: '127.0.0.1', port }, subtrees: [T], view: async () => view, log: (l) => lines.push(l), retryMs: 50, requestTimeoutMs: 200 });
    try {
      // the first request times out after 0.2 s and is reported: wait for the report (a loaded
      // machine may take longer than a fixed sleep), then check it and that no session opened
      for (const end = Date.now() + 10_000; lines.length === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      expect(lines[0]).toBe(`cfm agentx: cannot reach the master at tcp:127.0.0.1:${port}: no answer from the master within 0.2 s; retrying every 0.05 s (the manager keeps running)`);
      expect(s.state).not.toBe('open');
      answer = true;
      await s.whenOpen();
      expect(opened).toBeGreaterThanOrEqual(1);
      expect(lines[lines.length - 1]).toBe(`cfm agentx: registered 1 IEEE8021-CFM-MIB tables with the master at tcp:127.0.0.1:${port}`);
    } finally {
      await s.close();
      srv.close();
    }
  });
});
