/** fast-check arbitraries for valid CFM frames over every opcode and TLV (shared by the property tests). */
import fc from 'fast-check';
import { encodeMaid, levelMulticast, type CfmFrame, type Pdu, type Tlv, type VlanTag } from '../../src/pdu/index.js';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const hex2 = (x: number) => x.toString(16).padStart(2, '0');

/** A unicast, non-zero MAC. */
export const unicastMac = bytes(6, 6)
  .map((b) => { b[0] &= 0xfe; if (b.every((x) => x === 0)) b[5] = 1; return b; })
  .map((b) => Array.from(b, hex2).join(':'));

const ts = fc.record({ seconds: u32, nanoseconds: fc.integer({ min: 0, max: 999_999_999 }) });
const mepId = fc.integer({ min: 1, max: 8191 });

const senderId: fc.Arbitrary<Tlv> = fc.record({
  chassis: fc.option(fc.record({ subtype: fc.integer({ min: 1, max: 7 }), id: bytes(1, 12) }), { nil: undefined }),
  mgmt: fc.oneof(
    fc.constant(undefined),
    fc.constant('empty' as const),
    fc.record({ domain: bytes(1, 10), addr: bytes(0, 10) }),
  ),
}).map(({ chassis, mgmt }) => {
  const t: Tlv = { type: 1 };
  if (chassis) { t.chassisIdSubtype = chassis.subtype; t.chassisId = chassis.id; }
  if (mgmt === 'empty') t.mgmtDomain = new Uint8Array(0);
  else if (mgmt) { t.mgmtDomain = mgmt.domain; t.mgmtAddress = mgmt.addr; }
  return t;
});

const portId = fc.oneof(
  fc.constant(undefined),
  fc.constant('empty' as const),
  fc.record({ subtype: fc.integer({ min: 1, max: 7 }), id: bytes(1, 10) }),
);
const reply = (type: 5 | 6): fc.Arbitrary<Tlv> => fc.record({ action: u8, mac: unicastMac, pid: portId }).map(({ action, mac, pid }) => {
  const t = { type, action, mac } as Tlv & { portId?: Uint8Array; portIdSubtype?: number };
  if (pid === 'empty') t.portId = new Uint8Array(0);
  else if (pid) { t.portId = pid.id; t.portIdSubtype = pid.subtype; }
  return t;
});

const knownTypes = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 31, 32, 33, 34, 35, 36]);
export const tlvArb: fc.Arbitrary<Tlv> = fc.oneof(
  senderId,
  u8.map((value): Tlv => ({ type: 2, value })),
  bytes(0, 40).map((data): Tlv => ({ type: 3, data })),
  u8.map((value): Tlv => ({ type: 4, value })),
  reply(5),
  reply(6),
  bytes(8, 8).map((egressId): Tlv => ({ type: 7, egressId })),
  fc.tuple(bytes(8, 8), bytes(8, 8)).map(([lastEgressId, nextEgressId]): Tlv => ({ type: 8, lastEgressId, nextEgressId })),
  fc.record({ oui: u24, subtype: u8, value: bytes(0, 12) }).map((r): Tlv => ({ type: 31, ...r })),
  fc.record({ patternType: fc.integer({ min: 0, max: 3 }), length: fc.integer({ min: 0, max: 24 }) }).map((r): Tlv => ({ type: 32, ...r })),
  fc.record({ type: fc.constantFrom(33 as const, 34 as const), subtype: u8, id: bytes(24, 24) }).map((r) => r as Tlv),
  fc.record({ loopbackIndication: u16, mepId: u16, megId: bytes(48, 48), reserved: u16 }).map((r): Tlv => ({ type: 35, ...r })),
  u32.map((testId): Tlv => ({ type: 36, testId })),
  fc.record({ type: u8.filter((t) => !knownTypes.has(t)), value: bytes(0, 12) }),
);

const maid = fc.oneof(
  fc.record({ md: fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/), ma: fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/) })
    .map(({ md, ma }) => encodeMaid({ md: { format: 4, name: md }, ma: { format: 2, name: ma } })),
  fc.record({ vid: fc.integer({ min: 0, max: 4095 }) }).map(({ vid }) => encodeMaid({ md: { format: 1 }, ma: { format: 1, vid } })),
  u16.map((id) => encodeMaid({ md: { format: 2, name: 'example.net' }, ma: { format: 3, id } })),
);

const tlvs = fc.array(tlvArb, { maxLength: 4 });
const unknownOpcode = u8.filter((o) => ![1, 2, 3, 4, 5, 32, 33, 35, 37, 39, 40, 41, 42, 43, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55].includes(o));

type Body = Record<string, unknown> & { opcode: number };
const bodies: fc.Arbitrary<Body>[] = [
  fc.record({ seq: u32, mepId, maid, txFCf: u32, rxFCb: u32, txFCb: u32 }).map((r) => ({ opcode: 1, ...r })),
  fc.record({ opcode: fc.constantFrom(2, 3), transactionId: u32 }),
  fc.record({ transactionId: u32, ttl: u8, originMac: unicastMac, targetMac: unicastMac, egressId: bytes(8, 8) })
    .map(({ egressId, ...r }) => ({ opcode: 5, ...r, mustTlv: { type: 7, egressId } })),
  fc.record({ transactionId: u32, ttl: u8, relayAction: u8, a: bytes(8, 8), b: bytes(8, 8) })
    .map(({ a, b, ...r }) => ({ opcode: 4, ...r, mustTlv: { type: 8, lastEgressId: a, nextEgressId: b } })),
  fc.constantFrom(33, 35, 52).map((opcode) => ({ opcode })),
  u32.map((seq) => ({ opcode: 37, seq })),
  fc.record({ requestState: fc.integer({ min: 0, max: 15 }), protectionType: fc.integer({ min: 0, max: 15 }), requestedSignal: u8, bridgedSignal: u8, bridgeType: u8 })
    .map((r) => ({ opcode: 39, ...r })),
  fc.record({ requestState: fc.integer({ min: 0, max: 15 }), subCode: fc.integer({ min: 0, max: 15 }), status: u8, nodeId: unicastMac, reserved: bytes(24, 24) })
    .map((r) => ({ opcode: 40, ...r })),
  fc.record({ opcode: fc.constantFrom(41, 48, 49, 50, 51), oui: u24, subOpcode: u8, data: bytes(0, 20) }),
  fc.record({ opcode: fc.constantFrom(42, 43), txFCf: u32, rxFCf: u32, txFCb: u32 }),
  fc.record({ txTimestampF: ts, rxTimestampF: ts }).map((r) => ({ opcode: 45, ...r })),
  fc.record({ opcode: fc.constantFrom(46, 47), txTimestampF: ts, rxTimestampF: ts, txTimestampB: ts, rxTimestampB: ts }),
  fc.record({ srcMepId: mepId, testId: u32, txFCf: u32 }).map((r) => ({ opcode: 53, ...r })),
  fc.record({ opcode: fc.constantFrom(54, 55), srcMepId: mepId, rspMepId: fc.integer({ min: 0, max: 8191 }), testId: u32, txFCf: u32, txFCb: u32 }),
  fc.oneof(
    fc.record({ nominalBandwidth: u32, currentBandwidth: u32, portId: u32 }).map((r) => ({ opcode: 32, subOpcode: 1, ...r })),
    fc.record({ subOpcode: fc.integer({ min: 2, max: 255 }), data: bytes(0, 16) }).map((r) => ({ opcode: 32, ...r })),
  ),
  fc.record({ opcode: unknownOpcode, body: bytes(0, 40), firstTlvOffset: u8 }),
];

const STD: Record<number, number> = { 1: 70, 2: 4, 3: 4, 4: 6, 5: 17, 33: 0, 35: 0, 37: 4, 39: 4, 40: 32, 42: 12, 43: 12, 45: 16, 46: 32, 47: 32, 52: 0, 53: 16, 54: 16, 55: 16 };
const UNICAST_ONLY = new Set([2, 4, 42, 46, 48, 50, 54]);

/** Any valid PDU (every opcode, TLVs, sometimes a larger first TLV offset). */
export const pduArb: fc.Arbitrary<Pdu> = fc.record({
  body: fc.oneof(...bodies),
  level: fc.integer({ min: 0, max: 7 }),
  version: fc.integer({ min: 0, max: 31 }),
  flags: u8,
  tlvs,
  extra: fc.option(bytes(1, 8), { freq: 5, nil: undefined }),
}).map(({ body, level, version, flags, tlvs: t, extra }) => {
  const { mustTlv, ...fields } = body as Body & { mustTlv?: Tlv };
  const pdu = { ...fields, level, version, flags, tlvs: mustTlv ? [mustTlv, ...t] : t } as Record<string, unknown>;
  if (body.opcode === 1 && (flags & 7) === 0) pdu.flags = flags | 4; // interval 0 is invalid in a CCM
  const std = STD[body.opcode];
  if (extra && std !== undefined) { pdu.extra = extra; pdu.firstTlvOffset = std + extra.length; }
  if (body.opcode > 55 || !(body.opcode in STD || [32, 41, 48, 49, 50, 51].includes(body.opcode))) pdu.tlvs = [];
  return pdu as unknown as Pdu;
});

const vlan: fc.Arbitrary<VlanTag> = fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean(), vid: fc.integer({ min: 0, max: 4095 }) });

/** Any valid frame: unicast or the right class of multicast DA, 0..2 tags, optional padding. */
export const frameArb: fc.Arbitrary<CfmFrame> = fc.record({
  pdu: pduArb, src: unicastMac, ucast: unicastMac, multicast: fc.boolean(),
  vlans: fc.array(vlan, { maxLength: 2 }), padding: fc.option(bytes(1, 30), { nil: undefined }),
}).map(({ pdu, src, ucast, multicast, vlans, padding }) => {
  const dst = multicast && !UNICAST_ONLY.has(pdu.opcode) ? levelMulticast(pdu.level, pdu.opcode === 5 ? 2 : 1) : ucast;
  const f: CfmFrame = { dst, src, vlans, pdu };
  // padding only follows an End TLV: PDUs with a layout (an unknown opcode's body runs to the end)
  if (padding && 'body' in pdu === false) f.padding = padding;
  return f;
});
