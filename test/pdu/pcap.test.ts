import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PcapError, readPcap, writePcap } from '../../src/pdu/index.js';

const frames = [Uint8Array.of(1, 2, 3, 4, 5), Uint8Array.from({ length: 60 }, (_, i) => i)];

/** Classic pcap built by hand in either byte order and resolution. */
function classic(le: boolean, nano: boolean): Uint8Array {
  const parts: number[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); if (le) b.writeUInt32LE(v); else b.writeUInt32BE(v); parts.push(...b); };
  const u16 = (v: number) => { const b = Buffer.alloc(2); if (le) b.writeUInt16LE(v); else b.writeUInt16BE(v); parts.push(...b); };
  u32(nano ? 0xa1b23c4d : 0xa1b2c3d4); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(1);
  frames.forEach((f, i) => { u32(1000 + i); u32(nano ? 123456789 : 123456); u32(f.length); u32(f.length); parts.push(...f); });
  return Uint8Array.from(parts);
}

/** pcapng: SHB, IDB (optionally if_tsresol), EPBs, an unknown block; little or big endian. */
function pcapng(le: boolean, tsresol?: number): Uint8Array {
  const blocks: Buffer[] = [];
  const w32 = (v: number) => { const b = Buffer.alloc(4); if (le) b.writeUInt32LE(v >>> 0); else b.writeUInt32BE(v >>> 0); return b; };
  const w16 = (v: number) => { const b = Buffer.alloc(2); if (le) b.writeUInt16LE(v); else b.writeUInt16BE(v); return b; };
  const block = (type: number, body: Buffer) => {
    const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
    const len = 12 + body.length + pad.length;
    blocks.push(Buffer.concat([w32(type), w32(len), body, pad, w32(len)]));
  };
  block(0x0a0d0d0a, Buffer.concat([w32(0x1a2b3c4d), w16(1), w16(0), Buffer.alloc(8, 0xff)]));
  const opts = tsresol === undefined ? Buffer.alloc(0) : Buffer.concat([w16(9), w16(1), Buffer.from([tsresol, 0, 0, 0]), w16(0), w16(0)]);
  block(1, Buffer.concat([w16(1), w16(0), w32(65535), opts]));
  block(0x0bad, Buffer.from('custom'));
  const unitsPerSec = tsresol === undefined ? 1_000_000n : 10n ** BigInt(tsresol);
  frames.forEach((f, i) => {
    const ts = BigInt(1000 + i) * unitsPerSec + unitsPerSec / 4n;
    block(6, Buffer.concat([w32(0), w32(Number(ts >> 32n)), w32(Number(ts & 0xffffffffn)), w32(f.length), w32(f.length), Buffer.from(f)]));
  });
  return Uint8Array.from(Buffer.concat(blocks));
}

describe('pcap read', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`classic pcap, ${le ? 'little' : 'big'}-endian, ${nano ? 'nanosecond' : 'microsecond'} magic`, () => {
        const cap = readPcap(classic(le, nano));
        expect(cap.format).toBe('pcap');
        expect(cap.nanosecond).toBe(nano);
        expect(cap.packets.map((p) => Array.from(p.data))).toEqual(frames.map((f) => Array.from(f)));
        expect(cap.packets[1]).toMatchObject({ tsSec: 1001, tsNsec: nano ? 123456789 : 123456000, origLen: 60, linkType: 1 });
      });
    }
  }

  for (const le of [true, false]) {
    it(`pcapng, ${le ? 'little' : 'big'}-endian section, default and nanosecond resolution`, () => {
      for (const res of [undefined, 9]) {
        const cap = readPcap(pcapng(le, res));
        expect(cap.format).toBe('pcapng');
        expect(cap.packets.map((p) => Array.from(p.data))).toEqual(frames.map((f) => Array.from(f)));
        expect(cap.packets[0]).toMatchObject({ tsSec: 1000, tsNsec: 250_000_000, linkType: 1 });
      }
    });
  }

  it('reads a pcapng written by Wireshark tools (editcap), when present', () => {
    const editcap = spawnSync('editcap', ['-h'], { stdio: 'ignore' }).status === 0;
    if (!editcap) {
      console.warn('*** editcap (wireshark-common) missing: pcapng-from-Wireshark check skipped ***');
      if (process.env.CI) throw new Error('CI=true but editcap (tshark dependency) is missing');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'cfm-pcapng-'));
    const out = join(dir, 'sample.pcapng');
    const r = spawnSync('editcap', ['-F', 'pcapng', new URL('../../examples/pcap/sample.pcap', import.meta.url).pathname, out]);
    expect(r.status).toBe(0);
    const ng = readPcap(readFileSync(out));
    const classicCap = readPcap(readFileSync(new URL('../../examples/pcap/sample.pcap', import.meta.url)));
    expect(ng.format).toBe('pcapng');
    expect(ng.packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(classicCap.packets.map((p) => Buffer.from(p.data).toString('hex')));
    expect(ng.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual(classicCap.packets.map((p) => [p.tsSec, p.tsNsec]));
  });
});

describe('pcap write', () => {
  it('round-trips through readPcap in both resolutions', () => {
    for (const nanosecond of [false, true]) {
      const b = writePcap(frames.map((data, i) => ({ data, tsSec: 5 + i, tsNsec: 1_234_567 })), { nanosecond });
      const cap = readPcap(b);
      expect(cap.nanosecond).toBe(nanosecond);
      expect(cap.packets.map((p) => [p.tsSec, p.tsNsec, p.data.length])).toEqual([[5, nanosecond ? 1_234_567 : 1_234_000, 5], [6, nanosecond ? 1_234_567 : 1_234_000, 60]]);
    }
  });
});

describe('bad files: PcapError with the byte offset', () => {
  const err = (b: Uint8Array) => {
    try { readPcap(b); } catch (e) { expect(e).toBeInstanceOf(PcapError); return e as PcapError; }
    throw new Error('expected PcapError');
  };
  it('not a capture', () => {
    expect(err(Buffer.from('GET / HTTP/1.1'))).toMatchObject({ offset: 0, code: 'PCAP' });
    expect(err(Uint8Array.of(1, 2))).toMatchObject({ offset: 0 });
  });
  it('truncated global header, record header and record', () => {
    const b = classic(true, false);
    expect(err(b.subarray(0, 20)).offset).toBe(20);
    expect(err(b.subarray(0, 30)).offset).toBe(24);
    expect(err(b.subarray(0, 42)).message).toMatch(/at byte 40: packet of 5 bytes runs past the end of the file \(2 left\)/);
  });
  it('pcapng: bad block length, mismatched trailer, truncated block', () => {
    const b = pcapng(true);
    const bad = b.slice();
    bad[4] = 13; // SHB length not a multiple of 4
    expect(err(bad).offset).toBe(4);
    const trailer = b.slice();
    trailer[24] ^= 0xff; // SHB is 28 bytes: its trailing length at 24
    expect(err(trailer).offset).toBe(24);
    expect(err(b.subarray(0, b.length - 3)).message).toMatch(/runs past the end of the file/);
  });
});

describe('examples/pcap/sample.pcap', () => {
  it('is what examples/pcap/make-sample.ts generates (regenerate it after codec changes)', async () => {
    const { buildSamplePcap } = await import('../../examples/pcap/make-sample.js');
    const committed = readFileSync(new URL('../../examples/pcap/sample.pcap', import.meta.url));
    expect(Buffer.from(buildSamplePcap()).equals(committed)).toBe(true);
  });
});
