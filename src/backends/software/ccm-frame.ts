/**
 * The software datapath's own CCM frame builder and CFM frame parser: the native scheduler needs
 * a prebuilt frame plus the byte offsets of the sequence number and flags, and the receive path
 * needs only the header and CCM fields, fast and allocation-light. Whether a CCM is valid is the
 * shared receive rule (src/pdu/fast.ts decodeCcmFast 'receive'), not a copy of it.
 * Layout: 802.1Q 21.6 (CCM), 21.4 (common header), Table 21-1; tags per 802.1Q 9.5.
 */
import { CfmError } from '../../common/errors.js';
import type { IntervalCode } from '../../common/interval.js';
import { decodeCcmFast, newCcmView } from '../../pdu/fast.js';

export const ETH_P_CFM = 0x8902;
export const TPID_C = 0x8100;
export const TPID_S = 0x88a8;
export const OPCODE_CCM = 1;
/** First TLV offset of a CCM (802.1Q 21.6.3). */
export const CCM_FIRST_TLV_OFFSET = 70;

export function parseMac(mac: string, where: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new CfmError('CONFIG', `${where}: '${mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function macToString(b: Uint8Array, off = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + b[off + i].toString(16).padStart(2, '0');
  return s;
}

export interface CcmFrameSpec {
  srcMac: string;
  level: number;
  vlan: number;        // 0 = untagged
  priority: number;    // PCP in the tag
  mepId: number;
  maid: Uint8Array;    // 48 bytes
  interval: IntervalCode;
  rdi: boolean;
  seq: number;
  portStatusTlv: number;
  interfaceStatusTlv: number;
}

export interface BuiltCcm {
  frame: Uint8Array;
  /** Byte offset of the 4-byte sequence number in the frame. */
  seqOffset: number;
  /** Byte offset of the flags byte (RDI 0x80, interval bits 3-1). */
  flagsOffset: number;
}

/** Class 1 multicast DA for a CCM at `level`: 01-80-C2-00-00-3x (802.1Q Table 8-13). */
export function ccmGroupAddress(level: number): Uint8Array {
  return Uint8Array.of(0x01, 0x80, 0xc2, 0x00, 0x00, 0x30 + level);
}

export function buildCcmFrame(s: CcmFrameSpec): BuiltCcm {
  if (s.maid.length !== 48) throw new CfmError('ENCODE', `CCM: MAID must be 48 bytes, got ${s.maid.length}`);
  const tagLen = s.vlan > 0 ? 4 : 0;
  const tlvLen = (s.portStatusTlv ? 4 : 0) + (s.interfaceStatusTlv ? 4 : 0) + 1;
  const pduLen = 74 + tlvLen;
  const f = new Uint8Array(14 + tagLen + pduLen);
  f.set(ccmGroupAddress(s.level), 0);
  f.set(parseMac(s.srcMac, 'CCM source address'), 6);
  let o = 12;
  if (tagLen) {
    const tci = ((s.priority & 7) << 13) | (s.vlan & 0xfff);
    f[o++] = TPID_C >> 8; f[o++] = TPID_C & 0xff;
    f[o++] = tci >> 8; f[o++] = tci & 0xff;
  }
  f[o++] = ETH_P_CFM >> 8; f[o++] = ETH_P_CFM & 0xff;
  const pdu = o;
  f[pdu] = (s.level & 7) << 5;                       // MD level, version 0
  f[pdu + 1] = OPCODE_CCM;
  f[pdu + 2] = (s.rdi ? 0x80 : 0) | s.interval;      // 802.1Q 21.6.1
  f[pdu + 3] = CCM_FIRST_TLV_OFFSET;
  new DataView(f.buffer).setUint32(pdu + 4, s.seq >>> 0);
  f[pdu + 8] = (s.mepId >> 8) & 0x1f; f[pdu + 9] = s.mepId & 0xff;
  f.set(s.maid, pdu + 10);
  // pdu+58..73: Y.1731 TxFCf/RxFCb/TxFCb + reserved, zero
  let t = pdu + 74;
  if (s.portStatusTlv) { f[t] = 2; f[t + 1] = 0; f[t + 2] = 1; f[t + 3] = s.portStatusTlv; t += 4; }
  if (s.interfaceStatusTlv) { f[t] = 4; f[t + 1] = 0; f[t + 2] = 1; f[t + 3] = s.interfaceStatusTlv; t += 4; }
  f[t] = 0; // End TLV
  return { frame: f, seqOffset: pdu + 4, flagsOffset: pdu + 2 };
}

/**
 * Fields of a valid CCM (opcode 1, the receive rule of decodeCcmFast). MAID and source MAC are
 * read from the frame only when asked for.
 */
export interface ParsedCcm {
  seq: number;
  mepId: number;
  /** Frame offset of the 48-byte MAID. */
  maidOffset: number;
  rdi: boolean;
  interval: number;  // 0..7 as received
  portStatusTlv: number;
  interfaceStatusTlv: number;
}

/**
 * What the receive path needs from a CFM frame. A class with lazy getters so the per-frame hot
 * path allocates one object and builds no strings (the MAC string only when a peer's changes).
 */
export class ParsedCfm {
  constructor(
    readonly frame: Uint8Array,
    readonly vlan: number,      // outer VID, 0 = untagged (or priority-tagged)
    readonly pcp: number,       // outer PCP, -1 untagged
    readonly pduOffset: number,
    readonly ccm: ParsedCcm | undefined,
  ) {}

  get dst(): Uint8Array {
    return this.frame.subarray(0, 6);
  }

  get srcMac(): string {
    return macToString(this.frame, 6);
  }

  get level(): number {
    return this.frame[this.pduOffset] >> 5;
  }

  get version(): number {
    return this.frame[this.pduOffset] & 0x1f;
  }

  get opcode(): number {
    return this.frame[this.pduOffset + 1];
  }

  get flags(): number {
    return this.frame[this.pduOffset + 2];
  }

  /** The 48-byte MAID of a CCM (a view). */
  get maid(): Uint8Array | undefined {
    return this.ccm ? this.frame.subarray(this.ccm.maidOffset, this.ccm.maidOffset + 48) : undefined;
  }

  /** Source MAC equals `mac` (6 bytes)? */
  srcEquals(mac: Uint8Array): boolean {
    const f = this.frame;
    for (let i = 0; i < 6; i++) if (f[6 + i] !== mac[i]) return false;
    return true;
  }

  /** The CCM's MAID equals `maid` (48 bytes)? */
  maidEquals(maid: Uint8Array): boolean {
    if (!this.ccm) return false;
    const f = this.frame;
    const o = this.ccm.maidOffset;
    for (let i = 0; i < 48; i++) if (f[o + i] !== maid[i]) return false;
    return true;
  }
}

/** The fast decoder's scratch view (the receive path is synchronous: one is enough). */
const rxView = newCcmView();

/**
 * Parse a CFM frame; null when it is not CFM or too short for a CFM header. `ccm` is set only for
 * a valid CCM (decodeCcmFast, rule 'receive'); an invalid one has opcode 1 and no `ccm`.
 */
export function parseCfmFrame(f: Uint8Array): ParsedCfm | null {
  // One receive-validity rule in every placement (docs/engine.md "receive validity"): the fast
  // decoder's 'receive' rule, as the engine (invalidCcm) and the mock VOE judge a CCM. A valid CCM
  // (the hot path) is parsed once, by it; an invalid one (MEPID 0 or with reserved bits set,
  // 802.1Q 21.6.2; no End TLV or a malformed TLV, 21.5; interval 0, 21.6.1.3; ...) gets no `ccm`:
  // the VOE discards it (20.51).
  const v = rxView;
  if (decodeCcmFast(f, v)) {
    const ccm: ParsedCcm = {
      seq: v.seq,
      mepId: v.mepId,
      maidOffset: v.maidOffset,
      rdi: v.rdi,
      interval: v.interval,
      portStatusTlv: v.portStatus,
      interfaceStatusTlv: v.interfaceStatus,
    };
    return new ParsedCfm(f, v.outerVid < 0 ? 0 : v.outerVid, v.vlanCount > 0 ? f[14] >> 5 : -1, v.pduOffset, ccm);
  }
  if (f.length < 18) return null;
  let o = 12;
  let vlan = 0;
  let pcp = -1;
  let type = (f[o] << 8) | f[o + 1];
  for (let tags = 0; (type === TPID_C || type === TPID_S) && tags < 2; tags++) {
    if (f.length < o + 6) return null;
    if (tags === 0) {
      pcp = f[o + 2] >> 5;
      vlan = ((f[o + 2] << 8) | f[o + 3]) & 0xfff;
    }
    o += 4;
    type = (f[o] << 8) | f[o + 1];
  }
  if (type !== ETH_P_CFM) return null;
  const p = o + 2;
  if (f.length < p + 4) return null;
  return new ParsedCfm(f, vlan, pcp, p, undefined);
}
