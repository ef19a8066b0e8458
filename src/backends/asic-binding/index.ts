/** koffi binding of the vendor C ABI (native/asic/cfm_asic.h), shared by the mock and vendor backends. */
export { BINDING_ABI_VERSION, MAX_PEERS, KEY_LEN, MAID_LEN, MAX_FRAME, loadAsicLib } from './abi.js';
export type {
  AsicLib, RawCaps, RawCcConf, RawCounters, RawEvent, RawFrameInfo, RawPolicerConf, RawPolicerCounters,
  RawVoeConf, RawVoeStatus, RawPeerStatus,
} from './abi.js';
export * from './device.js';
export * from './status.js';
export { AsicBackend, intervalsOfMask, type AsicBackendOptions } from './backend.js';
export { DeviceClockMap, type DeviceClockEstimate, type DeviceClockOptions } from './device-clock.js';
export { PortMap, macBytes, macString } from './convert.js';
export { findMockAsicLib, mockAsicLibPath, MOCK_LIB_NAME } from './paths.js';
export { PM_DM, PM_LM, hasPm, pmSet, pmGet, lmCounters, gPmSet, gPmGet, gLmCounters, type LmCounters } from './pm.js';
export { AsicInjector, INJECT_CAP_RELAY, INJECT_CAP_SEQ, INJECT_NO_SEQ, EVENT_INJECT_STOPPED } from './inject.js';
export type { RawInjectCaps, RawInjectConf, RawInjectCounters } from './abi.js';
