/** What an AsicBackend (backend.ts) is opened with; MockAsicBackend and VendorBackend pass them on. */
import type { Clock } from '../../common/clock.js';

export interface AsicBackendOptions {
  /** Backend kind reported by capabilities() ('mock', 'vendor'). */
  kind: string;
  /** Port names, index = ABI port number. Default swp1..swpN. */
  portNames?: string[];
  /** Poll period for punted frames while handlers are subscribed (real-time use). Default 5 ms. */
  pollIntervalMs?: number;
  /** Where ABI calls run: 'sync' on the event loop (fast devices), 'async' on the thread pool (default). */
  calls?: 'sync' | 'async';
  /** Use the shim's event fd when it has one (default true); false = poll as without it. */
  eventFd?: boolean;
  /** Offer the device's periodic frame injector as Backend.injector when it has one (default true). */
  injector?: boolean;
  /**
   * The clock punted frames' receive times (FrameRx.rxNs) are given on: the manager's (it calls
   * useClock). Default a RealClock of this backend's own.
   */
  clock?: Clock;
}
