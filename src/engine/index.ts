/**
 * The 802.1Q CFM / Y.1731 protocol engine (docs/engine.md). Pure: a Clock and a FramePort in,
 * frames and fault events out.
 */
export * from './types.js';
export * from './events.js';
export { FaultNotificationGenerator, highestDefectOf, presentRdiOf, type FngOptions } from './fng.js';
export { CfmEngine, type EngineOptions } from './engine.js';
export type { BridgeView, MpContext } from './context.js';
export { Mep, Remote } from './mep.js';
export { Mip, type MipCounters } from './mip.js';
export { Loopback, LoopbackSession, ensureLb, type LoopbackOptions, type LoopbackReply, type LoopbackResult } from './mep-lb.js';
export { Linktrace, LinktraceSession, ensureLt, type LinktraceOptions, type LinktraceReply, type LinktraceResult } from './mep-lt.js';
export { Y1731, ensureY, type PmOptions, type DelayResult, type LossResult, type CsfType } from './mep-y1731.js';
export { mepConfigFromModel, mipConfigFromModel } from './from-model.js';
export { TestSession, testPdu, testFrame, testTlvs } from './y1731-test.js';
export * from './y1731-test-types.js';
export { delayStats, lossStats, type LmSample } from './y1731-stats.js';
export { receiveTst, receive1dmRx, testRxOf, clearTestRx, testTlvIntact, type TstRxCounts, type OneWayRx } from './mep-tst.js';
export { tapPm, type PmTap } from './pm-tap.js';
export type { CcmTxHook, CcmTxLease, CcmTxRequest, CcmTxResume } from './ccm-tx-hook.js';
export type { RxSettledHook } from './continuity.js';
