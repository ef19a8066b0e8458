/** Software backend: MEPs on Linux interfaces over AF_PACKET + the native CCM scheduler. */
export { SoftwareBackend, openSoftwareBackend } from './backend.js';
export type { SoftwareBackendOptions, TxStatusEvent } from './backend.js';
export { softwareProfile } from './profile.js';
export { buildCcmFrame, parseCfmFrame, ccmGroupAddress } from './ccm-frame.js';
export { ParsedCfm } from './ccm-frame.js';
export type { ParsedCcm, CcmFrameSpec, BuiltCcm } from './ccm-frame.js';
export { DATAPATH_CHOICES } from './bpf-rx.js';
export type { BpfCapacity, Datapath, DatapathChoice } from './bpf-rx.js';
export type { DatapathInfo } from './datapath.js';
