/**
 * The mock ASIC's hardware CCMs on the wire: byte for byte against the worked example of
 * cfm-facts 7.1 (kernel-style CCM: level 5, RDI, 1 s, seq 7, MEP id 10, MAID {MD none, MA "MA1"},
 * Port Status up, Interface Status up = 83-byte PDU), and decoded by Wireshark's dissector
 * (tshark, a real independent peer; it runs in CI where tshark is installed).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAsicBackend } from '../../src/backends/mock/index.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { tsharkGate } from '../helpers/tshark.js';

// in CI (CI=true) a missing tshark is a failure, not a skip
const skipTshark = !tsharkGate('the mock-ccm-wire Wireshark decode check');

// field names changed between Wireshark releases (4.0: 'cfm.md.level', newer: 'cfm.md_level')
const FIELDS_NEW = ['vlan.id', 'vlan.priority', 'cfm.md_level', 'cfm.opcode', 'cfm.ccm.flags.rdi', 'cfm.ccm.flags.interval', 'cfm.ccm.seq_num', 'cfm.mep_id', 'cfm.maid.ma_name.string', 'cfm.tlv.port_status.value'];
const FIELDS_4_0 = ['vlan.id', 'vlan.priority', 'cfm.md.level', 'cfm.opcode', 'cfm.flags.rdi', 'cfm.flags.interval', 'cfm.ccm.seq.num', 'cfm.ccm.ma.ep.id', 'cfm.maid.ma.name.string', 'cfm.tlv.port.status.value'];

function tsharkFields(file: string): string[][] {
  let r = null;
  for (const fields of [FIELDS_NEW, FIELDS_4_0]) {
    r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((x) => ['-e', x])], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim().split('\n').map((l) => l.split('|'));
    if (!/aren't valid|not valid/i.test(r.stderr)) break;
  }
  throw new Error(`tshark failed: ${r?.stderr}`);
}

function hex(s: string): number[] {
  return s.trim().split(/\s+/).map((x) => parseInt(x, 16));
}

function maidMa1(): Uint8Array {
  const m = new Uint8Array(48);
  m.set([0x01, 0x02, 0x03, 0x4d, 0x41, 0x31]);
  return m;
}

function spec(over: Partial<VoeSpec> = {}): VoeSpec {
  return {
    key: 'facts/example', port: 'swp1', direction: 'down', level: 5, vlan: 0, unicastMac: '02:00:00:00:00:0a',
    mepId: 10, maid: maidMa1(), interval: 4, priority: 7, peers: [11], ccmTx: true, ccmRx: false,
    seqUpdate: true, rdi: true, portStatusTlv: 2, interfaceStatusTlv: 1, ...over,
  };
}

async function capture(s: VoeSpec, count: number): Promise<Uint8Array[]> {
  const b = new MockAsicBackend({ ports: 2 });
  const frames: Uint8Array[] = [];
  b.onWireTransmit((_p, f) => frames.push(f));
  await b.createVoe(s);
  b.advance((count - 1) * 1e9 + 1);
  await b.close();
  return frames;
}

/** Classic pcap, Ethernet link type. */
function pcap(frames: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const gh = new DataView(new ArrayBuffer(24));
  gh.setUint32(0, 0xa1b2c3d4, true);
  gh.setUint16(4, 2, true);
  gh.setUint16(6, 4, true);
  gh.setUint32(16, 65535, true);
  gh.setUint32(20, 1, true);
  parts.push(new Uint8Array(gh.buffer));
  frames.forEach((f, i) => {
    const rh = new DataView(new ArrayBuffer(16));
    rh.setUint32(0, i, true);
    rh.setUint32(8, f.length, true);
    rh.setUint32(12, f.length, true);
    parts.push(new Uint8Array(rh.buffer), f);
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe('mock ASIC hardware CCM on the wire', () => {
  it('matches the worked 83-byte CCM example byte for byte', async () => {
    const frames = await capture(spec(), 7);
    expect(frames.length).toBe(7);
    const f = frames[6];
    expect(Array.from(f.subarray(0, 14))).toEqual(hex('01 80 c2 00 00 35 02 00 00 00 00 0a 89 02'));
    const expected = [
      ...hex('a0 01 84 46 00 00 00 07 00 0a 01 02 03 4d 41 31'),
      ...new Array(42).fill(0),
      ...new Array(16).fill(0),
      ...hex('02 00 01 02 04 00 01 01 00'),
    ];
    expect(expected.length).toBe(83);
    expect(Array.from(f.subarray(14))).toEqual(expected);
  });

  it.skipIf(skipTshark)('is decoded by Wireshark with the configured fields (tagged, sequence, RDI, TLVs)', async () => {
    const frames = await capture(spec({ vlan: 300, priority: 5, level: 3, interval: 4, rdi: false, portStatusTlv: 1, interfaceStatusTlv: 0 }), 3);
    const dir = mkdtempSync(join(tmpdir(), 'cfm-wire-'));
    try {
      const file = join(dir, 'ccm.pcap');
      writeFileSync(file, pcap(frames));
      const rows = tsharkFields(file);
      expect(rows.length).toBe(3);
      rows.forEach((row, i) => {
        expect(row[0]).toBe('300');
        expect(row[1]).toBe('5');
        expect(row[2]).toBe('3');
        expect(row[3]).toBe('1');
        expect(['0', 'False', 'false']).toContain(row[4]);
        expect(row[5]).toBe('4');
        expect(row[6]).toBe(String(i + 1));
        expect(row[7]).toBe('10');
        expect(row[8]).toBe('MA1');
        expect(row[9]).toBe('1');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
