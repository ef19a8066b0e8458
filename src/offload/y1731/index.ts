/** Y.1731 operator functions of the offload manager (docs/y1731.md). */
export * from './types.js';
export { Y1731Service, type Y1731Host } from './service.js';
export { TestSession } from '../../engine/y1731-test.js';
export { delayStats, lossStats, type LmSample } from '../../engine/y1731-stats.js';
export { checkTestOptions, testRequest, MAX_TEST_DATA, MAX_TEST_COUNT } from './validate.js';
export { controlY1731Test, controlY1731Received, type Y1731TestRequest } from './client.js';
export { PmSessions } from './pm-store.js';
export { PmSession, type PmSessionStatus, type PmHost, type PmSaved } from './pm.js';
export { binOf, type PmIntervalResult, type PmAcc, type SuspectReason } from './pm-interval.js';
export { FaultSignals, faultSignalConfig, type SignalHost } from './signals.js';
export { controlPmShow } from './client.js';
