/** CRC-32 (IEEE 802.3 polynomial, reflected, as in the Ethernet FCS) for Test TLV patterns (Y.1731 9.3). */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * PRBS 2^31-1 (polynomial x^31 + x^28 + 1, ITU-T O.150 5.8) as bytes, MSB first, starting from the
 * all-ones state. Used for Test TLV pattern types 2 and 3.
 */
export function prbs31(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = 0x7fffffff;
  for (let i = 0; i < length; i++) {
    let byte = 0;
    for (let k = 0; k < 8; k++) {
      const bit = ((s >>> 30) ^ (s >>> 27)) & 1;
      s = ((s << 1) | bit) & 0x7fffffff;
      byte = (byte << 1) | bit;
    }
    out[i] = byte;
  }
  return out;
}
