import { describe, expect, it } from 'vitest';
import { decodeCcmFast, decodeFrame, encodeFrame, maidEquals, newCcmView, patchCcm, pduOffsetOf, SAMPLE_MAID, type CcmPdu } from '../../src/pdu/index.js';
import { sampleCorpus } from '../../src/pdu/samples.js';

const corpus = sampleCorpus();
const bytesOf = (name: string) => encodeFrame(corpus.find((c) => c.name === name)!.frame);

describe('CCM fast path', () => {
  it('fills the view with the fields of a valid tagged CCM with status TLVs', () => {
    const b = bytesOf('CCM RDI + status TLVs');
    const v = newCcmView();
    expect(decodeCcmFast(b, v)).toBe(true);
    expect(v).toMatchObject({
      phase: 0, opcode: 1, pduOffset: 18, vlanCount: 1, outerVid: 100, level: 5, version: 0, flags: 0x83, rdi: true, interval: 3,
      seq: 2, mepId: 10, maidOffset: 28, txFCf: 0, rxFCb: 0, txFCb: 0, portStatus: 2, interfaceStatus: 1, senderIdOffset: -1, tlvCount: 2,
    });
    expect(maidEquals(b, v.maidOffset, SAMPLE_MAID)).toBe(true);
    expect(maidEquals(b, v.maidOffset, new Uint8Array(48))).toBe(false);
  });

  it('reads the Y.1731 frame counters only when asked', () => {
    const b = bytesOf('CCM Y.1731 counters');
    const v = newCcmView();
    expect(decodeCcmFast(b, v)).toBe(true);
    expect([v.txFCf, v.rxFCb, v.txFCb]).toEqual([0, 0, 0]);
    expect(decodeCcmFast(b, v, true)).toBe(true);
    expect([v.txFCf, v.rxFCb, v.txFCb]).toEqual([1000, 990, 980]);
  });

  it('finds the Sender ID TLV and checks every TLV of the all-TLV CCM', () => {
    const b = bytesOf('CCM all TLVs');
    const v = newCcmView();
    expect(decodeCcmFast(b, v)).toBe(true);
    expect(v.senderIdOffset).toBe(22 + 74);
    expect(v.tlvCount).toBe(15);
    expect(v.vlanCount).toBe(2);
  });

  it('returns false with phase 0 for another opcode, and the failing phase/offset for invalid CCMs', () => {
    const v = newCcmView();
    expect(decodeCcmFast(bytesOf('LBM'), v)).toBe(false);
    expect([v.phase, v.opcode]).toEqual([0, 3]);
    const b = bytesOf('CCM');
    b[22] = 0x80;
    expect(decodeCcmFast(b, v)).toBe(false);
    expect([v.phase, v.offset]).toEqual([4, 22]);
  });

  it('patchCcm updates seq and RDI in place; the frame stays valid', () => {
    const b = bytesOf('CCM');
    const off = pduOffsetOf(b);
    expect(off).toBe(14);
    patchCcm(b, off, 0xdeadbeef, true);
    const p = decodeFrame(b).pdu as CcmPdu;
    expect([p.seq, p.flags]).toEqual([0xdeadbeef, 0x84]);
    patchCcm(b, off, 5, false);
    expect((decodeFrame(b).pdu as CcmPdu).flags).toBe(0x04);
    expect(pduOffsetOf(bytesOf('CCM all TLVs'))).toBe(22);
    expect(pduOffsetOf(Uint8Array.of(1, 2, 3))).toBe(-1);
  });

  it("'codec' rejects a non-zero byte anywhere in the MAID padding, as decodeFrame does (phase 4 at the MAID); 'receive' takes it as another MAID", () => {
    const v = newCcmView();
    const rx = newCcmView();
    for (const name of ['CCM', 'CCM RDI + status TLVs', 'CCM all TLVs']) {
      const good = bytesOf(name);
      expect(decodeCcmFast(good, v)).toBe(true);
      const m = v.maidOffset;
      // where the padding starts: after the MD name (format 1 = none) and the MA name
      const q = good[m] === 1 ? m + 1 : m + 2 + good[m + 1];
      const padStart = q + 2 + good[q + 1];
      expect(padStart).toBeLessThan(m + 48);
      for (let i = padStart; i < m + 48; i++) {
        for (const x of [1, 0x80]) {
          const b = Uint8Array.from(good);
          b[i] = x;
          expect(decodeCcmFast(b, v, false, 'codec'), `${name}: byte ${i - m} of the MAID = ${x}`).toBe(false);
          expect([v.phase, v.offset]).toEqual([4, m]);
          // a receiver compares the 48 octets: a valid CCM of another MA (802.1Q 20.16: defXconCCM)
          expect(decodeCcmFast(b, rx), `${name}: byte ${i - m} of the MAID = ${x} (receive)`).toBe(true);
          expect(maidEquals(b, rx.maidOffset, good.subarray(m, m + 48))).toBe(false);
          let err: { phase?: number; offset?: number } | undefined;
          try { decodeFrame(b); } catch (e) { err = e as { phase?: number; offset?: number }; }
          expect(err, 'decodeFrame rejects it too').toBeDefined();
          expect([err!.phase, err!.offset]).toEqual([4, m]);
        }
      }
    }
  });

  it("reserved octets after TxFCb (802.1Q 21.6, Y.1731 9.2) and reserved flag bits: ignored on receipt, rejected by 'codec' as by decodeFrame", () => {
    const good = bytesOf('CCM RDI + status TLVs');
    const v = newCcmView();
    expect(decodeCcmFast(good, v)).toBe(true);
    const o = v.pduOffset + 4;
    for (let i = o + 66; i < o + 70; i++) {
      const b = Uint8Array.from(good);
      b[i] = 0xa5;
      b[v.pduOffset + 2] |= 0x38; // reserved flag bits 6..4 (21.6.1)
      const rx = newCcmView();
      expect(decodeCcmFast(b, rx), `reserved octet ${i - o - 66}`).toBe(true);
      expect({ ...rx, phase: 0, flags: 0 }).toEqual({ ...v, flags: 0 }); // every field as without them
      expect(rx.flags).toBe(v.flags | 0x38);
      const codec = newCcmView();
      expect(decodeCcmFast(b, codec, false, 'codec')).toBe(false);
      expect([codec.phase, codec.offset]).toEqual([4, i]);
      expect(() => decodeFrame(b)).toThrow(/CCM reserved field/);
    }
  });

  it("MAID name lengths running past the 48 octets: 'receive' takes it as another MAID, 'codec' rejects it", () => {
    const good = bytesOf('CCM');
    const v = newCcmView();
    expect(decodeCcmFast(good, v)).toBe(true);
    const m = v.maidOffset;
    const b = Uint8Array.from(good);
    b[m + 1] = 45; // MD name length: 2 + 45 > 46
    expect(decodeCcmFast(b, v)).toBe(true);
    expect(maidEquals(b, m, good.subarray(m, m + 48))).toBe(false);
    expect(decodeCcmFast(b, v, false, 'codec')).toBe(false);
    expect([v.phase, v.offset]).toEqual([4, m]);
  });
});
