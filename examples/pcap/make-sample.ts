/**
 * Writes examples/pcap/sample.pcap with the kit's own encoder:
 *   npx tsx examples/pcap/make-sample.ts
 * Two MEPs (10 and 20) of MD "Provider" level 5 / MA "MA_VPLS_50" on VLAN 50: CCMs (with Port and
 * Interface Status TLVs, one with RDI, one with a Sender ID TLV), an LBM/LBR exchange, an LTM/LTR
 * exchange, a Y.1731 DMM/DMR pair, an AIS, and one deliberately invalid CCM (MEPID reserved bits
 * set). Frames are padded to the 60-byte Ethernet minimum as a capture would show them.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ccmFlags, encodeFrame, encodeMaid, levelMulticast, withPeriod, writePcap, type CfmFrame, type Pdu, type Tlv,
} from '../../src/pdu/index.js';

const MEP10 = '00:00:5e:00:53:0a';
const MEP20 = '00:00:5e:00:53:14';
const MIP = '00:00:5e:00:53:63';
const LEVEL = 5;
const VLAN = [{ tpid: 0x8100, pcp: 7, dei: false, vid: 50 }];
const maid = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA_VPLS_50' } });
const mac = (m: string) => Uint8Array.from(m.split(':').map((x) => parseInt(x, 16)));
const text = (s: string) => new TextEncoder().encode(s);

function ccm(mepId: number, seq: number, rdi: boolean, tlvs: Tlv[]): Pdu {
  return { opcode: 1, level: LEVEL, version: 0, flags: ccmFlags(rdi, 4), seq, mepId, maid, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs };
}
const status: Tlv[] = [{ type: 2, value: 2 }, { type: 4, value: 1 }];

/** The bytes of sample.pcap (the test suite checks the committed file against this). */
export function buildSamplePcap(): Uint8Array {
  const t0 = 1_763_900_000;
  const frames: { at: number; frame: CfmFrame }[] = [];
  const add = (at: number, src: string, dst: string, pdu: Pdu) => frames.push({ at, frame: { dst, src, vlans: VLAN, pdu } });
  const mc = levelMulticast(LEVEL, 1);

  add(0.0, MEP10, mc, ccm(10, 1, false, status));
  add(0.2, MEP20, mc, ccm(20, 1, false, status));
  add(1.0, MEP10, mc, ccm(10, 2, false, [...status, { type: 1, chassisIdSubtype: 4, chassisId: mac(MEP10), mgmtDomain: new Uint8Array(0) }]));
  add(1.2, MEP20, mc, ccm(20, 2, true, [{ type: 2, value: 2 }, { type: 4, value: 2 }]));
  add(1.5, MEP10, MEP20, { opcode: 3, level: LEVEL, version: 0, flags: 0, transactionId: 1001, tlvs: [{ type: 3, data: text('cfm-offload loopback') }] });
  add(1.501, MEP20, MEP10, { opcode: 2, level: LEVEL, version: 0, flags: 0, transactionId: 1001, tlvs: [{ type: 3, data: text('cfm-offload loopback') }] });
  add(1.6, MEP10, levelMulticast(LEVEL, 2), {
    opcode: 5, level: LEVEL, version: 0, flags: 0x80, transactionId: 2001, ttl: 64, originMac: MEP10, targetMac: MEP20,
    tlvs: [{ type: 7, egressId: Uint8Array.of(0, 0, ...mac(MEP10)) }],
  });
  add(1.61, MIP, MEP10, {
    opcode: 4, level: LEVEL, version: 0, flags: 0x80 | 0x40, transactionId: 2001, ttl: 63, relayAction: 2,
    tlvs: [
      { type: 8, lastEgressId: Uint8Array.of(0, 0, ...mac(MEP10)), nextEgressId: Uint8Array.of(0, 7, ...mac(MIP)) },
      { type: 5, action: 1, mac: MIP, portIdSubtype: 5, portId: text('swp1') },
      { type: 6, action: 1, mac: MIP, portIdSubtype: 5, portId: text('swp2') },
    ],
  });
  add(1.62, MEP20, MEP10, {
    opcode: 4, level: LEVEL, version: 0, flags: 0x80 | 0x20, transactionId: 2001, ttl: 62, relayAction: 1,
    tlvs: [
      { type: 8, lastEgressId: Uint8Array.of(0, 7, ...mac(MIP)), nextEgressId: new Uint8Array(8) },
      { type: 5, action: 1, mac: MEP20, portIdSubtype: 5, portId: text('swp9') },
    ],
  });
  add(1.7, MEP10, MEP20, { opcode: 47, level: LEVEL, version: 0, flags: 0, txTimestampF: { seconds: t0 + 1, nanoseconds: 700_000_000 }, rxTimestampF: { seconds: 0, nanoseconds: 0 }, txTimestampB: { seconds: 0, nanoseconds: 0 }, rxTimestampB: { seconds: 0, nanoseconds: 0 }, tlvs: [] });
  add(1.70004, MEP20, MEP10, { opcode: 46, level: LEVEL, version: 0, flags: 0, txTimestampF: { seconds: t0 + 1, nanoseconds: 700_000_000 }, rxTimestampF: { seconds: t0 + 1, nanoseconds: 700_021_500 }, txTimestampB: { seconds: t0 + 1, nanoseconds: 700_024_000 }, rxTimestampB: { seconds: t0 + 1, nanoseconds: 700_044_800 }, tlvs: [] });
  add(2.0, MEP10, levelMulticast(6, 1), { opcode: 33, level: 6, version: 0, flags: withPeriod(4), tlvs: [] });
  add(2.2, MEP20, mc, ccm(20, 3, true, status));

  const packets = frames.map(({ at, frame }) => {
    const b = encodeFrame(frame);
    const data = new Uint8Array(Math.max(60, b.length));
    data.set(b);
    const ns = Math.round(at * 1e9);
    return { data, tsSec: t0 + Math.floor(ns / 1e9), tsNsec: ns % 1e9 };
  });
  // the deliberately invalid frame: MEP 20's next CCM with a reserved MEPID bit set (phase 4)
  const bad = packets[3].data.slice();
  bad[22 + 4] |= 0x80; // untagged MEPID offset 22, +4 for the VLAN tag
  packets.splice(4, 0, { data: bad, tsSec: t0 + 1, tsNsec: 300_000_000 });

  return writePcap(packets, { nanosecond: false });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = join(dirname(fileURLToPath(import.meta.url)), 'sample.pcap');
  writeFileSync(out, buildSamplePcap());
  console.log(`wrote ${out}`);
}
