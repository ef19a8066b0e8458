/**
 * Allocation-free helpers on raw Ethernet frames, used on the hot path (every CCM) before or
 * instead of the full codec: where the CFM PDU starts, its level/opcode, the outer VID, MACs.
 * Frame: DA(6) SA(6) [TPID 0x8100/0x88a8 + TCI]* EtherType 0x8902, CFM PDU (802.1Q 21.3).
 */
export const ETH_CFM = 0x8902;

/** Offset of the CFM PDU in `b`, or -1 when the frame is not CFM. */
export function cfmOffset(b: Uint8Array): number {
  let o = 12;
  while (o + 2 <= b.length) {
    const et = (b[o] << 8) | b[o + 1];
    if (et === 0x8100 || et === 0x88a8) {
      o += 4;
      continue;
    }
    return et === ETH_CFM && o + 2 + 4 <= b.length ? o + 2 : -1;
  }
  return -1;
}

/** VID of the outer tag, 0 when untagged. */
export function outerVid(b: Uint8Array): number {
  if (b.length < 16) return 0;
  const et = (b[12] << 8) | b[13];
  if (et === 0x8100 || et === 0x88a8) return ((b[14] & 0x0f) << 8) | b[15];
  return 0;
}

export function macToBytes(mac: string, out: Uint8Array = new Uint8Array(6), at = 0): Uint8Array {
  const p = mac.split(/[:-]/);
  if (p.length !== 6) throw new Error(`bad MAC '${mac}'`);
  for (let i = 0; i < 6; i++) out[at + i] = parseInt(p[i], 16);
  return out;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macAt(b: Uint8Array, at: number): string {
  return `${HEX[b[at]]}:${HEX[b[at + 1]]}:${HEX[b[at + 2]]}:${HEX[b[at + 3]]}:${HEX[b[at + 4]]}:${HEX[b[at + 5]]}`;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** DA equals the 6 bytes of `mac` (bytes). */
export function daEquals(b: Uint8Array, mac: Uint8Array): boolean {
  return b[0] === mac[0] && b[1] === mac[1] && b[2] === mac[2] && b[3] === mac[3] && b[4] === mac[4] && b[5] === mac[5];
}

export function isMulticast(b: Uint8Array): boolean {
  return (b[0] & 1) === 1;
}

export function normMac(mac: string): string {
  return macAt(macToBytes(mac), 0);
}

/** Level multicast address 01:80:c2:00:00:3x (class 1) / 3(8+x) (class 2), 802.1Q Table 8-15. */
export function levelMcast(level: number, cls: 1 | 2): string {
  return `01:80:c2:00:00:3${(cls === 1 ? level : 8 + level).toString(16)}`;
}

/**
 * Offset just past the End TLV of the PDU at `p` (its TLVs from the first TLV offset, 802.1Q
 * 21.4.5), or -1 when a TLV runs past the frame or there is no End TLV. What follows the End TLV
 * is Ethernet padding, not part of the PDU.
 */
export function tlvEnd(b: Uint8Array, p: number): number {
  if (b.length < p + 4) return -1;
  let o = p + 4 + b[p + 3];
  while (o < b.length) {
    if (b[o] === 0) return o + 1;
    if (o + 3 > b.length) return -1;
    o += 3 + ((b[o + 1] << 8) | b[o + 2]);
  }
  return -1;
}
