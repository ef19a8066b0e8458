export type * from './model.js';
export { DEFAULT_SWITCH } from './model.js';
