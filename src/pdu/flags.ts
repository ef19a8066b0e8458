/** Flag-byte helpers (802.1Q 21.6.1 CCM flags; Y.1731 9.7/9.8/9.21 AIS, LCK, CSF period and type). */
import type { CcmPdu, Pdu } from './types.js';

/** CCM flags byte: RDI (0x80) | interval code (bits 2..0). */
export function ccmFlags(rdi: boolean, interval: number): number {
  return (rdi ? 0x80 : 0) | (interval & 7);
}
export function ccmRdi(p: CcmPdu): boolean {
  return (p.flags & 0x80) !== 0;
}
/** The 3-bit interval code 0..7 (0 is invalid in a CCM). */
export function ccmInterval(p: CcmPdu): number {
  return p.flags & 7;
}
/** The "Traffic" bit 0x40 (802.1Q-2018 21.6.1.2). */
export function ccmTraffic(p: CcmPdu): boolean {
  return (p.flags & 0x40) !== 0;
}
/** AIS/LCK/CSF period code (flags bits 2..0): 4 = 1 s, 6 = 1 min. */
export function periodOf(p: Pdu): number {
  return p.flags & 7;
}
/** CSF type (flags bits 5..3): 0 LOS, 1 FDI/AIS, 2 RDI, 3 DCI. */
export function csfType(p: Pdu): number {
  return (p.flags >> 3) & 7;
}
/** Flags byte with period code `period` (and CSF `type`). */
export function withPeriod(period: number, type = 0): number {
  return ((type & 7) << 3) | (period & 7);
}
