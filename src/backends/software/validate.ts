/** Checks a VoeSpec before the software datapath takes it: a CfmError naming the bad field. */
import { CfmError } from '../../common/errors.js';
import type { VoeSpec } from '../types.js';
import { parseMac } from './ccm-frame.js';
import { checkVoeFields, checkVoeKey, type SpecFault } from '../voe-spec-check.js';

function bad(spec: VoeSpec, field: string, why: string): never {
  throw new CfmError('BACKEND', `software backend: VOE '${spec.key}': ${field} ${why}`);
}

export function validateSpec(spec: VoeSpec, ports: readonly string[]): void {
  const fault: SpecFault = (field, why) => bad(spec, field, why);
  if (!ports.includes(spec.port)) bad(spec, 'port', `'${spec.port}' is not one of this backend's interfaces (${ports.join(', ')})`);
  if (spec.direction !== 'down') {
    throw new CfmError('UNSUPPORTED', `software backend: VOE '${spec.key}': up MEPs need a bridge model; the software datapath has down MEPs only`);
  }
  if (!Number.isInteger(spec.vlan) || spec.vlan < 0 || spec.vlan > 4094) bad(spec, 'vlan', `${spec.vlan} is not 0..4094`);
  checkVoeFields(spec, fault);
  try {
    parseMac(spec.unicastMac, 'unicastMac');
  } catch {
    bad(spec, 'unicastMac', `'${spec.unicastMac}' is not a MAC address`);
  }
  // a seed of the 32-bit CCM sequence number (802.1Q 21.6.3), used on createVoe only
  const seed = spec.initialSeq;
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    bad(spec, 'initialSeq', `${String(seed)} is not a sequence number 0..4294967295`);
  }
  checkVoeKey(spec, fault);
}
