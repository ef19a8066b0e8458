/** Types of the manager's Y.1731 functions (docs/y1731.md); the test types live with the engine's test session. */
export * from '../../engine/y1731-test-types.js';
import type { DelayStats } from '../../engine/y1731-test-types.js';

/** What a MEP received of tests without replies (TST counts, 1DM delays), per source MAC. */
export interface TestRxResult {
  mep: string;
  tst: Array<{ fromMac: string; received: number; outOfOrder: number; errored: number; withoutTestTlv: number; lastSeq: number | null }>;
  oneWay: Array<{ fromMac: string; received: number; outOfOrder: number; delay: DelayStats | null }>;
}
