import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, levelMulticast, PduDecodeError, type CfmFrame } from '../../src/pdu/index.js';
import { sampleCorpus } from '../../src/pdu/samples.js';

const corpus = sampleCorpus();
const frameOf = (name: string): CfmFrame => structuredClone(corpus.find((c) => c.name === name)!.frame);
const bytesOf = (name: string) => encodeFrame(frameOf(name));

function decodeError(b: Uint8Array, lenient = false): PduDecodeError {
  try {
    decodeFrame(b, { lenient });
  } catch (e) {
    expect(e).toBeInstanceOf(PduDecodeError);
    return e as PduDecodeError;
  }
  throw new Error('expected a decode error');
}

// Untagged CCM: Ethernet header 14 bytes, PDU at 14, fixed fields at 18, MEPID at 22, MAID at 24,
// reserved at 84..87, first TLV at 88.
describe('validation phases (seed 004)', () => {
  it('phase 1: zero destination or source MAC, group source MAC', () => {
    const b = bytesOf('CCM');
    b.fill(0, 0, 6);
    expect(decodeError(b)).toMatchObject({ phase: 1, offset: 0, reason: 'destination MAC is 00:00:00:00:00:00' });
    const s = bytesOf('CCM');
    s.fill(0, 6, 12);
    expect(decodeError(s)).toMatchObject({ phase: 1, offset: 6 });
    const g = bytesOf('CCM');
    g[6] = 0x01;
    expect(decodeError(g).reason).toMatch(/source MAC 01:.* is a group address/);
  });

  it('phase 2: the multicast DA nibble must match the level', () => {
    const f = frameOf('CCM');
    f.dst = levelMulticast(3, 1);
    const e = decodeError(encodeFrame(f));
    expect(e).toMatchObject({ phase: 2, offset: 5 });
    expect(e.message).toBe('phase 2 (multicast level/class) at byte 5: multicast DA 01:80:c2:00:00:33 is for level 3 but the PDU is level 5');
  });

  it('phase 2: the class must fit the opcode (class 2 only for LTM, replies unicast)', () => {
    const ccm = frameOf('CCM');
    ccm.dst = levelMulticast(5, 2);
    expect(decodeError(encodeFrame(ccm)).reason).toMatch(/class 2 multicast DA 01:80:c2:00:00:3d is only for LTM, not CCM/);
    const ltm = frameOf('LTM');
    ltm.dst = levelMulticast(5, 1);
    expect(decodeError(encodeFrame(ltm))).toMatchObject({ phase: 2, offset: 5 });
    const lbr = frameOf('LBR');
    lbr.dst = levelMulticast(5, 1);
    expect(decodeError(encodeFrame(lbr)).reason).toMatch(/LBR is a reply and must be unicast/);
  });

  it('phase 3: truncated header, non-CFM EtherType, too many tags', () => {
    expect(decodeError(bytesOf('CCM').slice(0, 10))).toMatchObject({ phase: 3, offset: 10 });
    const ip = bytesOf('CCM');
    ip[12] = 0x08; ip[13] = 0x00;
    expect(decodeError(ip)).toMatchObject({ phase: 3, offset: 12, reason: 'EtherType 0x0800 is not CFM (0x8902)' });
    const f = frameOf('CCM');
    const three = encodeFrame({ ...f, vlans: [{ tpid: 0x88a8, pcp: 0, dei: false, vid: 1 }, { tpid: 0x8100, pcp: 0, dei: false, vid: 2 }] });
    const b = new Uint8Array(three.length + 4);
    b.set(three.subarray(0, 20)); b.set([0x81, 0x00, 0x00, 0x03], 20); b.set(three.subarray(20), 24);
    expect(decodeError(b)).toMatchObject({ phase: 3, offset: 20, reason: 'more than two VLAN tags' });
  });

  it('phase 3: PDU shorter than its fixed fields, first TLV offset past the end', () => {
    const b = bytesOf('CCM');
    expect(decodeError(b.slice(0, 60))).toMatchObject({ phase: 3, offset: 17 }); // first TLV offset 70 > 42
    const lbm = bytesOf('LBM');
    lbm[17] = 200;
    expect(decodeError(lbm).reason).toMatch(/first TLV offset 200 points past the end of the PDU/);
  });

  it('phase 3: a TLV running past the PDU and a missing End TLV, with their offsets', () => {
    const b = bytesOf('CCM RDI + status TLVs'); // tagged: PDU at 18, TLVs at 92
    expect(b[92]).toBe(2);
    b[94] = 40; // Port Status length 40
    expect(decodeError(b)).toMatchObject({ phase: 3, offset: 93 });
    expect(decodeError(b).reason).toMatch(/Port Status TLV length 40 runs past the end of the PDU \(\d+ bytes left\)/);
    const noEnd = bytesOf('CCM').slice(0, -1);
    expect(decodeError(noEnd)).toMatchObject({ phase: 3, offset: noEnd.length });
    expect(decodeError(noEnd).reason).toMatch(/End TLV missing/);
  });

  it('phase 4: first TLV offset below the fixed fields, CCM interval 0, bad TLV lengths, LTM without egress id', () => {
    const b = bytesOf('CCM');
    b[17] = 4; // the TLV scan then starts in the MEPID (00 0a = End at 22)
    expect(decodeError(b)).toMatchObject({ phase: 4, offset: 17, reason: 'first TLV offset 4 is less than 70, the CCM fixed fields' });
    const i0 = bytesOf('CCM');
    i0[16] &= 0xf8;
    expect(decodeError(i0)).toMatchObject({ phase: 4, offset: 16 });
    const ps = bytesOf('CCM RDI + status TLVs');
    ps[94] = 2; ps[97] = 4; ps[98] = 0; ps[99] = 0; // Port Status length 2, then a shrunken Interface Status
    const e = decodeError(ps);
    expect(e.phase).toBe(4);
    const ltm = frameOf('LTM');
    ltm.pdu.tlvs = [];
    expect(decodeError(encodeFrame(ltm)).reason).toMatch(/LTM without an LTM Egress Identifier TLV/);
  });

  it('phase 4: MEPID reserved bits, MEPID 0, MAID lengths and padding, reserved bytes', () => {
    const m = bytesOf('CCM');
    m[22] |= 0x80;
    expect(decodeError(m)).toMatchObject({ phase: 4, offset: 22 });
    expect(decodeError(m).reason).toMatch(/MEPID 0x800a has reserved \(must-be-zero\) bits set/);
    const z = bytesOf('CCM');
    z[22] = 0; z[23] = 0;
    expect(decodeError(z).reason).toMatch(/MEPID 0 is not a valid MEPID/);
    const maid = bytesOf('CCM');
    maid[25] = 60; // MD name length 60 > 48
    expect(decodeError(maid)).toMatchObject({ phase: 4, offset: 24 });
    const pad = bytesOf('CCM');
    pad[24 + 47] = 1;
    expect(decodeError(pad).reason).toMatch(/MAID padding/);
    const res = bytesOf('CCM');
    res[86] = 9;
    expect(decodeError(res)).toMatchObject({ phase: 4, offset: 86 });
  });

  it('checks phases in order: a frame wrong in phases 2 and 4 fails phase 2', () => {
    const f = frameOf('CCM');
    f.dst = levelMulticast(1, 1);
    const b = encodeFrame(f);
    b[22] |= 0x80;
    expect(decodeError(b).phase).toBe(2);
  });
});

describe('lenient mode (MBZ tolerated, seed 004)', () => {
  it('decodes a MEPID with reserved bits set using all 16 bits, with a warning', () => {
    const b = bytesOf('CCM');
    b[22] |= 0xe0; // 0xe00a
    const d = decodeFrame(b, { lenient: true });
    expect(d.pdu).toMatchObject({ opcode: 1, mepId: 0xe00a });
    expect(d.warnings).toEqual([{ phase: 4, offset: 22, message: expect.stringMatching(/decoded with all bits as 57354/) }]);
    // the lenient decode re-encodes the same bytes (the MEPID is kept whole)
    expect(Buffer.from(encodeFrame(d)).equals(Buffer.from(b))).toBe(true);
  });

  it('tolerates a missing End TLV and non-zero reserved bytes with warnings; real structure errors still fail', () => {
    const b = bytesOf('CCM').slice(0, -1);
    b[86] = 1;
    const d = decodeFrame(b, { lenient: true });
    expect(d.warnings?.map((w) => [w.phase, w.offset])).toEqual([[3, b.length], [4, 86]]);
    const bad = bytesOf('CCM');
    bad[17] = 4;
    expect(decodeError(bad, true).phase).toBe(4);
  });
});
