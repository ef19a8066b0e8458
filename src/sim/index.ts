/** Deterministic network simulator in virtual time (docs/sim.md). */
export { SimNetwork, SimLink, parseEndpoint, type SimNode, type LinkOptions, type Endpoint, type TxRecord } from './network.js';
export { SimSwitch, type SimSwitchOptions } from './switch.js';
export { Prng } from './prng.js';
export * from './scenario.js';
