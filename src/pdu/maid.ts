/**
 * Maintenance Association Identifier (MAID / MEG ID): 48 bytes in every CCM (802.1Q 21.6.5).
 * Layout: MD name format (1) [+ MD name length (1) + MD name] + short MA name format (1)
 * + short MA name length (1) + short MA name, zero padded to 48 (802.1Q 21.6.5.1, Tables 21-19,
 * 21-20). MD name format 1 ("no MD name") has no length or name bytes. Y.1731 Annex A adds
 * MEG ID formats 32 (ICC-based, 13 characters) and 33 (ICC + CC, 15 characters), both with
 * MD name format 1.
 */
import { CfmError } from '../common/errors.js';

export const MAID_LENGTH = 48;

export type MdName =
  | { format: 1 }                               // no Maintenance Domain name present
  | { format: 2 | 4; name: string }             // 2 domain name based string (DNS-like), 4 character string
  | { format: 3; mac: string; id: number }      // MAC address + 2-octet integer
  | { format: number; raw: Uint8Array };        // reserved / unknown: kept as bytes

export type MaName =
  | { format: 1; vid: number }                  // primary VID (12 bits in 2 octets)
  | { format: 2; name: string }                 // character string
  | { format: 3; id: number }                   // 2-octet integer
  | { format: 4; oui: number; index: number }   // RFC 2685 VPN ID: 3-octet OUI + 4-octet index
  | { format: 32 | 33; name: string }           // Y.1731 ICC-based MEG ID (32, 13 chars), ICC + CC (33, 15 chars)
  | { format: number; raw: Uint8Array };

export interface Maid {
  md: MdName;
  ma: MaName;
}

export class MaidError extends CfmError {
  constructor(message: string) {
    super('ENCODE', `MAID: ${message}`);
    this.name = 'MaidError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

function macBytes(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new MaidError(`'${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function macString(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

function mdNameBytes(md: MdName): Uint8Array | null {
  if ('raw' in md) return md.raw;
  switch (md.format) {
    case 1:
      return null;
    case 2:
    case 4: {
      const b = enc.encode(md.name);
      if (b.length < 1 || b.length > 43) {
        throw new MaidError(`MD name '${md.name}' is ${b.length} bytes; 1 to 43 allowed (802.1Q 21.6.5.1)`);
      }
      return b;
    }
    case 3: {
      if (!Number.isInteger(md.id) || md.id < 0 || md.id > 0xffff) {
        throw new MaidError(`MD name integer ${md.id} does not fit 2 octets`);
      }
      const b = new Uint8Array(8);
      b.set(macBytes(md.mac), 0);
      b[6] = md.id >> 8;
      b[7] = md.id & 0xff;
      return b;
    }
  }
  throw new MaidError(`unknown MD name format ${(md as { format: number }).format}`);
}

function maNameBytes(ma: MaName, mdFormat: number): Uint8Array {
  if ('raw' in ma) return ma.raw;
  switch (ma.format) {
    case 1:
      if (!Number.isInteger(ma.vid) || ma.vid < 0 || ma.vid > 4095) {
        throw new MaidError(`primary VID ${ma.vid} is not 0..4095`);
      }
      return Uint8Array.of(ma.vid >> 8, ma.vid & 0xff);
    case 2: {
      const b = enc.encode(ma.name);
      if (b.length < 1 || b.length > 45) {
        throw new MaidError(`short MA name '${ma.name}' is ${b.length} bytes; 1 to 45 allowed`);
      }
      return b;
    }
    case 3:
      if (!Number.isInteger(ma.id) || ma.id < 0 || ma.id > 0xffff) {
        throw new MaidError(`short MA name integer ${ma.id} does not fit 2 octets`);
      }
      return Uint8Array.of(ma.id >> 8, ma.id & 0xff);
    case 4: {
      if (!Number.isInteger(ma.oui) || ma.oui < 0 || ma.oui > 0xffffff) throw new MaidError(`VPN OUI ${ma.oui} does not fit 3 octets`);
      if (!Number.isInteger(ma.index) || ma.index < 0 || ma.index > 0xffffffff) throw new MaidError(`VPN index ${ma.index} does not fit 4 octets`);
      const b = new Uint8Array(7);
      b[0] = ma.oui >>> 16; b[1] = (ma.oui >>> 8) & 0xff; b[2] = ma.oui & 0xff;
      new DataView(b.buffer).setUint32(3, ma.index);
      return b;
    }
    case 32:
    case 33: {
      // Y.1731 Annex A: ICC-based MEG IDs are carried with MD name format 1 and a fixed length.
      const want = ma.format === 32 ? 13 : 15;
      if (mdFormat !== 1) {
        throw new MaidError(`MEG ID format ${ma.format} (ICC) needs MD name format 1 (none), not ${mdFormat} (Y.1731 Annex A)`);
      }
      const b = enc.encode(ma.name.padEnd(want, '\0'));
      if (ma.name.length < 1 || b.length !== want) {
        throw new MaidError(`ICC MEG ID '${ma.name}' must be 1 to ${want} characters (format ${ma.format}, Y.1731 Annex A)`);
      }
      return b;
    }
  }
  throw new MaidError(`unknown short MA name format ${(ma as { format: number }).format}`);
}

/** Build the 48-byte MAID. Throws MaidError when a name is malformed or the whole is over 48. */
export function encodeMaid(maid: Maid): Uint8Array {
  const md = mdNameBytes(maid.md);
  const ma = maNameBytes(maid.ma, maid.md.format);
  if (ma.length > 255 || (md && md.length > 255)) throw new MaidError('name longer than 255 bytes');
  const total = 1 + (md ? 1 + md.length : 0) + 2 + ma.length;
  if (total > MAID_LENGTH) {
    throw new MaidError(
      `MD name (${md ? md.length : 0} bytes) and short MA name (${ma.length} bytes) need ${total} bytes; the MAID has ${MAID_LENGTH} (802.1Q 21.6.5)`,
    );
  }
  const out = new Uint8Array(MAID_LENGTH);
  let o = 0;
  out[o++] = maid.md.format;
  if (md) {
    out[o++] = md.length;
    out.set(md, o);
    o += md.length;
  }
  out[o++] = maid.ma.format;
  out[o++] = ma.length;
  out.set(ma, o);
  return out;
}

/**
 * Parse a 48-byte MAID. Unknown formats and lengths that run past the field come back as raw
 * bytes (never throws on content); `padding` says whether the rest is all zero as it must be.
 */
export function decodeMaid(b: Uint8Array): Maid & { paddingZero: boolean; malformed?: string } {
  if (b.length !== MAID_LENGTH) throw new MaidError(`MAID must be ${MAID_LENGTH} bytes, got ${b.length}`);
  let o = 0;
  const mdFormat = b[o++];
  let md: MdName;
  let malformed: string | undefined;
  if (mdFormat === 1) {
    md = { format: 1 };
  } else {
    const len = b[o++];
    if (o + len > MAID_LENGTH - 2) {
      malformed = `MD name length ${len} runs past the MAID`;
      return { md: { format: mdFormat, raw: b.subarray(1) }, ma: { format: 0, raw: new Uint8Array(0) }, paddingZero: false, malformed };
    }
    const bytes = b.subarray(o, o + len);
    o += len;
    if ((mdFormat === 2 || mdFormat === 4) && len >= 1) md = { format: mdFormat, name: dec.decode(bytes) };
    else if (mdFormat === 3 && len === 8) md = { format: 3, mac: macString(bytes.subarray(0, 6)), id: (bytes[6] << 8) | bytes[7] };
    else md = { format: mdFormat, raw: bytes.slice() };
  }
  const maFormat = b[o++];
  const maLen = b[o++];
  if (o + maLen > MAID_LENGTH) {
    malformed = `short MA name length ${maLen} runs past the MAID`;
    return { md, ma: { format: maFormat, raw: b.subarray(o).slice() }, paddingZero: false, malformed };
  }
  const mb = b.subarray(o, o + maLen);
  o += maLen;
  let ma: MaName;
  if (maFormat === 1 && maLen === 2) ma = { format: 1, vid: ((mb[0] << 8) | mb[1]) };
  else if (maFormat === 2 && maLen >= 1) ma = { format: 2, name: dec.decode(mb) };
  else if (maFormat === 3 && maLen === 2) ma = { format: 3, id: (mb[0] << 8) | mb[1] };
  else if (maFormat === 4 && maLen === 7) ma = { format: 4, oui: (mb[0] << 16) | (mb[1] << 8) | mb[2], index: new DataView(mb.buffer, mb.byteOffset + 3, 4).getUint32(0) };
  else if ((maFormat === 32 && maLen === 13) || (maFormat === 33 && maLen === 15)) ma = { format: maFormat, name: dec.decode(mb).replace(/\0+$/, '') };
  else ma = { format: maFormat, raw: mb.slice() };
  let paddingZero = true;
  for (let i = o; i < MAID_LENGTH; i++) if (b[i] !== 0) { paddingZero = false; break; }
  return malformed ? { md, ma, paddingZero, malformed } : { md, ma, paddingZero };
}

/** Human form used in status tables and decode logs: `md "Provider" / ma "MA_VPLS_50"`. */
export function maidToString(m: Maid): string {
  const md = m.md;
  const ma = m.ma;
  const mdS = 'raw' in md ? `md fmt${md.format} 0x${Buffer.from(md.raw).toString('hex')}`
    : md.format === 1 ? 'md (none)'
    : md.format === 3 ? `md ${md.mac}/${md.id}` : `md "${md.name}"`;
  const maS = 'raw' in ma ? `ma fmt${ma.format} 0x${Buffer.from(ma.raw).toString('hex')}`
    : ma.format === 1 ? `ma vid ${ma.vid}`
    : ma.format === 3 ? `ma ${ma.id}`
    : ma.format === 4 ? `ma vpn ${ma.oui.toString(16).padStart(6, '0')}:${ma.index}` : `ma "${ma.name}"`;
  return `${mdS} / ${maS}`;
}
