/** The native addon's typed surface: AF_PACKET sockets and the CCM transmit scheduler. */
export { loadAddon, addonAvailable, addonPath, ADDON_PATH } from './addon.js';
export { resolveNative, nativeCandidates, platformTag, glibcVersion, NativeLoadError, PREBUILD_TAGS, BPF_PREBUILD_TAGS, type NativeKind } from './resolve.js';
export type { CfmAddon, NativeInterfaceInfo, NativePacketStats } from './addon.js';
export { OsError, fromNative, callNative } from './errors.js';
export { PacketSocket, interfaceInfo } from './packet.js';
export type { PacketSocketOptions, RxBatchHandler, RxFrame } from './packet.js';
export { CcmScheduler, summarizeJitter } from './scheduler.js';
export type { CcmTxSpec, SchedulerEvent, TxInfo, JitterSummary } from './scheduler.js';
export { BpfDatapath, bpfUnavailableReason, bpfModulePath, decodeBpfRecords } from './bpf.js';
export type { BpfMode, BpfRecord, BpfPeerState, BpfStats } from './bpf.js';
