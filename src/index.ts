/**
 * cfm-offload public API. Bring-up scripts and firmware integrations use these exports; the
 * `cfm` CLI is built on the same API.
 */
export * from './common/interval.js';
export * from './common/errors.js';
export * from './common/clock.js';
export type * from './common/frame-port.js';
export type * from './backends/types.js';
