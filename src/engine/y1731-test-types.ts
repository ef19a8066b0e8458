/**
 * Types of the on-demand Y.1731 tests of a MEP (y1731-test.ts; docs/y1731.md): two-way delay (DMM/DMR, 8.2.2), one-way delay
 * (1DM, 8.2.1: results at the receiving MEP), single-ended loss (LMM/LMR, 8.1.2), synthetic loss
 * (SLM/SLR, 8.1.3) and ETH-Test (TST, 7.5: counts at the receiving MEP).
 */
export type TestKind = 'dmm' | '1dm' | 'lmm' | 'slm' | 'tst';
export const TEST_KINDS: readonly TestKind[] = ['dmm', '1dm', 'lmm', 'slm', 'tst'];

/** Test TLV (Y.1731 9.3): pattern type 0 null, 1 null + CRC-32, 2 PRBS 2^31-1, 3 PRBS + CRC-32. */
export interface TestTlvSpec {
  patternType: number;
  length: number;
}

export interface Y1731TestOptions {
  /** Destination MAC, or `targetMepId` (its MAC from the CCM database). */
  target?: string;
  targetMepId?: number;
  /** Frames to send, 1..10000 (default 10). */
  count?: number;
  /** Time between frames, ms (default 1000). */
  intervalMs?: number;
  /** PCP of the frames 0..7 (default: the MEP's priority; no effect on an untagged MEP). */
  priority?: number;
  /** Data TLV of this many octets (a counting pattern; the reply must echo it). */
  dataSize?: number;
  /** Test TLV instead of a Data TLV (TST default: null pattern, 64 octets). */
  test?: TestTlvSpec;
  /** Wait for replies this long after the last frame, ms (default 5000). Two-way tests only. */
  timeoutMs?: number;
  /** SLM test id (default 1). */
  testId?: number;
}

export interface DelayStats {
  minNs: number;
  avgNs: number;
  maxNs: number;
  /** Inter-frame delay variation |FD(i) - FD(i-1)| of consecutive answered frames (Y.1731 8.2, MEF 10.3): mean and max; null with one frame. */
  ifdvAvgNs: number | null;
  ifdvMaxNs: number | null;
}

export interface LossStats {
  /** Frames lost towards the peer (far end) and from it (near end), Y.1731 8.1. */
  farEnd: number;
  nearEnd: number;
  farEndRatio: number;
  nearEndRatio: number;
  /** Frames the measurement covered in each direction (the denominators). */
  farEndTx: number;
  nearEndTx: number;
}

export interface Y1731TestResult {
  kind: TestKind;
  mep: string;
  /** Destination MAC. */
  target: string;
  sent: number;
  /** Replies received (DMR/LMR/SLR); 0 for 1DM and TST (counted at the receiver). */
  received: number;
  /** Replies that arrived after the reply of a later frame. */
  outOfOrder: number;
  /** Replies whose echoed TLVs differ from the request's (or whose Test TLV CRC is bad). */
  errored: number;
  /** DMM: frame delays of the answered frames in send order, ns. */
  delaysNs?: number[];
  delay?: DelayStats | null;
  loss?: LossStats | null;
  testId?: number;
  /** Every frame sent and the wait over. */
  done: boolean;
  /** Where the frames were timestamped / counted (the MEP's VOE or the CPU) and why (set by the offload manager). */
  placement?: { placement: 'software' | 'hardware'; reason: string };
  /**
   * The test gave its measurement: every frame sent, and for two-way tests enough replies for a
   * result (DMM / SLM: one, LMM: two). `cfm` exits 0 only then.
   */
  completed: boolean;
}
