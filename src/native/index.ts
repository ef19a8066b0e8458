/** The native addon's typed surface: AF_PACKET sockets and the CCM transmit scheduler. */
export { loadAddon, addonAvailable, ADDON_PATH } from './addon.js';
export type { CfmAddon, NativeInterfaceInfo, NativePacketStats } from './addon.js';
export { OsError, fromNative, callNative } from './errors.js';
export { PacketSocket, interfaceInfo } from './packet.js';
export type { PacketSocketOptions, RxBatchHandler, RxFrame } from './packet.js';
export { CcmScheduler, summarizeJitter } from './scheduler.js';
export type { CcmTxSpec, SchedulerEvent, TxInfo, JitterSummary } from './scheduler.js';
