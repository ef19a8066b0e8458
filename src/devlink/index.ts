/** devlink: device info, ports, traps and trap policers; driver -> hardware profile detection. */
export { DevlinkClient } from './client.js';
export { detectProfile, profileForDriver, normalizeDriver, DRIVER_PROFILES, type DetectResult, type DetectedDevice } from './detect.js';
export type { DevlinkHandle, DevlinkInfo, DevlinkPort, Trap, TrapGroup, TrapPolicer } from '../netlink/devlink.js';
export { parseHandle, handleString } from '../netlink/devlink.js';
