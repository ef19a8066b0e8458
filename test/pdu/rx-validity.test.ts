/**
 * One receive-validity rule for hardware and software (issue 11 item 26; docs/mock-asic.md "CCM
 * receive validity"): the same crafted CCMs go to the mock ASIC's hardware CCM check
 * (native/asic/mock_ccm_rx.c) and to the software path (decodeCcmFast, then the MEP's own
 * checks); both accept exactly the same frames. The mock used to mask the MEPID with 0x1fff, run
 * without an End TLV and take a status TLV of any length.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/index.js';
import type { VoeSpec } from '../../src/backends/types.js';
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

/** The software verdict: a valid CCM (decodeCcmFast) the MEP takes from its peer (20.16 MEP CCR). */
function softwareAccepts(b: Uint8Array): boolean {
  const v = newCcmView();
  return decodeCcmFast(b, v) && v.level === LEVEL && maidEquals(b, v.maidOffset, MAID) && v.mepId === PEER && v.interval === INTERVAL;
}

let backend: MockAsicBackend;
let handle: number;

beforeAll(async () => {
  backend = new MockAsicBackend({ ports: 2 });
  handle = await backend.createVoe(spec);
});
afterAll(async () => {
  await backend.close();
});

/** The hardware verdict: the VOE counted the frame as a valid CCM. */
async function hardwareAccepts(b: Uint8Array): Promise<boolean> {
  const before = (await backend.readStatus(handle)).counters.ccmRxValid;
  backend.injectFromWire('swp1', b);
  return (await backend.readStatus(handle)).counters.ccmRxValid > before;
}

const base = ccm();
const cases: Array<[string, Uint8Array, boolean]> = [
  ['a valid CCM with Port and Interface Status', base, true],
  ['no TLVs', ccm([]), true],
  ['Sender ID, Data and Organization-Specific TLVs', ccm([{ type: 1, chassisIdSubtype: 4, chassisId: Uint8Array.of(0, 0, 0x5e, 0, 0x53, 0x0b) }, { type: 3, data: Uint8Array.of(1, 2, 3) }, { type: 31, oui: 0x00120f, subtype: 1, value: Uint8Array.of(9) }]), true],
  ['a larger first TLV offset (802.1Q 21.4.5)', encodeFrame({ dst: '01:80:c2:00:00:35', src: '00:00:5e:00:53:0b', vlans: [], pdu: { opcode: OPCODE.CCM, level: LEVEL, version: 0, flags: INTERVAL, seq: 1, mepId: PEER, maid: MAID, txFCf: 0, rxFCb: 0, txFCb: 0, firstTlvOffset: 74, tlvs: [] } }), true],
  ['padding after the End TLV', Uint8Array.from([...base, 0, 0, 0, 0]), true],
  ['reserved flag bits set (ignored on receipt, 21.6.1)', edit(base, (c) => { c[PDU + 2] |= 0x38; }), true],
  ['a reserved Port Status value', ccm([{ type: 2, value: 9 }]), true],
  ['MEPID reserved bits set (0x2000 | peer)', edit(base, (c) => { c[PDU + 8] |= 0x20; }), false],
  ['MEPID 0', edit(base, (c) => { c[PDU + 8] = 0; c[PDU + 9] = 0; }), false],
  ['no End TLV', base.subarray(0, base.length - 1), false],
  ['Port Status TLV of length 2', ccm([{ type: 2, value: Uint8Array.of(2, 2) } as unknown as Tlv]), false],
  ['Interface Status TLV of length 0', ccm([{ type: 4, value: new Uint8Array(0) } as unknown as Tlv]), false],
  ['a TLV running past the PDU', edit(base, (c) => { c[PDU + 75] = 0x40; }), false],
  ['first TLV offset 69', edit(base, (c) => { c[PDU + 3] = 69; }), false],
  ['first TLV offset past the PDU', edit(base, (c) => { c[PDU + 3] = 200; }), false],
  ['interval 0', edit(base, (c) => { c[PDU + 2] &= 0xf8; }), false],
  ['MAID padding not zero', edit(base, (c) => { c[PDU + 4 + 6 + 47] = 1; }), false],
  ['MD name length past the MAID', edit(base, (c) => { c[PDU + 4 + 6 + 1] = 45; }), false],
  ['reserved octets after TxFCb not zero', edit(base, (c) => { c[PDU + 4 + 67] = 1; }), false],
  ['malformed Sender ID', ccm([{ type: 1, value: Uint8Array.of(5, 4, 1) } as unknown as Tlv]), false],
  ['Organization-Specific TLV shorter than 4', ccm([{ type: 31, value: Uint8Array.of(0, 0x12, 0x0f) } as unknown as Tlv]), false],
  ['Test TLV with a reserved pattern type', ccm([{ type: 32, value: Uint8Array.of(7, 0, 0) } as unknown as Tlv]), false],
  ['source MAC a group address', edit(base, (c) => { c[6] = 0x01; }), false],
  ['source MAC zero', edit(base, (c) => c.fill(0, 6, 12)), false],
  ['group DA of another level', edit(base, (c) => { c[5] = 0x33; }), false],
  ['class 2 group DA', edit(base, (c) => { c[5] = 0x3d; }), false],
  ['another MAID (dMMG)', edit(base, (c) => { c[PDU + 4 + 6 + 12] ^= 1; }), false],
  ['an unexpected MEPID (dUNM)', edit(base, (c) => { c[PDU + 9] = 12; }), false],
  ['another interval (dUNP)', edit(base, (c) => { c[PDU + 2] = (c[PDU + 2] & 0xf8) | 3; }), false],
];

describe('CCM receive validity: mock ASIC == software path', () => {
  it.each(cases)('%s', async (_name, frame, valid) => {
    expect(softwareAccepts(frame)).toBe(valid);
    expect(await hardwareAccepts(frame)).toBe(valid);
  });

  it('an invalid CCM raises no defect in hardware (it says nothing reliable about its sender)', async () => {
    const st0 = await backend.readStatus(handle);
    const invalid0 = st0.counters.ccmRxInvalid;
    backend.injectFromWire('swp1', edit(base, (c) => { c[PDU + 8] |= 0x20; c[PDU + 4 + 6 + 12] ^= 1; })); // reserved bits + other MAID
    const st = await backend.readStatus(handle);
    expect(st.counters.ccmRxInvalid).toBe(invalid0 + 1);
    expect(st.unexpectedMegId).toBe(st0.unexpectedMegId);
  });

  it('mutated CCMs: the same verdict in hardware and software (property)', async () => {
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
    let accepted = 0;
    for (const f of frames) {
      const sw = softwareAccepts(f);
      const hw = await hardwareAccepts(f);
      if (hw !== sw) expect({ frame: Buffer.from(f).toString('hex'), hw, sw }).toBeUndefined();
      if (sw) accepted++;
    }
    expect(accepted).toBeGreaterThan(50); // the mutations leave enough valid frames to mean something
  });
});
