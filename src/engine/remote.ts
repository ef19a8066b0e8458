/** The state a MEP keeps per configured remote MEP (802.1Q 20.19-20.20). */
import type { RmepState } from './types.js';

/** Per remote MEP state (802.1Q 20.19: rMEPlastRDI, rMEPlastPortState, ...). */
export class Remote {
  state: RmepState = 'idle';
  rdi = false;
  portStatus = 0;
  interfaceStatus = 0;
  /** Source MAC of the last valid CCM as two numbers (no allocation per CCM); -1 = none. */
  macHi = -1;
  macLo = -1;
  rxPort: string | null = null;
  lastSeenNs = -1;
  /** Start of rMEPwhile: last valid CCM, or entering RMEP_START. */
  sinceNs = 0;
  lastSeq = -1;
  seqErrors = 0;
  failedOkTimeNs = -1;
  chassisId: string | null = null;
  constructor(readonly mepId: number) {}

  get mac(): string | null {
    if (this.macHi < 0) return null;
    const h = (n: number): string => n.toString(16).padStart(2, '0');
    const lo = this.macLo;
    return `${h(this.macHi >> 8)}:${h(this.macHi & 0xff)}:${h(lo >>> 24)}:${h((lo >>> 16) & 0xff)}:${h((lo >>> 8) & 0xff)}:${h(lo & 0xff)}`;
  }
}
