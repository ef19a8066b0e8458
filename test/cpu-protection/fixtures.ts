/**
 * The seed 002 example (policy 1: entry 10 level 5-7 opcode 3,5 rate 1; entry 20 level 0-7
 * opcode 0-255 rate 0) on sap 1/1/4:100 (here port swp4, VLAN 100) with a MIP, and a
 * deterministic traffic mix in virtual time.
 */
import { parseConfig } from '../../src/config/index.js';
import type { CfmModel } from '../../src/config/model.js';
import { encodeFrame } from '../../src/pdu/index.js';
import type { Pdu } from '../../src/pdu/index.js';

export function seedConfig(opts: { aggregate: boolean; overallRate?: number; squelch?: string; extra?: string }): string {
  return `
board: { name: b1, ports: [swp1, swp2, swp3, swp4] }
cfm:
  mip:
    - { interface: swp4, vid: 100, md-level: 5 }
cpu-protection:
  policy:
    - policy-id: 1
${opts.overallRate !== undefined ? `      overall-rate: ${opts.overallRate}\n` : ''}      eth-cfm:
        - { entry: 10, level: "5-7", opcode: "3,5", rate: 1 }
        - { entry: 20, level: "0-7", opcode: "0-255", rate: 0 }
  binding:
    - { interface: swp4, vid: 100, cpu-protection: 1, eth-cfm-monitoring: ${opts.aggregate ? '{ aggregate: true }' : 'true'}${opts.squelch ? `, squelch-ingress-levels: "${opts.squelch}"` : ''} }
${opts.extra ?? ''}`;
}

export function seedModel(opts: { aggregate: boolean; overallRate?: number; squelch?: string; extra?: string }): CfmModel {
  const r = parseConfig(seedConfig(opts), { fileName: 'seed.yaml' });
  if (!r.model) throw new Error(r.errors.map((e) => `${e.pointer}: ${e.message}`).join('\n'));
  return r.model;
}

export const PEERS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03'];
export const MIP_MAC = '02:00:00:00:04:00';

/** A CFM frame with the given level/opcode from `src` on VLAN `vlan`. */
export function cfmFrame(src: string, level: number, opcode: number, vlan = 100, seq = 0): Uint8Array {
  const base = { level, version: 0, flags: 0, tlvs: [] };
  let pdu: Pdu;
  let dst = MIP_MAC;
  if (opcode === 3) pdu = { ...base, opcode: 3, transactionId: seq };
  else if (opcode === 5) {
    pdu = { ...base, opcode: 5, flags: 0x80, transactionId: seq, ttl: 64, originMac: src, targetMac: MIP_MAC, tlvs: [{ type: 7, egressId: new Uint8Array(8) }] };
    dst = `01:80:c2:00:00:${(0x38 + level).toString(16)}`;
  } else if (opcode === 1) {
    pdu = { ...base, opcode: 1, flags: 4, seq, mepId: 7, maid: Uint8Array.from([1, 2, 3, 0x4d, 0x41, 0x31, ...new Array<number>(42).fill(0)]), txFCf: 0, rxFCb: 0, txFCb: 0 };
    dst = `01:80:c2:00:00:${(0x30 + level).toString(16)}`;
  } else if (opcode === 33) {
    pdu = { ...base, opcode: 33, flags: 4 };
    dst = `01:80:c2:00:00:${(0x30 + level).toString(16)}`;
  } else pdu = { ...base, opcode, firstTlvOffset: 0, body: new Uint8Array(0) } as unknown as Pdu;
  return encodeFrame({ dst, src, vlans: vlan ? [{ tpid: 0x8100, pcp: 7, dei: false, vid: vlan }] : [], pdu });
}

export interface Sent {
  atNs: number;
  frame: Uint8Array;
  src: string;
  level: number;
  opcode: number;
}

/**
 * The traffic mix: over 3 s, every 30 ms each of three peers sends an LBM at level 5, an LTM
 * at level 6 and a level-3 LBM; every 70 ms peer 1 also sends a CCM at level 7 and an LBM at
 * level 7; every 250 ms peer 2 sends opcode 33 (AIS) at level 5. Deterministic; the periods
 * keep every refill away from an exact whole token (1 pps: passes at 0, 1020, 2040 ms for the
 * 30 ms flows and 0, 1050, 2100 ms for the 70 ms flow), so the counts are exact.
 */
export function trafficMix(): Sent[] {
  const out: Sent[] = [];
  const add = (atNs: number, src: string, level: number, opcode: number) => out.push({ atNs, src, level, opcode, frame: cfmFrame(src, level, opcode, 100, out.length) });
  for (let t = 0; t < 3000; t += 10) {
    const ns = t * 1e6 + 1000;
    if (t % 30 === 0) {
      for (const p of PEERS) {
        add(ns, p, 5, 3);
        add(ns, p, 6, 5);
        add(ns, p, 3, 3);
      }
    }
    if (t % 70 === 0) {
      add(ns, PEERS[0], 7, 1);
      add(ns, PEERS[0], 7, 3);
    }
    if (t % 250 === 0) add(ns, PEERS[1], 5, 33);
  }
  return out;
}
