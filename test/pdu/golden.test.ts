import { describe, expect, it } from 'vitest';
import {
  ccmFlags, ccmInterval, ccmRdi, decodeFrame, decodeMaid, decodePdu, encodeFrame, encodeMaid, encodePdu,
  levelMulticast, OPCODE, type CcmPdu, type CfmFrame,
} from '../../src/pdu/index.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// cfm-facts.md 7.1: OVS default CCM (75 bytes)
const OVS_CCM = '00010446' + '00000001' + '0001' + '04036f767302036f7673' + '00'.repeat(38) + '00'.repeat(16) + '00';
// cfm-facts.md 7.1: kernel-style, level 5, RDI, 1 s, seq 7, MEPID 10, MAID {none, "MA1"}, Port up, If up (83 bytes)
const KERNEL_CCM = 'a0018446000000070' + '00a0102034d4131' + '00'.repeat(42) + '00'.repeat(16) + '020001020400010100';

describe('golden CCM vectors (cfm-facts.md 7.1)', () => {
  it('encodes the OVS default CCM byte for byte (75 bytes, first TLV offset 70)', () => {
    const pdu: CcmPdu = {
      opcode: 1, level: 0, version: 0, flags: ccmFlags(false, 4), seq: 1, mepId: 1,
      maid: encodeMaid({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' } }), txFCf: 0, rxFCb: 0, txFCb: 0, tlvs: [],
    };
    const b = encodePdu(pdu);
    expect(b.length).toBe(75);
    expect(hex(b)).toBe(OVS_CCM);
    const d = decodePdu(b) as CcmPdu;
    expect(d).toMatchObject({ opcode: 1, level: 0, seq: 1, mepId: 1, firstTlvOffset: 70, tlvs: [] });
    expect(ccmInterval(d)).toBe(4);
  });

  it('encodes the kernel-style CCM with RDI, Port and Interface Status TLVs (83 bytes)', () => {
    const pdu: CcmPdu = {
      opcode: OPCODE.CCM, level: 5, version: 0, flags: ccmFlags(true, 4), seq: 7, mepId: 10,
      maid: encodeMaid({ md: { format: 1 }, ma: { format: 2, name: 'MA1' } }), txFCf: 0, rxFCb: 0, txFCb: 0,
      tlvs: [{ type: 2, value: 2 }, { type: 4, value: 1 }],
    };
    const b = encodePdu(pdu);
    expect(b.length).toBe(83);
    expect(hex(b)).toBe(KERNEL_CCM);
    const d = decodePdu(unhex(KERNEL_CCM)) as CcmPdu;
    expect(ccmRdi(d)).toBe(true);
    expect(d.tlvs).toEqual([{ type: 2, value: 2 }, { type: 4, value: 1 }]);
    expect(decodeMaid(d.maid)).toMatchObject({ md: { format: 1 }, ma: { format: 2, name: 'MA1' } });
    expect(hex(encodePdu(d))).toBe(KERNEL_CCM);
  });

  it('frames a CCM with its class 1 DA and two tags, and decodes it back identically', () => {
    const frame: CfmFrame = {
      dst: levelMulticast(5, 1), src: '00:11:22:33:44:55',
      vlans: [{ tpid: 0x88a8, pcp: 7, dei: false, vid: 100 }, { tpid: 0x8100, pcp: 3, dei: true, vid: 4094 }],
      pdu: decodePdu(unhex(KERNEL_CCM)),
    };
    const b = encodeFrame(frame);
    expect(hex(b.subarray(0, 24))).toBe('0180c2000035' + '001122334455' + '88a8e064' + '81007ffe' + '8902' + 'a001');
    const d = decodeFrame(b);
    expect(d).toEqual(frame);
    expect(hex(encodeFrame(d))).toBe(hex(b));
  });

  it('derives the class 1 and class 2 multicast addresses from the level', () => {
    expect(levelMulticast(0, 1)).toBe('01:80:c2:00:00:30');
    expect(levelMulticast(7, 1)).toBe('01:80:c2:00:00:37');
    expect(levelMulticast(0, 2)).toBe('01:80:c2:00:00:38');
    expect(levelMulticast(7, 2)).toBe('01:80:c2:00:00:3f');
  });
});
