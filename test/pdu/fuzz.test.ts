import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, PduDecodeError } from '../../src/pdu/index.js';
import { decodeCcmFast, newCcmView } from '../../src/pdu/fast.js';
import { sampleCorpus } from '../../src/pdu/samples.js';
import { frameArb, unicastMac } from './arbitraries.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Decoding never throws anything but PduDecodeError; whatever decodes re-encodes byte-identically. */
function checkDecode(bytes: Uint8Array): void {
  let frame;
  try {
    frame = decodeFrame(bytes);
  } catch (e) {
    if (!(e instanceof PduDecodeError)) throw e;
    expect(e.phase).toBeGreaterThanOrEqual(1);
    expect(e.phase).toBeLessThanOrEqual(4);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    return;
  }
  expect(hex(encodeFrame(frame))).toBe(hex(bytes));
  // lenient never rejects what strict accepts, and relaxes nothing more in it (the only warnings
  // of a strictly valid frame are reserved values, in both modes)
  expect(decodeFrame(bytes, { lenient: true }).warnings).toEqual(frame.warnings);
  for (const w of frame.warnings ?? []) expect(w.message).toMatch(/is reserved/);
}

/**
 * The CCM fast path's 'codec' rule gives the same verdict, phase and offset as decodeFrame; its
 * 'receive' rule accepts whatever 'codec' accepts, and more only for non-zero reserved octets or
 * MAID padding / name lengths (ignored on receipt; the caller compares the 48 MAID octets).
 */
function checkFastAgrees(bytes: Uint8Array): void {
  const v = newCcmView();
  const ok = decodeCcmFast(bytes, v, false, 'codec');
  const phase = v.phase;
  const offset = v.offset;
  const rx = newCcmView();
  const okRx = decodeCcmFast(bytes, rx);
  const m = v.pduOffset + 10; // the MAID; the reserved octets are at m + 60 .. m + 63
  const mustBeZero = !ok && phase === 4 && offset >= m && offset < m + 64;
  if (!mustBeZero) expect([okRx, rx.phase, rx.offset]).toEqual([ok, phase, ok ? rx.offset : offset]);
  else if (!okRx) expect([rx.phase, rx.offset > m + 63]).toEqual([4, true]); // a later TLV check
  let err: PduDecodeError | undefined;
  let opcode = -1;
  try {
    opcode = decodeFrame(bytes).pdu.opcode;
  } catch (e) {
    err = e as PduDecodeError;
  }
  if (ok) {
    expect(err).toBeUndefined();
    expect(opcode).toBe(1);
  } else if (v.phase > 0) {
    expect(err, `fast path failed phase ${v.phase} at ${v.offset}`).toBeDefined();
    expect([err!.phase, err!.offset]).toEqual([phase, offset]);
  } else {
    expect(v.opcode).not.toBe(1);
  }
}

const mutate = (base: Uint8Array) => fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('add' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  ),
  { minLength: 1, maxLength: 4 },
).map((ops) => {
  let b = base.slice();
  for (const op of ops) {
    if (op.kind === 'set' && b.length) b[op.at % b.length] = op.value;
    else if (op.kind === 'cut') b = b.slice(0, op.at % (b.length + 1));
    else if (op.kind === 'add') { const n = new Uint8Array(b.length + op.extra.length); n.set(b); n.set(op.extra, b.length); b = n; }
  }
  return b;
});

describe('property-based fuzzing (fast-check)', () => {
  it('valid frames over every opcode and TLV re-encode byte-identically', () => {
    fc.assert(fc.property(frameArb, (f) => {
      const b = encodeFrame(f);
      const d = decodeFrame(b);
      expect(hex(encodeFrame(d))).toBe(hex(b));
      expect(d.pdu.opcode).toBe(f.pdu.opcode);
      expect(d.pdu.tlvs.length).toBe(f.pdu.tlvs.length);
    }), { numRuns: 400 });
  });

  it('random bytes never throw anything but PduDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), checkDecode), { numRuns: 300 });
  });

  it('random PDU bytes behind a valid Ethernet header never throw anything but PduDecodeError', () => {
    const header = fc.record({ dst: unicastMac, src: unicastMac });
    fc.assert(fc.property(header, fc.uint8Array({ maxLength: 100 }), fc.constantFrom(1, 2, 3, 4, 5, 32, 33, 37, 39, 40, 41, 45, 47, 51, 53, 55, 99), (h, body, opcode) => {
      const mac = (s: string) => s.split(':').map((x) => parseInt(x, 16));
      const b = Uint8Array.from([...mac(h.dst), ...mac(h.src), 0x89, 0x02, ...body]);
      if (b.length > 15) b[15] = opcode;
      checkDecode(b);
    }), { numRuns: 400 });
  });

  it('mutated valid frames never throw anything but PduDecodeError', () => {
    const bases = sampleCorpus().map((c) => encodeFrame(c.frame));
    fc.assert(fc.property(fc.constantFrom(...bases).chain(mutate), checkDecode), { numRuns: 600 });
  });

  it('the CCM fast path agrees with decodeFrame on valid and mutated CCMs', () => {
    const ccms = sampleCorpus().filter((c) => c.frame.pdu.opcode === 1).map((c) => encodeFrame(c.frame));
    fc.assert(fc.property(fc.constantFrom(...ccms), (b) => { checkFastAgrees(b); }), { numRuns: 20 });
    fc.assert(fc.property(fc.constantFrom(...ccms).chain(mutate), checkFastAgrees), { numRuns: 800 });
    fc.assert(fc.property(frameArb.map(encodeFrame), checkFastAgrees), { numRuns: 200 });
  });
});
