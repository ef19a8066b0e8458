/**
 * Mapping from the normalized config model (src/config/model.ts) to the engine's own plain
 * configs. The engine itself never imports the config model.
 */
import type { LocalMep, Mip as ModelMip } from '../config/model.js';
import type { MepConfig, MipConfig, SenderIdMode } from './types.js';

export interface MacSource {
  /** MAC of a port on a switch, used when the config gives none. */
  portMac(switchName: string, port: string): string;
}

export function mepConfigFromModel(m: LocalMep, macs: MacSource): MepConfig {
  const sid: SenderIdMode = m.senderIdPermission === 'defer' ? 'none' : m.senderIdPermission;
  return {
    key: m.key,
    mepId: m.mepId,
    level: m.level,
    interval: m.interval,
    vlan: m.vlan,
    maid: m.maid,
    port: m.port,
    direction: m.direction,
    mac: m.macAddress ?? macs.portMac(m.switch, m.port),
    remoteMepIds: [...m.remoteMepIds],
    priority: m.ccmLtmPriority,
    ccmTx: m.enabled && m.ccmEnabled,
    ccmRx: m.enabled,
    lowestAlarmPriority: m.lowestAlarmPriority,
    fngAlarmTimeMs: m.fngAlarmTimeMs,
    fngResetTimeMs: m.fngResetTimeMs,
    portStatusTlv: m.portStatusTlv ? 2 : 0,
    interfaceStatusTlv: m.interfaceStatusTlv ? 1 : 0,
    senderId: sid,
    chassisId: m.switch,
  };
}

export function mipConfigFromModel(m: ModelMip, macs: MacSource): MipConfig {
  return { key: m.key, level: m.level, vlan: m.vlan, port: m.port, mac: m.macAddress ?? macs.portMac(m.switch, m.port) };
}
