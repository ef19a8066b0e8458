/** The Linux kernel bridge CFM backend (see docs/linux-bridge.md). */
export { LinuxBridgeBackend, type LinuxBridgeOptions } from './backend.js';
export { BridgeCfmKernel, UNSUPPORTED_MESSAGE } from './kernel.js';
export { KeyMap, instanceForKey, foreignKey } from './keymap.js';
export { validateSpec, ccmGroupMac } from './spec.js';
export { BridgePortFrames, type PortSocket, type PortSocketFactory } from './frames.js';
export { isLinuxBridgeSpec, bridgeOfSpec, openLinuxBridgeSpec, DEFAULT_BRIDGE } from './open.js';
