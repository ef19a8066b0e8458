import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, OPCODE, type CfmFrame, type Tlv } from '../../src/pdu/index.js';
import { sampleCorpus } from '../../src/pdu/samples.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const corpus = sampleCorpus();

describe('round trip over the sample corpus', () => {
  it('covers every opcode of the API and every TLV type', () => {
    const ops = new Set(corpus.map((c) => c.frame.pdu.opcode));
    for (const op of Object.values(OPCODE)) expect(ops.has(op), `opcode ${op}`).toBe(true);
    const tlvTypes = new Set(corpus.flatMap((c) => c.frame.pdu.tlvs.map((t: Tlv) => t.type)));
    for (const t of [1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36]) expect(tlvTypes.has(t), `TLV ${t}`).toBe(true);
    expect([...tlvTypes].some((t) => t > 36 || (t > 8 && t < 31))).toBe(true); // an unknown TLV
  });

  for (const { name, frame } of corpus) {
    it(`${name}: encode -> decode -> encode is byte-identical and keeps the fields`, () => {
      const bytes = encodeFrame(frame);
      const d = decodeFrame(bytes);
      expect(hex(encodeFrame(d))).toBe(hex(bytes));
      expect(d.dst).toBe(frame.dst);
      expect(d.src).toBe(frame.src);
      expect(d.vlans).toEqual(frame.vlans);
      // every field given on encode comes back (decode adds firstTlvOffset and generated Test TLV bytes)
      const { tlvs, ...fixed } = frame.pdu as CfmFrame['pdu'] & Record<string, unknown>;
      expect(d.pdu).toMatchObject(fixed);
      expect(d.pdu.tlvs.length).toBe(tlvs.length);
      tlvs.forEach((t, i) => expect(d.pdu.tlvs[i]).toMatchObject(t as object));
      expect(typeof d.pdu.firstTlvOffset).toBe('number');
    });
  }

  it('keeps Ethernet padding after the End TLV and re-encodes it', () => {
    const ais = corpus.find((c) => c.name === 'AIS')!.frame;
    const b = encodeFrame(ais);
    const padded = new Uint8Array(60);
    padded.set(b);
    const d = decodeFrame(padded);
    expect(d.padding?.length).toBe(60 - b.length);
    expect(hex(encodeFrame(d))).toBe(hex(padded));
  });

  it('keeps bytes of a larger first TLV offset (802.1Q 20.51.4.4) in `extra`', () => {
    const c = corpus.find((x) => x.name === 'CCM')!.frame;
    const b = encodeFrame({ ...c, pdu: { ...c.pdu, firstTlvOffset: 74, extra: Uint8Array.of(1, 2, 3, 4), tlvs: [{ type: 2, value: 1 }] } });
    const d = decodeFrame(b);
    expect(d.pdu.firstTlvOffset).toBe(74);
    expect(Array.from(d.pdu.extra!)).toEqual([1, 2, 3, 4]);
    expect(d.pdu.tlvs).toEqual([{ type: 2, value: 1 }]);
    expect(hex(encodeFrame(d))).toBe(hex(b));
  });

  it('writes the standard first TLV offsets (cfm-facts 7.1)', () => {
    const want: Record<string, number> = { CCM: 70, LBM: 4, LBR: 4, LTM: 17, LTR: 6, AIS: 0, LCK: 0, TST: 4, APS: 4, 'R-APS': 32, LMM: 12, LMR: 12, '1DM': 16, DMM: 32, DMR: 32, CSF: 0, '1SL': 16, SLM: 16, SLR: 16, 'GNM/BNM': 13, MCC: 8, VSM: 6 };
    for (const [name, fto] of Object.entries(want)) {
      const f = corpus.find((c) => c.name === name)!.frame;
      const b = encodeFrame(f);
      const off = 14 + 4 * f.vlans.length;
      expect(b[off + 3], name).toBe(fto);
    }
  });

  it('generates Test TLV patterns: null signal zeros, PRBS 2^31-1, CRC-32 of the pattern', () => {
    const tst = decodeFrame(encodeFrame(corpus.find((c) => c.name === 'TST')!.frame)).pdu;
    const t = tst.tlvs[0] as { patternType: number; pattern: Uint8Array; crc32?: number };
    expect(t.patternType).toBe(2);
    // PRBS 2^31-1 (x^31 + x^28 + 1): every output bit is the XOR of the bits 31 and 28 before it
    const bits = Array.from(t.pattern).flatMap((x) => [7, 6, 5, 4, 3, 2, 1, 0].map((k) => (x >> k) & 1));
    expect(bits.length).toBe(128);
    for (let n = 31; n < bits.length; n++) expect(bits[n]).toBe(bits[n - 31] ^ bits[n - 28]);
    expect(bits.some((x) => x === 1)).toBe(true);
    expect(t.crc32).toBeUndefined();
    const lbm = decodeFrame(encodeFrame(corpus.find((c) => c.name === 'LBM Test TLV')!.frame)).pdu;
    const n = lbm.tlvs[0] as { pattern: Uint8Array; crc32?: number };
    expect(Array.from(n.pattern)).toEqual(new Array(8).fill(0));
    expect(n.crc32).toBe(zlib.crc32(Buffer.alloc(8))); // CRC-32 (IEEE 802.3) of the 8 pattern bytes
  });
});
