/**
 * One receive-validity rule for hardware and software (issue 11 item 26; docs/mock-asic.md "CCM
 * receive validity"): the same crafted CCMs go to the mock ASIC's hardware CCM check
 * (native/asic/mock_ccm_rx.c), to the software fast path (decodeCcmFast, rule 'receive', then the
 * MEP's own checks) and to a software MEP of the engine (src/engine/ccm.ts invalidCcm, 20.16-20.24);
 * each says what the CCM is to the MEP: taken from its peer ('ok'), a cross-connect (another
 * MAID or a lower level: defXconCCM / dMMG, dUNL), an error CCM (unknown MEPID, other interval:
 * defErrorCCM / dUNM, dUNP) or nothing (discarded as invalid, 20.51). The mock used to mask the
 * MEPID with 0x1fff, run without an End TLV and take a status TLV of any length; the mock and the
 * fast path used to drop a CCM whose reserved octets or MAID padding were not zero, which the
 * engine takes (reserved octets are ignored on receipt, 802.1Q 21.6 / Y.1731 9.2) or sees as
 * another MA's MAID (its 48 octets compared whole).
 * The Linux software datapath's AF_PACKET receive path (src/backends/software/ccm-frame.ts
 * parseCfmFrame, the demux and the VOE's CcmChecker, called directly: no netns needed) gives the
 * same verdict too; its parser used to mask the MEPID with 0x1fff and run without an End TLV.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/index.js';
import { parseCfmFrame } from '../../src/backends/software/ccm-frame.js';
import { CcmChecker, monoNs } from '../../src/backends/software/checker.js';
import { ExpiryTimer } from '../../src/backends/software/expiry-timer.js';
import { deliverCcm, type DemuxVoe } from '../../src/backends/software/rx-demux.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import type { FrameRx } from '../../src/common/frame-port.js';
import { CfmEngine } from '../../src/engine/index.js';
import { decodeCcmFast, encodeFrame, encodeMaid, maidEquals, newCcmView, OPCODE, type CfmFrame, type Tlv } from '../../src/pdu/index.js';

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA1' } });
const LEVEL = 5;
const PEER = 11;
const INTERVAL = 4;

const spec: VoeSpec = {
  key: 'rx/validity', port: 'swp1', direction: 'down', level: LEVEL, vlan: 0, unicastMac: '02:00:00:00:00:0a',
  mepId: 10, maid: MAID, interval: INTERVAL, priority: 7, peers: [PEER], ccmTx: false, ccmRx: true,
  seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
};

function ccm(tlvs: Tlv[] = [{ type: 2, value: 2 }, { type: 4, value: 1 }], over: Partial<CfmFrame> = {}): Uint8Array {
  return encodeFrame({
    dst: '01:80:c2:00:00:35', src: '00:00:5e:00:53:0b', vlans: [],
    pdu: { opcode: OPCODE.CCM, level: LEVEL, version: 0, flags: INTERVAL, seq: 1, mepId: PEER, maid: MAID, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs },
    ...over,
  });
}

const PDU = 14; // untagged: the PDU starts after DA, SA, EtherType
const edit = (b: Uint8Array, f: (c: Uint8Array) => void): Uint8Array => {
  const c = b.slice();
  f(c);
  return c;
};

/** What a received CCM is to the MEP. */
type Verdict = 'ok' | 'xcon' | 'error' | 'none';

/** The software fast path: a valid CCM (decodeCcmFast 'receive'), then the MEP's checks (20.16-20.17). */
function softwareVerdict(b: Uint8Array): Verdict {
  const v = newCcmView();
  if (!decodeCcmFast(b, v)) return 'none';
  if (v.level > LEVEL) return 'none'; // passes through a down MEP of a lower level
  if (v.level < LEVEL || !maidEquals(b, v.maidOffset, MAID)) return 'xcon';
  return v.mepId === PEER && v.interval === INTERVAL ? 'ok' : 'error';
}
const softwareAccepts = (b: Uint8Array): boolean => softwareVerdict(b) === 'ok';

/** A software MEP of the engine (the same MEP as the VOE) given the frame from the wire. */
function engineVerdict(b: Uint8Array): Verdict {
  const clock = new VirtualClock();
  const rx: Array<(f: FrameRx) => void> = [];
  const e = new CfmEngine({ clock, port: { send() {}, onReceive(h) { rx.push(h); return () => {}; } } });
  e.addMep({
    key: 'm', mepId: spec.mepId, remoteMepIds: [PEER], level: LEVEL, interval: INTERVAL, vlan: 0, maid: MAID,
    port: 'swp1', direction: 'down', mac: spec.unicastMac, ccmTx: false,
  });
  for (const h of rx) h({ port: 'swp1', frame: b, from: 'wire', rxNs: clock.nowNs() });
  const st = e.status('m');
  if (st.remotes[0].state === 'ok') return 'ok';
  if (st.defectNames.includes('defXconCCM')) return 'xcon';
  return st.defectNames.includes('defErrorCCM') ? 'error' : 'none';
}

let backend: MockAsicBackend;
let handle: number;
// the software datapath's VOE (its checker on a JavaScript timer: nothing native needed)
const afTimer = new ExpiryTimer({ native: false });
const afVoe: DemuxVoe = { handle: 1, spec, checker: new CcmChecker(1, spec, { emit: () => undefined }, afTimer) };

beforeAll(async () => {
  backend = new MockAsicBackend({ ports: 2 });
  handle = await backend.createVoe(spec);
});
afterAll(async () => {
  await backend.close();
  afVoe.checker?.close();
});

/**
 * The Linux software datapath on AF_PACKET (backend.ts onRx): parseCfmFrame, the port/VLAN/level
 * demux (rx-demux.ts deliverCcm) and the VOE's checker; the verdict from its counters and sticky
 * conditions, as the hardware verdict is read from the VOE's.
 */
function afPacketVerdict(b: Uint8Array): Verdict {
  const c = afVoe.checker!;
  c.takeSticky();
  const valid0 = c.counters.ccmRxValid;
  const p = parseCfmFrame(b);
  if (p && p.opcode === OPCODE.CCM) deliverCcm([afVoe], () => true, spec.port, p, monoNs());
  if (c.counters.ccmRxValid > valid0) return 'ok';
  const st = c.takeSticky();
  if (st['unexpected-meg-id'] || st['unexpected-level']) return 'xcon';
  return st['unexpected-mep-id'] || st['unexpected-period'] ? 'error' : 'none';
}

/** The hardware verdict: the VOE counted a valid CCM, or raised an unexpected-X defect. */
async function hardwareVerdict(b: Uint8Array): Promise<Verdict> {
  const before = (await backend.readStatus(handle)).counters.ccmRxValid; // the read clears the sticky bits
  backend.injectFromWire('swp1', b);
  const st = await backend.readStatus(handle);
  if (st.counters.ccmRxValid > before) return 'ok';
  if (st.unexpectedMegId || st.unexpectedLevel) return 'xcon';
  return st.unexpectedMepId || st.unexpectedPeriod ? 'error' : 'none';
}
const hardwareAccepts = async (b: Uint8Array): Promise<boolean> => (await hardwareVerdict(b)) === 'ok';

const base = ccm();
const M = PDU + 4 + 6; // the MAID
/**
 * [what, frame, verdict of the VOE and of the fast path, the engine's verdict when it differs].
 * The engine (invalidCcm, docs/engine.md) checks the structure of no TLV but Port / Interface
 * Status (21.5.4-21.5.5); the VOE and the fast path check every known TLV: a difference left open.
 */
const cases: Array<[string, Uint8Array, Verdict, Verdict?]> = [
  ['a valid CCM with Port and Interface Status', base, 'ok'],
  ['no TLVs', ccm([]), 'ok'],
  ['Sender ID, Data and Organization-Specific TLVs', ccm([{ type: 1, chassisIdSubtype: 4, chassisId: Uint8Array.of(0, 0, 0x5e, 0, 0x53, 0x0b) }, { type: 3, data: Uint8Array.of(1, 2, 3) }, { type: 31, oui: 0x00120f, subtype: 1, value: Uint8Array.of(9) }]), 'ok'],
  ['a larger first TLV offset (802.1Q 21.4.5)', encodeFrame({ dst: '01:80:c2:00:00:35', src: '00:00:5e:00:53:0b', vlans: [], pdu: { opcode: OPCODE.CCM, level: LEVEL, version: 0, flags: INTERVAL, seq: 1, mepId: PEER, maid: MAID, txFCf: 0, rxFCb: 0, txFCb: 0, firstTlvOffset: 74, tlvs: [] } }), 'ok'],
  ['padding after the End TLV', Uint8Array.from([...base, 0, 0, 0, 0]), 'ok'],
  ['reserved flag bits set (ignored on receipt, 21.6.1)', edit(base, (c) => { c[PDU + 2] |= 0x38; }), 'ok'],
  ['a reserved octet after TxFCb not zero (ignored on receipt, 21.6; Y.1731 9.2)', edit(base, (c) => { c[PDU + 4 + 67] = 1; }), 'ok'],
  ['all 4 reserved octets and the reserved flag bits set', edit(base, (c) => { c.fill(0xff, PDU + 4 + 66, PDU + 4 + 70); c[PDU + 2] |= 0x38; }), 'ok'],
  ['a reserved Port Status value', ccm([{ type: 2, value: 9 }]), 'ok'],
  ['MEPID reserved bits set (0x2000 | peer)', edit(base, (c) => { c[PDU + 8] |= 0x20; }), 'none'],
  ['MEPID 0', edit(base, (c) => { c[PDU + 8] = 0; c[PDU + 9] = 0; }), 'none'],
  ['no End TLV', base.subarray(0, base.length - 1), 'none'],
  ['Port Status TLV of length 2', ccm([{ type: 2, value: Uint8Array.of(2, 2) } as unknown as Tlv]), 'none'],
  ['Interface Status TLV of length 0', ccm([{ type: 4, value: new Uint8Array(0) } as unknown as Tlv]), 'none'],
  ['a TLV running past the PDU', edit(base, (c) => { c[PDU + 75] = 0x40; }), 'none'],
  ['first TLV offset 69', edit(base, (c) => { c[PDU + 3] = 69; }), 'none'],
  ['first TLV offset past the PDU', edit(base, (c) => { c[PDU + 3] = 200; }), 'none'],
  ['interval 0', edit(base, (c) => { c[PDU + 2] &= 0xf8; }), 'none'],
  // the 48 MAID octets are compared whole: a non-zero padding or a name length past the end is
  // another MA's MAID, a cross-connect (802.1Q 20.16, 20.23), not a dropped frame
  ['MAID padding not zero', edit(base, (c) => { c[M + 47] = 1; }), 'xcon'],
  ['MAID padding not zero right after the MA name', edit(base, (c) => { c[M + 2 + 8 + 2 + 3] = 0x80; }), 'xcon'],
  ['MD name length past the MAID', edit(base, (c) => { c[M + 1] = 45; }), 'xcon'],
  ['short MA name length past the MAID', edit(base, (c) => { c[M + 2 + 8 + 1] = 40; }), 'xcon'],
  ['MAID padding and reserved octets not zero', edit(base, (c) => { c[M + 40] = 7; c[PDU + 4 + 66] = 7; }), 'xcon'],
  ['malformed Sender ID', ccm([{ type: 1, value: Uint8Array.of(5, 4, 1) } as unknown as Tlv]), 'none', 'ok'],
  ['Organization-Specific TLV shorter than 4', ccm([{ type: 31, value: Uint8Array.of(0, 0x12, 0x0f) } as unknown as Tlv]), 'none', 'ok'],
  ['Test TLV with a reserved pattern type', ccm([{ type: 32, value: Uint8Array.of(7, 0, 0) } as unknown as Tlv]), 'none', 'ok'],
  ['source MAC a group address', edit(base, (c) => { c[6] = 0x01; }), 'none'],
  ['source MAC zero', edit(base, (c) => c.fill(0, 6, 12)), 'none'],
  ['group DA of another level', edit(base, (c) => { c[5] = 0x33; }), 'none'],
  ['class 2 group DA', edit(base, (c) => { c[5] = 0x3d; }), 'none'],
  ['another MAID (dMMG)', edit(base, (c) => { c[M + 12] ^= 1; }), 'xcon'],
  ['a lower level (dUNL)', edit(base, (c) => { c[5] = 0x34; c[PDU] = (4 << 5) | (c[PDU] & 0x1f); }), 'xcon'],
  ['an invalid CCM of a lower level (MEPID reserved bits): discarded, no dUNL', edit(base, (c) => { c[5] = 0x34; c[PDU] = (4 << 5) | (c[PDU] & 0x1f); c[PDU + 8] |= 0x20; }), 'none'],
  ['an invalid CCM of a lower level (no End TLV): discarded, no dUNL', edit(base, (c) => { c[5] = 0x34; c[PDU] = (4 << 5) | (c[PDU] & 0x1f); }).subarray(0, base.length - 1), 'none'],
  ['MEPID reserved bits set on another MEPID (0x2000 | 12)', edit(base, (c) => { c[PDU + 8] |= 0x20; c[PDU + 9] = 12; }), 'none'],
  ['all MEPID reserved bits set (0xe000 | peer)', edit(base, (c) => { c[PDU + 8] |= 0xe0; }), 'none'],
  ['a TLV header cut short after the Port Status TLV', base.subarray(0, PDU + 4 + 70 + 4 + 2), 'none'],
  ['an unexpected MEPID (dUNM)', edit(base, (c) => { c[PDU + 9] = 12; }), 'error'],
  ['another interval (dUNP)', edit(base, (c) => { c[PDU + 2] = (c[PDU + 2] & 0xf8) | 3; }), 'error'],
];

describe('CCM receive validity: mock ASIC == software fast path == AF_PACKET datapath == engine', () => {
  it.each(cases)('%s', async (_name, frame, verdict, engine) => {
    expect(softwareVerdict(frame)).toBe(verdict);
    expect(await hardwareVerdict(frame)).toBe(verdict);
    expect(afPacketVerdict(frame)).toBe(verdict);
    expect(engineVerdict(frame)).toBe(engine ?? verdict);
  });

  it('AF_PACKET: an invalid CCM at the VOE level is counted invalid and changes no peer state', () => {
    const c = afVoe.checker!;
    const before = { ...c.counters };
    const peer0 = c.peerStatus()[0];
    afPacketVerdict(edit(base, (x) => { x[PDU + 8] |= 0x20; x[PDU + 4] = 0x7f; x[PDU + 2] |= 0x80; })); // reserved bits, another seq, RDI
    expect(c.counters.ccmRxInvalid).toBe(before.ccmRxInvalid + 1);
    expect(c.counters.ccmRxValid).toBe(before.ccmRxValid);
    expect(c.peerStatus()[0]).toEqual(peer0);
  });

  it('an invalid CCM raises no defect in hardware (it says nothing reliable about its sender)', async () => {
    const st0 = await backend.readStatus(handle);
    const invalid0 = st0.counters.ccmRxInvalid;
    backend.injectFromWire('swp1', edit(base, (c) => { c[PDU + 8] |= 0x20; c[PDU + 4 + 6 + 12] ^= 1; })); // reserved bits + other MAID
    const st = await backend.readStatus(handle);
    expect(st.counters.ccmRxInvalid).toBe(invalid0 + 1);
    expect(st.unexpectedMegId).toBe(st0.unexpectedMegId);
  });

  it('mutated CCMs: the same verdict in hardware, the fast path and the AF_PACKET datapath (property)', async () => {
    const frames = fc.sample(
      fc.tuple(fc.constantFrom(base, ccm([]), ccm([{ type: 1, chassisIdSubtype: 7, chassisId: Uint8Array.of(65, 66) }])),
        fc.array(fc.tuple(fc.nat(120), fc.nat(255)), { minLength: 1, maxLength: 2 }), fc.nat(4))
        .map(([b, edits, cut]) => {
          const c = b.slice(0, cut === 0 ? b.length - 1 - (edits[0][0] % 4) : b.length);
          for (const [at, v] of edits) if (at >= 12 && at < c.length) c[at] = v; // keep the MACs; the MAC rules are cases above
          return c;
        }),
      { numRuns: 1500, seed: 26 },
    );
    const seen = new Map<Verdict, number>();
    for (const f of frames) {
      const sw = softwareVerdict(f);
      const hw = await hardwareVerdict(f);
      const af = afPacketVerdict(f);
      if (hw !== sw || af !== sw) expect({ frame: Buffer.from(f).toString('hex'), hw, sw, af }).toBeUndefined();
      seen.set(sw, (seen.get(sw) ?? 0) + 1);
    }
    // the mutations leave enough frames of each kind to mean something
    expect(seen.get('ok')).toBeGreaterThan(50);
    expect(seen.get('xcon')).toBeGreaterThan(50);
    expect(seen.get('none')).toBeGreaterThan(50);
  });

  it('mutated fixed fields (flags, sequence, MEPID, MAID, counters, reserved octets): the same verdict in all four (property)', async () => {
    const frames = fc.sample(
      fc.tuple(fc.constantFrom(base, ccm([])), fc.array(fc.tuple(fc.integer({ min: PDU + 2, max: PDU + 73 }), fc.nat(255)), { minLength: 1, maxLength: 3 }))
        .map(([b, edits]) => edit(b, (c) => { for (const [at, v] of edits) c[at] = v; })),
      { numRuns: 600, seed: 17 },
    );
    const seen = new Map<Verdict, number>();
    for (const f of frames) {
      const sw = softwareVerdict(f);
      const hw = await hardwareVerdict(f);
      const en = engineVerdict(f);
      const af = afPacketVerdict(f);
      if (hw !== sw || en !== sw || af !== sw) expect({ frame: Buffer.from(f).toString('hex'), hw, sw, en, af }).toBeUndefined();
      seen.set(sw, (seen.get(sw) ?? 0) + 1);
    }
    for (const v of ['ok', 'xcon', 'error', 'none'] as const) expect(seen.get(v), v).toBeGreaterThan(10);
  });
});
