export { MockAsicBackend, type WireTransmitHandler } from './backend.js';
export { mockOpenArgs, mockOptionsFromProfile, mockPortNames, type MockAsicOptions } from './options.js';
export { openBackend, type OpenBackendOptions, type AsicBackendKind } from './open.js';
