/**
 * The socket protocol additions as a script sees them: raw JSON lines in and out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveControl } from '../../src/offload/control.js';
import { pumped, served, type Served } from './served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

/** Send one raw line, collect every reply line until the server closes. */
function raw(path: string, line: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(path);
    let buf = '';
    sock.on('data', (d) => { buf += d.toString('utf8'); });
    sock.on('close', () => resolve(buf.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)));
    sock.on('error', reject);
    sock.write(line + '\n');
  });
}

describe('control socket: loopback, linktrace, change', () => {
  // A responder delays its LTR 0..999 ms (src/engine/ltr.ts ltrDelayNs): collect for 1.5 s.
  it('loopback streams {"reply"} lines then {"ok":true,"result"}; linktrace answers one result line', async () => {
    s = await served({ pin: 'software' });
    const lines = await pumped(s.r, raw(s.sock.sw1, JSON.stringify({ cmd: 'loopback', mep: 'md1/ma1/1', targetMepId: 2, count: 2, intervalMs: 20, data: '0001020304' })));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ reply: { transactionId: 1, outOfOrder: false, badMsdu: false } });
    expect(lines[1]).toMatchObject({ reply: { transactionId: 2 } });
    expect(lines[2]).toMatchObject({ ok: true, result: { sent: 2, received: 2, done: true } });
    const lt = await pumped(s.r, raw(s.sock.sw1, JSON.stringify({ cmd: 'linktrace', mep: 'md1/ma1/1', targetMepId: 2, timeoutMs: 1500 })));
    expect(lt).toHaveLength(1);
    expect(lt[0]).toMatchObject({ ok: true, result: { ttl: 64, done: true, replies: [{ terminalMep: true, relayAction: 'rlyHit' }] } });
  });

  it('bad requests get {"ok":false,"error","code"} naming the field', async () => {
    s = await served({ pin: 'software' });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ cmd: 'loopback', mep: 'md1/ma1/1' }, 'loopback: give exactly one of "target", "targetMepId", "multicast"'],
      [{ cmd: 'loopback', mep: 'md1/ma1/1', multicast: true, count: 0 }, 'loopback: "count" 0 is not an integer 1..1024'],
      [{ cmd: 'loopback', mep: 'md1/ma1/1', target: 'nope' }, 'loopback: "target" "nope" is not a MAC address'],
      [{ cmd: 'loopback', mep: 'md1/ma1/1', multicast: true, data: 'xyz' }, 'loopback: "data" must be a hex string of at most 1488 octets'],
      [{ cmd: 'loopback', mep: 'md1/ma1/1', multicast: true, test: { patternType: 5, length: 4 } }, 'loopback: "patternType" 5 is not an integer 0..3'],
      [{ cmd: 'loopback', mep: 7, multicast: true }, 'loopback: "mep" must be a MEP key "<md>/<ma>/<mepid>", not 7'],
      [{ cmd: 'linktrace', mep: 'md1/ma1/1', targetMepId: 2, ttl: 300 }, 'linktrace: "ttl" 300 is not an integer 1..255'],
      [{ cmd: 'linktrace', mep: 'md1/ma1/1' }, 'linktrace: give exactly one of "targetMac", "targetMepId"'],
      [{ cmd: 'loopback', mep: 'md1/ma1/5', targetMepId: 2 }, 'no MEP md1/ma1/5 on this switch (MEPs: md1/ma1/1)'],
      [{ cmd: 'reboot' }, 'unknown command "reboot" (status, plan, ops, dry-run, monitor, loopback, linktrace, change)'],
    ];
    for (const [req, error] of cases) {
      expect(await pumped(s.r, raw(s.sock.sw1, JSON.stringify(req)))).toEqual([{ ok: false, error, code: 'USAGE' }]);
    }
    expect(await raw(s.sock.sw1, '[1,2]')).toEqual([{ ok: false, error: 'request is not a JSON object line' }]);
  });

  it('a manager without the OAM handlers says so; status still works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-oam-proto-'));
    try {
      const path = join(dir, 'c.sock');
      const srv = await serveControl(path, { status: async () => ({ meps: [] }), subscribe: () => () => {} });
      for (const cmd of ['loopback', 'linktrace', 'change', 'plan']) {
        expect(await raw(path, JSON.stringify({ cmd, mep: 'md1/ma1/1', multicast: true }))).toEqual([{ ok: false, error: `${cmd} is not supported by this manager`, code: 'UNSUPPORTED' }]);
      }
      expect(await raw(path, '{"cmd":"status"}')).toEqual([{ ok: true, result: { meps: [] } }]);
      await srv.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
