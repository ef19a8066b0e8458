/**
 * LocalMep (config model) -> engine MepConfig for a MEP placed in software, and the test of
 * whether a running software MEP must be restarted for a new config.
 */
import type { LocalMep } from '../config/model.js';
import type { MepConfig, SenderIdMode } from '../engine/types.js';
import { mepMac } from './voe-spec.js';
import { faultSignalConfig } from './y1731/signals.js';

export function mepConfigOf(mep: LocalMep, initialSeq?: number): MepConfig {
  const senderId: SenderIdMode = mep.senderIdPermission === 'defer' ? 'none' : mep.senderIdPermission;
  const cfg: MepConfig = {
    key: mep.key,
    mepId: mep.mepId,
    level: mep.level,
    interval: mep.interval,
    vlan: mep.vlan,
    maid: mep.maid,
    port: mep.port,
    direction: mep.direction,
    mac: mepMac(mep),
    remoteMepIds: [...mep.remoteMepIds],
    priority: mep.ccmLtmPriority,
    ccmTx: mep.ccmEnabled,
    ccmRx: true,
    lowestAlarmPriority: mep.lowestAlarmPriority,
    fngAlarmTimeMs: mep.fngAlarmTimeMs,
    fngResetTimeMs: mep.fngResetTimeMs,
    portStatusTlv: mep.portStatusTlv ? 2 : 0,
    interfaceStatusTlv: mep.interfaceStatusTlv ? 1 : 0,
    senderId,
  };
  if (initialSeq !== undefined) cfg.initialSeq = initialSeq >>> 0;
  Object.assign(cfg, faultSignalConfig(mep)); // Y.1731 AIS to the client level (src/offload/y1731/signals.ts)
  return cfg;
}

/**
 * The engine part of a MEP whose continuity check runs in a VOE: no CCM transmit or check (the
 * VOE does both), but everything the VOE punts to the CPU at the MEP's level — LBM/LBR, LTM/LTR,
 * Y.1731 AIS/LCK/LM/DM — is answered and initiated here, as the plan says ("functions" placed in
 * software). Without it a punted LBM would find no MP and be relayed on.
 */
export function companionConfigOf(mep: LocalMep): MepConfig {
  return { ...mepConfigOf(mep), ccmTx: false, ccmRx: false };
}

/** Same engine configuration (a restart would change nothing on the wire). */
export function sameSoftwareConfig(a: LocalMep, b: LocalMep): boolean {
  const x = mepConfigOf(a);
  const y = mepConfigOf(b);
  const { maid: ma, remoteMepIds: ra, ...restA } = x;
  const { maid: mb, remoteMepIds: rb, ...restB } = y;
  return (
    JSON.stringify(restA) === JSON.stringify(restB) &&
    ra.join(',') === rb.join(',') &&
    ma.length === mb.length &&
    ma.every((v, i) => v === mb[i]) &&
    a.enabled === b.enabled
  );
}
