/**
 * A corpus of valid frames covering every opcode and every TLV type, used by the tests (round
 * trip, Wireshark differential), the benchmark, the bundled example capture and `cfm craft`.
 */
import { encodeMaid } from './maid.js';
import { ccmFlags, withPeriod } from './flags.js';
import { levelMulticast } from './frame.js';
import type { CcmPdu, CfmFrame, Pdu, Tlv } from './types.js';

const A = '00:00:5e:00:53:01';
const B = '00:00:5e:00:53:02';
const C = '00:00:5e:00:53:03';
const bytes = (...v: number[]) => Uint8Array.from(v);
const text = (s: string) => new TextEncoder().encode(s);

export const SAMPLE_MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA_VPLS_50' } });

const ALL_TLVS: Tlv[] = [
  { type: 1, chassisIdSubtype: 4, chassisId: bytes(0x00, 0x00, 0x5e, 0x00, 0x53, 0x01), mgmtDomain: bytes(0x06, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x64, 0x01, 0x01), mgmtAddress: bytes(192, 0, 2, 1, 0, 161) },
  { type: 2, value: 2 },
  { type: 3, data: text('bring-up data') },
  { type: 4, value: 1 },
  { type: 5, action: 1, mac: B, portIdSubtype: 5, portId: text('eth1') },
  { type: 6, action: 1, mac: C },
  { type: 7, egressId: bytes(0, 1, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01) },
  { type: 8, lastEgressId: bytes(0, 1, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01), nextEgressId: bytes(0, 2, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x02) },
  { type: 31, oui: 0x00000c, subtype: 7, value: text('vendor') },
  { type: 32, patternType: 3, length: 12 },
  { type: 33, subtype: 2, id: bytes(0, 20, ...new Array<number>(22).fill(0)) },
  { type: 34, subtype: 2, id: bytes(0, 30, ...new Array<number>(22).fill(0)) },
  { type: 35, loopbackIndication: 0, mepId: 10, megId: SAMPLE_MAID, reserved: 0 },
  { type: 36, testId: 77 },
  { type: 9, value: bytes(1, 2, 3) },
];

function ccm(level: number, mepId: number, seq: number, rdi: boolean, interval: number, tlvs: Tlv[]): CcmPdu {
  return { opcode: 1, level, version: 0, flags: ccmFlags(rdi, interval), seq, mepId, maid: SAMPLE_MAID, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs };
}

const ts = (seconds: number, nanoseconds: number) => ({ seconds, nanoseconds });

/** One valid frame per opcode (several for CCM), named. */
export function sampleCorpus(): { name: string; frame: CfmFrame }[] {
  const L = 5;
  const mc = levelMulticast(L, 1);
  const out: { name: string; frame: CfmFrame }[] = [];
  const add = (name: string, pdu: Pdu, dst = mc, vlans: CfmFrame['vlans'] = []) =>
    out.push({ name, frame: { dst, src: A, vlans, pdu } });
  add('CCM', ccm(L, 10, 1, false, 4, []));
  add('CCM RDI + status TLVs', ccm(L, 10, 2, true, 3, [{ type: 2, value: 2 }, { type: 4, value: 1 }]), mc, [{ tpid: 0x8100, pcp: 7, dei: false, vid: 100 }]);
  add('CCM all TLVs', ccm(L, 11, 3, false, 1, ALL_TLVS), mc, [{ tpid: 0x88a8, pcp: 7, dei: false, vid: 200 }, { tpid: 0x8100, pcp: 5, dei: true, vid: 300 }]);
  add('CCM Y.1731 counters', { ...ccm(L, 12, 0, false, 2, []), txFCf: 1000, rxFCb: 990, txFCb: 980 });
  add('LBM', { opcode: 3, level: L, version: 0, flags: 0, transactionId: 0x1234, tlvs: [{ type: 3, data: text('ping') }] }, B);
  add('LBM Test TLV', { opcode: 3, level: L, version: 0, flags: 0, transactionId: 0x1235, tlvs: [{ type: 32, patternType: 1, length: 8 }, { type: 33, subtype: 2, id: bytes(0, 20, ...new Array<number>(22).fill(0)) }] }, B);
  add('LBR', { opcode: 2, level: L, version: 0, flags: 0, transactionId: 0x1234, tlvs: [{ type: 3, data: text('ping') }] }, A);
  add('LTM', { opcode: 5, level: L, version: 0, flags: 0x80, transactionId: 77, ttl: 64, originMac: A, targetMac: C, tlvs: [{ type: 7, egressId: bytes(0, 0, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01) }] }, levelMulticast(L, 2));
  add('LTR', {
    opcode: 4, level: L, version: 0, flags: 0x80 | 0x40 | 0x20, transactionId: 77, ttl: 63, relayAction: 1,
    tlvs: [ALL_TLVS[7], { type: 5, action: 1, mac: C, portIdSubtype: 5, portId: text('ge-0/0/1') }, { type: 6, action: 1, mac: C }],
  }, A);
  add('AIS', { opcode: 33, level: 6, version: 0, flags: withPeriod(4), tlvs: [] }, levelMulticast(6, 1));
  add('LCK', { opcode: 35, level: 6, version: 0, flags: withPeriod(6), tlvs: [] }, levelMulticast(6, 1));
  add('TST', { opcode: 37, level: L, version: 0, flags: 0, seq: 9, tlvs: [{ type: 32, patternType: 2, length: 16 }] }, B);
  add('APS', { opcode: 39, level: L, version: 0, flags: 0, requestState: 13, protectionType: 0xa, requestedSignal: 1, bridgedSignal: 1, bridgeType: 0x80, tlvs: [] }, levelMulticast(L, 1));
  add('R-APS', { opcode: 40, level: L, version: 0, flags: 0, requestState: 11, subCode: 0, status: 0xa0, nodeId: A, tlvs: [] }, '01:19:a7:00:00:01');
  add('MCC', { opcode: 41, level: L, version: 0, flags: 0, oui: 0x0019a7, subOpcode: 1, data: bytes(1, 2, 3, 4), tlvs: [] }, B);
  add('LMM', { opcode: 43, level: L, version: 0, flags: 0, txFCf: 5000, rxFCf: 0, txFCb: 0, tlvs: [] }, B);
  add('LMR', { opcode: 42, level: L, version: 0, flags: 0, txFCf: 5000, rxFCf: 4990, txFCb: 4800, tlvs: [] }, A);
  add('1DM', { opcode: 45, level: L, version: 0, flags: 0, txTimestampF: ts(1_700_000_000, 123_456_789), rxTimestampF: ts(0, 0), tlvs: [] }, B);
  add('DMM', { opcode: 47, level: L, version: 0, flags: 0, txTimestampF: ts(1_700_000_000, 1000), rxTimestampF: ts(0, 0), txTimestampB: ts(0, 0), rxTimestampB: ts(0, 0), tlvs: [] }, B);
  add('DMR', { opcode: 46, level: L, version: 0, flags: 0, txTimestampF: ts(1_700_000_000, 1000), rxTimestampF: ts(1_700_000_000, 51_000), txTimestampB: ts(1_700_000_000, 61_000), rxTimestampB: ts(1_700_000_000, 112_000), tlvs: [] }, A);
  add('EXM', { opcode: 49, level: L, version: 0, flags: 0, oui: 0x00000c, subOpcode: 2, data: bytes(9, 9), tlvs: [] }, B);
  add('EXR', { opcode: 48, level: L, version: 0, flags: 0, oui: 0x00000c, subOpcode: 2, data: bytes(), tlvs: [] }, A);
  add('VSM', { opcode: 51, level: L, version: 0, flags: 0, oui: 0x00000c, subOpcode: 3, data: bytes(0xde, 0xad), tlvs: [{ type: 31, oui: 0x00000c, subtype: 1, value: bytes(1) }] }, B);
  add('VSR', { opcode: 50, level: L, version: 0, flags: 0, oui: 0x00000c, subOpcode: 3, data: bytes(0xbe, 0xef), tlvs: [] }, A);
  add('CSF', { opcode: 52, level: L, version: 0, flags: withPeriod(4, 2), tlvs: [] }, levelMulticast(L, 1));
  add('1SL', { opcode: 53, level: L, version: 0, flags: 0, srcMepId: 10, testId: 5, txFCf: 100, tlvs: [] }, B);
  add('SLM', { opcode: 55, level: L, version: 0, flags: 0, srcMepId: 10, rspMepId: 0, testId: 5, txFCf: 100, txFCb: 0, tlvs: [{ type: 3, data: new Uint8Array(20) }] }, B);
  add('SLR', { opcode: 54, level: L, version: 0, flags: 0, srcMepId: 10, rspMepId: 20, testId: 5, txFCf: 100, txFCb: 98, tlvs: [] }, A);
  add('GNM/BNM', { opcode: 32, level: L, version: 0, flags: withPeriod(4), subOpcode: 1, nominalBandwidth: 1000, currentBandwidth: 500, portId: 3, tlvs: [] }, levelMulticast(L, 1));
  add('unknown opcode 60', { opcode: 60, level: L, version: 0, flags: 0, firstTlvOffset: 0, tlvs: [], body: bytes(1, 2, 3, 0) }, B);
  return out;
}
