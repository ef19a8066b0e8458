import { encodeFrame, type CcmPdu, type Tlv } from '../../src/pdu/index.js';
import type { SimNetwork, SimNode } from '../../src/sim/index.js';
import { MAID_A } from './helpers.js';

/** A test node that sends crafted frames and records what it receives. */
export class Probe implements SimNode {
  readonly ports = ['p0'];
  readonly got: Uint8Array[] = [];
  constructor(private readonly net: SimNetwork, readonly name = 'probe') {
    net.addNode(this);
  }
  receive(_port: string, frame: Uint8Array): void {
    this.got.push(frame);
  }
  send(frame: Uint8Array): void {
    this.net.transmit(this.name, 'p0', frame);
  }
  ccm(o: Partial<CcmPdu> & { interval?: number; rdi?: boolean; src?: string; tlvs?: Tlv[]; vlan?: number } = {}): void {
    const level = o.level ?? 3;
    const pdu: CcmPdu = {
      opcode: 1, level, version: 0, flags: ((o.rdi ? 1 : 0) << 7) | (o.interval ?? 4), seq: o.seq ?? 0, mepId: o.mepId ?? 2,
      maid: o.maid ?? MAID_A, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs: o.tlvs ?? [],
    };
    this.send(encodeFrame({ dst: `01:80:c2:00:00:3${level}`, src: o.src ?? '02:aa:00:00:00:02', vlans: o.vlan ? [{ tpid: 0x8100, pcp: 7, dei: false, vid: o.vlan }] : [], pdu }));
  }
}
