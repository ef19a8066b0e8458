/**
 * The optional "pm" group of the vendor C ABI (cfm_asic.h, docs/vendor-abi.md "PM group"): a VOE
 * timestamps DMM / DMR / 1DM (Y.1731 8.2) and counts frames for loss measurement (Y.1731 8.1) in
 * hardware. The CPU still builds, sends and receives the frames; the VOE writes the timestamps and
 * counters into them at the wire. A library without the three calls has no group: every function
 * here then throws UNSUPPORTED and `hasPm` is false (PM runs on the CPU as before).
 */
import { CfmError } from '../../common/errors.js';
import type { RawLmCounters } from './abi.js';
import { call, runSync, type CallGen } from './calls.js';
import type { AsicDeviceBase } from './device-base.js';

/** cfm_asic.h CFM_PM_*: the functions a VOE does in hardware. */
export const PM_DM = 0x01;
export const PM_LM = 0x02;

/** What the VOE counted (Y.1731 8.1): TxFCl / RxFCl, and the last valid CCM's sample (8.1.1). */
export interface LmCounters {
  txFcl: bigint;
  rxFcl: bigint;
  /** The counters of the last valid CCM received and RxFCl at its arrival, null before one. */
  ccm: { txFcf: number; rxFcb: number; txFcb: number; rxFcl: number } | null;
}

export function hasPm(dev: AsicDeviceBase): boolean {
  return dev.lib.pm !== null;
}

function group(dev: AsicDeviceBase, name: string): NonNullable<AsicDeviceBase['lib']['pm']> {
  if (!dev.lib.pm) throw new CfmError('UNSUPPORTED', `${dev.lib.path} has no ${name} (optional "pm" group)`);
  return dev.lib.pm;
}

/** Switch the VOE's hardware DM / LM on or off (flags: PM_DM | PM_LM; 0 = off). */
export function* gPmSet(dev: AsicDeviceBase, voe: number, flags: number): CallGen<void> {
  const pm = group(dev, 'cfm_voe_pm_set');
  dev.check('cfm_voe_pm_set', yield call(pm.set, dev.rawHandle, voe, flags >>> 0), `voe ${voe}`);
  dev.wrote(); // one configuration generation step (cfm_asic.h)
}

export function* gPmGet(dev: AsicDeviceBase, voe: number): CallGen<number> {
  const pm = group(dev, 'cfm_voe_pm_get');
  const out = [0];
  dev.check('cfm_voe_pm_get', yield call(pm.get, dev.rawHandle, voe, out), `voe ${voe}`);
  return out[0] >>> 0;
}

export function* gLmCounters(dev: AsicDeviceBase, voe: number): CallGen<LmCounters> {
  const pm = group(dev, 'cfm_voe_lm_counters_get');
  const c = {} as RawLmCounters;
  dev.check('cfm_voe_lm_counters_get', yield call(pm.lmCounters, dev.rawHandle, voe, c), `voe ${voe}`);
  return {
    txFcl: BigInt(c.tx_fcl),
    rxFcl: BigInt(c.rx_fcl),
    ccm: c.ccm_seen ? { txFcf: c.ccm_tx_fcf >>> 0, rxFcb: c.ccm_rx_fcb >>> 0, txFcb: c.ccm_tx_fcb >>> 0, rxFcl: c.ccm_rx_fcl >>> 0 } : null,
  };
}

export const pmSet = (dev: AsicDeviceBase, voe: number, flags: number): void => runSync(gPmSet(dev, voe, flags));
export const pmGet = (dev: AsicDeviceBase, voe: number): number => runSync(gPmGet(dev, voe));
export const lmCounters = (dev: AsicDeviceBase, voe: number): LmCounters => runSync(gLmCounters(dev, voe));
