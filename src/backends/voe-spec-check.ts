/**
 * The VoeSpec checks every backend that validates specs in TypeScript makes alike (the software
 * datapath, linux-bridge), so each names a bad field the same way. Each failure calls `bad(field,
 * why)`, which throws the backend's own typed error naming the backend and the VOE. What a
 * backend cannot do (an up MEP, a VLAN, an interval its timers do not keep) it checks itself.
 */
import { isIntervalCode } from '../common/interval.js';
import type { VoeSpec } from './types.js';

/** Throws the backend's error for `field` of the spec being checked. */
export type SpecFault = (field: string, why: string) => never;

/** The vendor C ABI's key limit (cfm_asic.h CFM_ASIC_KEY_LEN: 63 bytes + NUL), kept by every backend so a key valid on one is valid on all. */
export const MAX_KEY_BYTES = 63;

/** The VOE key: a non-empty string of at most MAX_KEY_BYTES UTF-8 bytes. */
export function checkVoeKey(spec: VoeSpec, bad: SpecFault): void {
  if (typeof spec.key !== 'string' || spec.key.length === 0) bad('key', 'must be a non-empty string');
  const n = Buffer.byteLength(spec.key);
  if (n > MAX_KEY_BYTES) bad('key', `is ${n} bytes: longer than ${MAX_KEY_BYTES} bytes`);
}

/**
 * Level, MEPID, MAID, interval, priority, peers and the status TLV values, in that order (802.1Q
 * 21.6.2: MEPID 1..8191; 21.6.5: the 48-octet MAID; 21.5.4 / 21.5.5: Port and Interface Status
 * TLV values; 0 here = the TLV is not sent).
 */
export function checkVoeFields(spec: VoeSpec, bad: SpecFault): void {
  if (!Number.isInteger(spec.level) || spec.level < 0 || spec.level > 7) bad('level', `${spec.level} is not 0..7`);
  if (!Number.isInteger(spec.mepId) || spec.mepId < 1 || spec.mepId > 8191) bad('mepId', `${spec.mepId} is not 1..8191`);
  if (!(spec.maid instanceof Uint8Array) || spec.maid.length !== 48) bad('maid', 'must be 48 bytes');
  if (!isIntervalCode(spec.interval)) bad('interval', `${String(spec.interval)} is not an interval code 1..7`);
  if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 7) bad('priority', `${spec.priority} is not 0..7`);
  for (const p of spec.peers) {
    if (!Number.isInteger(p) || p < 1 || p > 8191) bad('peers', `contain ${p}, not a MEPID 1..8191`);
    if (p === spec.mepId) bad('peers', `contain the VOE's own MEPID ${p}`);
  }
  if (new Set(spec.peers).size !== spec.peers.length) bad('peers', 'contain duplicates');
  if (![0, 1, 2].includes(spec.portStatusTlv)) bad('portStatusTlv', `${spec.portStatusTlv} is not 0, 1 (blocked) or 2 (up)`);
  if (!Number.isInteger(spec.interfaceStatusTlv) || spec.interfaceStatusTlv < 0 || spec.interfaceStatusTlv > 7) {
    bad('interfaceStatusTlv', `${spec.interfaceStatusTlv} is not 0..7`);
  }
}
