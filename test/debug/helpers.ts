export { encodeFrame } from '../../src/pdu/index.js';
export { TRUNCATE as TRUNCATE_FOR_TEST } from '../../src/pdu/debug.js';
