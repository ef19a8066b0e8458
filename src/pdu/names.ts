/** Operator names for coded values (802.1Q 21.5 / 21.9, Y.1731), used by JSON and debug output. */
import { intervalName, isIntervalCode } from '../common/interval.js';

export const PORT_STATUS: Record<number, string> = { 1: 'psBlocked', 2: 'psUp' };
export const INTERFACE_STATUS: Record<number, string> = {
  1: 'isUp', 2: 'isDown', 3: 'isTesting', 4: 'isUnknown', 5: 'isDormant', 6: 'isNotPresent', 7: 'isLowerLayerDown',
};
export const INGRESS_ACTION: Record<number, string> = { 1: 'IngOK', 2: 'IngDown', 3: 'IngBlocked', 4: 'IngVID' };
export const EGRESS_ACTION: Record<number, string> = { 1: 'EgrOK', 2: 'EgrDown', 3: 'EgrBlocked', 4: 'EgrVID' };
export const RELAY_ACTION: Record<number, string> = { 1: 'RlyHit', 2: 'RlyFDB', 3: 'RlyMPDB' };
export const CHASSIS_SUBTYPE: Record<number, string> = {
  1: 'chassis-component', 2: 'interface-alias', 3: 'port-component', 4: 'mac-address', 5: 'network-address',
  6: 'interface-name', 7: 'local',
};
export const TEST_PATTERN: Record<number, string> = {
  0: 'null signal', 1: 'null signal + CRC-32', 2: 'PRBS 2^31-1', 3: 'PRBS 2^31-1 + CRC-32',
};
export const CSF_TYPE: Record<number, string> = { 0: 'LOS', 1: 'FDI/AIS', 2: 'RDI', 3: 'DCI' };
export const MEP_MIP_ID_SUBTYPE: Record<number, string> = { 0: 'ingress/node discovery', 1: 'egress discovery', 2: 'MEP ID', 3: 'MIP ID' };

export function named(table: Record<number, string>, v: number): string {
  return table[v] ?? `unknown(${v})`;
}

/** Interval / period code to its short name ("1s"), "invalid(0)" for 0. */
export function periodName(code: number): string {
  return isIntervalCode(code) ? intervalName(code) : `invalid(${code})`;
}
