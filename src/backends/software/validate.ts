/** Checks a VoeSpec before the software datapath takes it: a CfmError naming the bad field. */
import { CfmError } from '../../common/errors.js';
import { isIntervalCode } from '../../common/interval.js';
import type { VoeSpec } from '../types.js';
import { parseMac } from './ccm-frame.js';

function bad(spec: VoeSpec, field: string, why: string): never {
  throw new CfmError('BACKEND', `software backend: VOE '${spec.key}': ${field} ${why}`);
}

export function validateSpec(spec: VoeSpec, ports: readonly string[]): void {
  if (!ports.includes(spec.port)) bad(spec, 'port', `'${spec.port}' is not one of this backend's interfaces (${ports.join(', ')})`);
  if (spec.direction !== 'down') {
    throw new CfmError('UNSUPPORTED', `software backend: VOE '${spec.key}': up MEPs need a bridge model; the software datapath has down MEPs only`);
  }
  if (!Number.isInteger(spec.level) || spec.level < 0 || spec.level > 7) bad(spec, 'level', `${spec.level} is not 0..7`);
  if (!Number.isInteger(spec.vlan) || spec.vlan < 0 || spec.vlan > 4094) bad(spec, 'vlan', `${spec.vlan} is not 0..4094`);
  if (!Number.isInteger(spec.mepId) || spec.mepId < 1 || spec.mepId > 8191) bad(spec, 'mepId', `${spec.mepId} is not 1..8191`);
  if (!(spec.maid instanceof Uint8Array) || spec.maid.length !== 48) bad(spec, 'maid', 'must be 48 bytes');
  if (!isIntervalCode(spec.interval)) bad(spec, 'interval', `${String(spec.interval)} is not an interval code 1..7`);
  if (!Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 7) bad(spec, 'priority', `${spec.priority} is not 0..7`);
  for (const p of spec.peers) {
    if (!Number.isInteger(p) || p < 1 || p > 8191) bad(spec, 'peers', `contain ${p}, not a MEPID 1..8191`);
    if (p === spec.mepId) bad(spec, 'peers', `contain the VOE's own MEPID ${p}`);
  }
  if (new Set(spec.peers).size !== spec.peers.length) bad(spec, 'peers', 'contain duplicates');
  if (![0, 1, 2].includes(spec.portStatusTlv)) bad(spec, 'portStatusTlv', `${spec.portStatusTlv} is not 0, 1 (blocked) or 2 (up)`);
  if (!Number.isInteger(spec.interfaceStatusTlv) || spec.interfaceStatusTlv < 0 || spec.interfaceStatusTlv > 7) {
    bad(spec, 'interfaceStatusTlv', `${spec.interfaceStatusTlv} is not 0..7`);
  }
  try {
    parseMac(spec.unicastMac, 'unicastMac');
  } catch {
    bad(spec, 'unicastMac', `'${spec.unicastMac}' is not a MAC address`);
  }
  // same limit as the vendor ABI's VOE key (cfm_asic.h CFM_ASIC_KEY_LEN: 63 bytes + NUL), so a
  // key valid here is valid on every backend
  if (typeof spec.key !== 'string' || spec.key.length === 0) bad(spec, 'key', 'must be a non-empty string');
  if (Buffer.byteLength(spec.key) > 63) bad(spec, 'key', `is ${Buffer.byteLength(spec.key)} bytes; at most 63`);
}
