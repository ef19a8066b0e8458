/**
 * The few header fields CPU protection and squelching look at, read straight from frame bytes
 * (no full decode on the datapath): outer VLAN id, MD level, opcode and source MAC. The native
 * policer (native/addon/cpu_protection.cc) reads the same fields the same way.
 */
const ETHERTYPE_CFM = 0x8902;

export interface FrameKey {
  /** Outer VID, 0 when untagged. */
  vlan: number;
  level: number;
  opcode: number;
  /** Source MAC as a 48-bit integer. */
  src: number;
}

/** null when the frame is not CFM (EtherType 0x8902 after at most two 0x8100/0x88a8 tags) or too short. */
export function classifyFrame(b: Uint8Array): FrameKey | null {
  if (b.length < 14) return null;
  let p = 12;
  let vlan = -1;
  for (let tags = 0; tags <= 2; tags++) {
    const type = (b[p] << 8) | b[p + 1];
    if (type === ETHERTYPE_CFM) {
      if (p + 4 > b.length) return null;
      const src = b[6] * 0x10000000000 + b[7] * 0x100000000 + ((b[8] << 24) >>> 0) + (b[9] << 16) + (b[10] << 8) + b[11];
      return { vlan: vlan < 0 ? 0 : vlan, level: b[p + 2] >> 5, opcode: b[p + 3], src };
    }
    if ((type !== 0x8100 && type !== 0x88a8) || tags === 2 || p + 6 > b.length) return null;
    if (vlan < 0) vlan = ((b[p + 2] << 8) | b[p + 3]) & 0x0fff;
    p += 4;
  }
  return null;
}

export function macString(n: number): string {
  const out: string[] = [];
  for (let i = 5; i >= 0; i--) out.push((Math.floor(n / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, '0'));
  return out.join(':');
}
