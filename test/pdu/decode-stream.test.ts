/**
 * `cfm decode` of big captures (issue 11 item 21) and what invalid or odd frames show (item 22).
 * Speed and peak memory are measured by bench/pdu.bench.ts (side by side with tshark); here:
 * the streamed output is the same text as the general path, arrives in pieces, and the capture is
 * read through a bounded window.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { captureCliOutput, cfm, out } from '../helpers/cli.js';
import {
  craftFrame, encodeFrame, OPCODE, PcapReader, readPcap, renderDebug, writePcap, type CfmFrame,
} from '../../src/pdu/index.js';
import { FrameJsonWriter } from '../../src/pdu/json-lines.js';
import { sampleCorpus } from '../../src/pdu/samples.js';

captureCliOutput();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sample = join(root, 'examples', 'pcap', 'sample.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'cfm-decode-stream-'));

/** The general path's JSON text of one frame (renderDebug + time), as `cfm decode --json` printed it. */
function generalJson(b: Uint8Array, index: number, time: number, lenient = false): string {
  const r = renderDebug(b, { index, lenient });
  r.json.time = time;
  return JSON.stringify(r.json);
}

const ccm = (o: Parameters<typeof craftFrame>[1], i = 0): Uint8Array => encodeFrame(craftFrame(OPCODE.CCM, { level: 5, md: 'Provider', ma: 'MA1', interval: 4, ...o }, i));

describe('FrameJsonWriter: the streamed JSON is the general path text', () => {
  it('CCM streams (cached pieces), other opcodes, invalid frames, lenient', () => {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      frames.push(ccm({ mepId: 1 + (i % 7), seq: i * 13, rdi: i % 5 === 0, portStatus: i % 3 ? 2 : undefined, interfaceStatus: i % 4 ? 1 : 9, vlans: i % 2 ? [{ tpid: 0x8100, pcp: 7, dei: false, vid: 100 }] : [] }));
    }
    for (const c of sampleCorpus()) frames.push(encodeFrame(c.frame));
    const bad = ccm({ mepId: 3 });
    bad[16] |= 0x20; // MEPID reserved bit
    frames.push(bad);
    for (const lenient of [false, true]) {
      const w = new FrameJsonWriter(lenient);
      frames.forEach((b, i) => {
        const line = w.line(b, i + 1, 1_700_000_000 + i / 1000);
        expect(line.json).toBe(generalJson(b, i + 1, 1_700_000_000 + i / 1000, lenient));
      });
    }
  });

  it('mutated CCMs: same text as the general path (property)', () => {
    const base = sampleCorpus().filter((c) => c.frame.pdu.opcode === 1).map((c) => encodeFrame(c.frame));
    const w = new FrameJsonWriter();
    const mutated = fc.tuple(fc.constantFrom(...base), fc.array(fc.tuple(fc.nat(200), fc.nat(255)), { maxLength: 3 }))
      .map(([b, edits]) => {
        const c = b.slice();
        for (const [at, v] of edits) if (at < c.length) c[at] = v;
        return c;
      });
    fc.assert(fc.property(mutated, fc.nat(1000), (b, i) => {
      expect(w.line(b, i, i).json).toBe(generalJson(b, i, i));
    }), { numRuns: 1500 });
  });
});

describe('cfm decode streams', () => {
  it('--json-lines: one object per line, equal to the --json array, written in pieces', async () => {
    const frames = Array.from({ length: 3000 }, (_, i) => ({ data: ccm({ mepId: 1 + (i % 4), seq: i, portStatus: 2 }) }));
    frames.push(...readPcap(readFileSync(sample)).packets.map((p) => ({ data: p.data })));
    const f = join(tmp, 'stream.pcap');
    writeFileSync(f, writePcap(frames));
    expect(await cfm('decode', '--json-lines', f)).toBe(0);
    const writes = vi.mocked(process.stdout.write).mock.calls.length;
    expect(writes).toBeGreaterThan(1); // about 2.5 MB of text: more than one piece
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(frames.length);
    expect(lines[3000 + 4]).toMatchObject({ index: 3005, valid: false, error: { phase: 4 }, mepId: 0x8014 });
    const linesText = out;
    vi.mocked(process.stdout.write).mockClear();
    const { clearOut } = await import('../helpers/cli.js');
    clearOut();
    expect(await cfm('decode', '--json', f)).toBe(0);
    expect(JSON.parse(out)).toEqual(lines);
    expect(out.trimEnd().split('\n').length).toBe(frames.length + 2); // "[", one frame per line, "]"
    expect(linesText.split('\n')[0]).toBe(out.split('\n')[1].replace(/,$/, ''));
  });

  it('--json and --json-lines together is a usage error', async () => {
    expect(await cfm('decode', '--json', '--json-lines', sample)).toBe(2);
  });
});

describe('PcapReader over a file-like source reads through a bounded window', () => {
  const frames = Array.from({ length: 500 }, (_, i) => ({ data: ccm({ mepId: 1 + (i % 9), seq: i }), tsSec: 1000 + i, tsNsec: i }));

  function source(bytes: Uint8Array) {
    let reads = 0;
    return {
      get reads() { return reads; },
      size: bytes.length,
      read(buf: Uint8Array, off: number, len: number, pos: number): number {
        reads++;
        const n = Math.min(len, bytes.length - pos, 1000); // short reads too
        buf.set(bytes.subarray(pos, pos + n), off);
        return n;
      },
    };
  }

  it.each([64, 256, 4096])('classic pcap, window %i bytes: the same packets as readPcap', (win) => {
    const bytes = writePcap(frames, { nanosecond: true });
    const src = source(bytes);
    const r = new PcapReader(src, false, win);
    const got: string[] = [];
    for (let p = r.next(); p; p = r.next()) got.push(`${p.tsSec}.${p.tsNsec}:${Buffer.from(p.data).toString('hex')}`);
    expect(got).toEqual(readPcap(bytes).packets.map((p) => `${p.tsSec}.${p.tsNsec}:${Buffer.from(p.data).toString('hex')}`));
    expect(src.reads).toBeGreaterThan(10);
  });

  it('pcapng (SHB, IDB with if_tsresol, EPBs, a custom block), window 64 bytes: the same packets as readPcap', () => {
    const w32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
    const w16 = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
    const block = (type: number, body: Buffer) => {
      const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
      const len = 12 + body.length + pad.length;
      return Buffer.concat([w32(type), w32(len), body, pad, w32(len)]);
    };
    const parts = [
      block(0x0a0d0d0a, Buffer.concat([w32(0x1a2b3c4d), w16(1), w16(0), Buffer.alloc(8, 0xff)])),
      block(1, Buffer.concat([w16(1), w16(0), w32(65535), w16(9), w16(1), Buffer.from([9, 0, 0, 0]), w16(0), w16(0)])),
      block(0x0bad, Buffer.from('custom block')),
    ];
    frames.forEach((f, i) => {
      const ts = BigInt(1000 + i) * 1_000_000_000n + BigInt(i);
      parts.push(block(6, Buffer.concat([w32(0), w32(Number(ts >> 32n)), w32(Number(ts & 0xffffffffn)), w32(f.data.length), w32(f.data.length), Buffer.from(f.data)])));
    });
    const bytes = Uint8Array.from(Buffer.concat(parts));
    const r = new PcapReader(source(bytes), false, 64);
    expect(r.format).toBe('pcapng');
    const got: string[] = [];
    for (let p = r.next(); p; p = r.next()) got.push(`${p.tsSec}.${p.tsNsec}:${Buffer.from(p.data).toString('hex')}`);
    expect(got).toEqual(readPcap(bytes).packets.map((p) => `${p.tsSec}.${p.tsNsec}:${Buffer.from(p.data).toString('hex')}`));
    expect(got[7]).toMatch(/^1007\.7:/);
  });

  it('a cut file: the same error and offset as in memory', () => {
    const bytes = writePcap(frames).subarray(0, 5000);
    const message = (fn: () => void): string => {
      try { fn(); } catch (e) { return (e as Error).message; }
      return 'no error';
    };
    const inMemory = message(() => readPcap(bytes));
    expect(inMemory).toMatch(/^pcap: at byte \d+: packet of 89 bytes runs past the end of the file \(\d+ left\)$/);
    expect(message(() => { const r = new PcapReader(source(bytes), false, 128); while (r.next()); })).toBe(inMemory);
  });
});

describe('what invalid and odd frames show (item 22)', () => {
  it('an Open vSwitch extended-mode CCM (interval 0, 64-bit MPID after the MAID): invalid, every field still there', () => {
    const f = craftFrame(OPCODE.CCM, { level: 5, mepId: 77, md: 'Provider', ma: 'MA1', interval: 4, seq: 4242, portStatus: 2 }) as CfmFrame;
    const b = encodeFrame(f);
    b[16] = 0; // flags: interval code 0
    // OVS lib/cfm.c `struct ccm`: interval_ms_x (2) and mpid64 (8) where 802.1Q has TxFCf/RxFCb/TxFCb
    const itu = 14 + 4 + 4 + 2 + 48;
    b.set([0x01, 0xf4, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x9a], itu);
    const r = renderDebug(b, { index: 1 });
    expect(r.valid).toBe(false);
    expect(r.json).toMatchObject({
      valid: false, error: { phase: 4, message: expect.stringMatching(/interval field is 0/) },
      level: 5, opcode: 1, opcodeName: 'CCM', flags: 0, interval: 0, intervalName: 'invalid(0)', seq: 4242, mepId: 77,
      maid: { mdName: 'Provider', maName: 'MA1' }, txFCf: 0x01f40000, rxFCb: 0x123456, txFCb: 0x789a0000,
      tlvs: [{ type: 2, name: 'Port Status', value: 2, valueName: 'psUp' }],
    });
    expect(r.text).toMatch(/read: level 5 version 0 opcode CCM flags 0x00 first-tlv-offset 70 seq 4242 mep-id 77 maid "Provider"\/"MA1" 1 TLV\(s\)/);
  });

  it('a frame cut in its TLVs: the fixed fields and the whole TLVs before the cut', () => {
    const b = ccm({ mepId: 5, seq: 9, portStatus: 1, interfaceStatus: 1 });
    const cut = b.subarray(0, b.length - 3); // inside the Interface Status TLV
    const r = renderDebug(cut, {});
    expect(r.json).toMatchObject({ valid: false, error: { phase: 3 }, seq: 9, mepId: 5, tlvs: [{ type: 2, value: 1, valueName: 'psBlocked' }] });
    expect(r.json.tlvs).toHaveLength(1);
  });

  it('a malformed TLV comes back raw with its problem', () => {
    const b = ccm({ mepId: 5, portStatus: 2 });
    const at = 14 + 4 + 70;
    b.set([2, 0, 2, 2], at); // Port Status of length 2 (must be 1) eating the End TLV
    const fixed = Uint8Array.from([...b.subarray(0, at + 5), 0]);
    const r = renderDebug(fixed, {});
    expect(r.json).toMatchObject({ valid: false, error: { phase: 4 }, mepId: 5, tlvs: [{ type: 2, length: 2, problem: expect.stringMatching(/length is 2, must be 1/) }] });
  });

  it('reserved Port Status / Interface Status values: valid, with a warning each', () => {
    const b = ccm({ mepId: 5, portStatus: 7, interfaceStatus: 0 });
    const r = renderDebug(b, {});
    expect(r.valid).toBe(true);
    expect(r.json.tlvs).toMatchObject([{ value: 7, valueName: 'unknown(7)' }, { value: 0, valueName: 'unknown(0)' }]);
    expect(r.json.warnings).toEqual([
      { phase: 4, offset: 91, message: 'Port Status value 7 is reserved (1 psBlocked, 2 psUp; 802.1Q 21.5.4)' },
      { phase: 4, offset: 95, message: 'Interface Status value 0 is reserved (1 isUp .. 7 isLowerLayerDown; 802.1Q 21.5.5)' },
    ]);
    expect(r.text).toMatch(/warning: phase 4 at byte 91: Port Status value 7 is reserved/);
  });

  it('reserved CCM flag bits are shown (JSON and text)', () => {
    const b = ccm({ mepId: 5 });
    b[16] |= 0x28;
    const r = renderDebug(b, {});
    expect(r.valid).toBe(true); // 802.1Q 21.6.1: ignored on receipt
    expect(r.json).toMatchObject({ flags: 0x2c, reservedFlags: 0x28, interval: 4 });
    expect(r.text).toMatch(/flags 0x2c \[reserved 0x28 interval 1s\]/);
    expect(renderDebug(ccm({ mepId: 5 }), {}).json.reservedFlags).toBe(0);
  });
});
