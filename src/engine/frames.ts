/** Building non-CCM frames of a MEP through the PDU codec (src/pdu), with the MEP's tag. */
import { encodeFrame, type CfmFrame, type Pdu, type VlanTag } from '../pdu/index.js';
import type { MepConfig } from './types.js';

export function mepVlans(c: Pick<MepConfig, 'vlan' | 'priority'>): VlanTag[] {
  return c.vlan > 0 ? [{ tpid: 0x8100, pcp: c.priority ?? 7, dei: false, vid: c.vlan }] : [];
}

export function buildFrame(c: Pick<MepConfig, 'vlan' | 'priority' | 'mac'>, dst: string, pdu: Pdu): Uint8Array {
  const f: CfmFrame = { dst, src: c.mac, vlans: mepVlans(c), pdu };
  return encodeFrame(f);
}
