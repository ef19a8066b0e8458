/**
 * Plain configuration and status types of the protocol engine. The engine does not depend on
 * the config model (src/config): it takes a MepConfig / MipConfig (see from-model.ts for the
 * mapping). Everything here is plain data (JSON-serialisable except the byte fields).
 */
import type { IntervalCode } from '../common/interval.js';

export type MpDirection = 'down' | 'up';

/** The five 802.1Q defects (20.35, YANG mep-defects), in priority order 1..5. */
export type DefectName = 'defRDICCM' | 'defMACstatus' | 'defRemoteCCM' | 'defErrorCCM' | 'defXconCCM';
export const DEFECTS: readonly DefectName[] = ['defRDICCM', 'defMACstatus', 'defRemoteCCM', 'defErrorCCM', 'defXconCCM'];
/** Defect priority (802.1Q 20.35 Table 20-1): defRDICCM 1 .. defXconCCM 5. Bit = priority - 1. */
export function defectPriority(d: DefectName): number {
  return DEFECTS.indexOf(d) + 1;
}
export const DEFECT_BIT: Record<DefectName, number> = {
  defRDICCM: 1, defMACstatus: 2, defRemoteCCM: 4, defErrorCCM: 8, defXconCCM: 16,
};

/** FNG states (802.1Q 20.35, YANG fng-state). */
export type FngState = 'fngReset' | 'fngDefect' | 'fngReportDefect' | 'fngDefectReported' | 'fngDefectClearing';

/** Remote MEP states (802.1Q 20.20, YANG remote-mep-state). */
export type RmepState = 'idle' | 'start' | 'ok' | 'failed';

export type SenderIdMode = 'none' | 'chassis' | 'manage' | 'chassis-manage';

/** Y.1731 AIS/LCK period (flags bits 2..0): 4 = 1 s, 6 = 1 min (Y.1731 9.7, 9.8). */
export type SignalPeriod = 4 | 6;

export interface MepConfig {
  /** Stable identity, e.g. "md1/ma1/5" (the config model's LocalMep.key). */
  key: string;
  mepId: number;
  /** MD level 0..7. */
  level: number;
  interval: IntervalCode;
  /** VLAN id; 0 = untagged port MEP. */
  vlan: number;
  /** 48-byte MAID (802.1Q 21.6.5). */
  maid: Uint8Array;
  port: string;
  direction: MpDirection;
  /** Unicast MAC "aa:bb:cc:dd:ee:ff", CCM source address. */
  mac: string;
  remoteMepIds: number[];
  /** PCP of CCMs/LTMs/LBMs (default 7). Only used when vlan != 0. */
  priority?: number;
  /** CCI transmit enable (802.1Q 20.10.1 CCIenabled). Default true. */
  ccmTx?: boolean;
  /** CCM receive / remote MEP checking enable. Default true. */
  ccmRx?: boolean;
  /** First sequence number to send (to continue after a hardware -> software move). Default 1 (mep.ts). */
  initialSeq?: number;
  /** Lowest alarm priority 1..6 (802.1Q 20.9.5), default 2 (macRemErrXcon). */
  lowestAlarmPriority?: number;
  fngAlarmTimeMs?: number;
  fngResetTimeMs?: number;
  /** Port Status TLV value to send (1 psBlocked, 2 psUp), 0/undefined = do not send. */
  portStatusTlv?: number;
  /** Interface Status TLV value to send (1 isUp .. 7), 0/undefined = do not send. */
  interfaceStatusTlv?: number;
  /** Sender ID TLV content (802.1Q 21.5.3), by the sender-id permission. */
  senderId?: SenderIdMode;
  chassisId?: string;
  /** Y.1731 AIS: client MEG level to send AIS to on signal fail (undefined = no AIS). */
  aisClientLevel?: number;
  aisPeriod?: SignalPeriod;
  /** Send AIS on signal fail (default true; false: the client level is for LCK only). */
  aisEnabled?: boolean;
  /** PCP of AIS / LCK / CSF frames (default `priority`). */
  aisPriority?: number;
  /** Operator RDI override (OR'ed into presentRDI). */
  forceRdi?: boolean;
}

export interface MipConfig {
  key: string;
  level: number;
  vlan: number;
  port: string;
  mac: string;
}

export interface RemoteMepStatus {
  mepId: number;
  state: RmepState;
  rdi: boolean;
  /** Last received Port Status TLV value, 0 = none. */
  portStatus: number;
  /** Last received Interface Status TLV value, 0 = none. */
  interfaceStatus: number;
  mac: string | null;
  /** Port the last valid CCM came in on. */
  rxPort: string | null;
  lastSeenNs: number | null;
  lastSeq: number | null;
  seqErrors: number;
  /** Time the remote last went OK <-> FAILED (YANG rmep-failed-ok-time), ns. */
  failedOkTimeNs: number | null;
  /** Sender ID chassis id (hex) last received, when present. */
  chassisId: string | null;
}

export interface MepCounters {
  ccmsSent: number;
  ccmsReceived: number;
  seqErrors: number;
  lbrIn: number;
  lbrInOutOfOrder: number;
  lbrBadMsdu: number;
  unexpectedLtrIn: number;
  lbrOut: number;
  lbmOut: number;
  ltmOut: number;
  ltrOut: number;
  aisOut: number;
  aisIn: number;
  lckOut: number;
  lckIn: number;
}

export interface MepStatus {
  key: string;
  mepId: number;
  level: number;
  vlan: number;
  port: string;
  direction: MpDirection;
  mac: string;
  /** Defect bits: 1 defRDICCM, 2 defMACstatus, 4 defRemoteCCM, 8 defErrorCCM, 16 defXconCCM. */
  defects: number;
  defectNames: DefectName[];
  highestDefect: DefectName | 'none';
  fngState: FngState;
  /** The sequence number the next CCM will carry. */
  nextSeq: number;
  presentRdi: boolean;
  ccmTx: boolean;
  /** Present when a device injector sends this MEP's CCMs (src/engine/mep-inject.ts). */
  ccmInjected?: true;
  ccmRx: boolean;
  ais: boolean;
  lck: boolean;
  csf: string | null;
  remotes: RemoteMepStatus[];
  counters: MepCounters;
  /** Hex of the last CCM (CFM PDU bytes, up to 128) that raised errorCCMdefect / xconCCMdefect. */
  errorCcmLastFailure: string | null;
  xconCcmLastFailure: string | null;
}

/** Interface Status TLV values (802.1Q 21.5.5, ifOperStatus of RFC 2863). */
export type IfStatusName = 'up' | 'down' | 'testing' | 'unknown' | 'dormant' | 'notPresent' | 'lowerLayerDown';
export const IF_STATUS: Record<IfStatusName, number> = {
  up: 1, down: 2, testing: 3, unknown: 4, dormant: 5, notPresent: 6, lowerLayerDown: 7,
};
/** Port Status TLV values (802.1Q 21.5.4): psBlocked 1, psUp 2. */
export const PS_BLOCKED = 1;
export const PS_UP = 2;

/**
 * The state of a bridge port as the MEPs on it report it (802.1Q 20.9.2-20.9.3): `forwarding`
 * is the STP/active topology state (false -> psBlocked), `ifStatus` the port's operational state
 * (the Interface Status TLV). Default: forwarding and up.
 */
export interface PortState {
  forwarding: boolean;
  ifStatus: IfStatusName;
}
