/**
 * The normalized, typed CFM configuration model: what the rest of the kit (offload planner,
 * simulator, engine, CLI) consumes. A config file (YAML/JSON with IEEE 802.1Qcx YANG names,
 * see schema/cfm-config.schema.json) is loaded, validated and normalized into this shape by
 * src/config/index.ts; every default is filled in and every reference resolved, so a consumer
 * never looks at the file again.
 *
 * Conventions: camelCase; intervals are PDU interval codes 1..7 (src/common/interval.ts);
 * times carry their unit in the name; `vlan` 0 means a port (untagged) service; ids are the
 * YANG list keys (md-id, ma-id, mep-id). State is plain data (structuredClone-able).
 *
 * This file is a contract: change it only additively.
 */
import type { IntervalCode } from '../common/interval.js';
import type { MaName, MdName } from '../pdu/maid.js';

/** MHF creation (802.1Q 12.14.5.1.3 c, YANG mhf-creation-type). */
export type MhfCreation = 'none' | 'default' | 'explicit' | 'defer';

/** Sender ID TLV permission (802.1Q 12.14.5.1.3 d, YANG sender-id-permission-type). */
export type SenderIdPermission = 'none' | 'chassis' | 'manage' | 'chassis-manage' | 'defer';

/** MP direction (802.1Q 19.2): down sends to the wire, up sends into the bridge relay. */
export type MpDirection = 'down' | 'up';

/**
 * Lowest alarm priority (802.1Q 20.9.5, YANG lowest-alarm-priority-type / MIB
 * Dot1agCfmLowestAlarmPri): 1 all-def, 2 mac-remote-error-xcon (default), 3 remote-error-xcon,
 * 4 error-xcon, 5 xcon, 6 no-xcon.
 */
export type LowestAlarmPriority = 1 | 2 | 3 | 4 | 5 | 6;

/** Operator pin for the offload planner: auto = planner decides (default). */
export type PlacementPin = 'auto' | 'hardware' | 'software';

/** Name of the switch when a config does not name one (single-switch configs). */
export const DEFAULT_SWITCH = 'default';

export interface CfmModel {
  domains: Domain[];
  /** Explicitly configured MIPs (MHF pairs), one per port/VLAN/level/switch. */
  mips: Mip[];
  cpuProtection: CpuProtectionConfig;
  debugTags: DebugTag[];
  /** The board of a single-switch config (its ports are checked), when given. */
  board?: BoardRef;
  /**
   * Every switch the config mentions (`switches:` plus those named by MEPs, MIPs and bindings),
   * sorted by name. Items without a `switch` live on DEFAULT_SWITCH, whose board is `board`.
   */
  switches: SwitchRef[];
}

export interface BoardRef {
  name: string;
  /** Hardware profile name (hw-profiles/<name>.json) this board uses, when given. */
  profile?: string;
  /** Port names of the board (from the config, else from the profile). Empty = not checked. */
  ports: string[];
}

export interface SwitchRef {
  name: string;
  board?: BoardRef;
}

export interface Domain {
  /** YANG md-id (list key), [0-9a-zA-Z-_.]{1,255}. */
  id: string;
  /** MD name as carried in the MAID (802.1Q 21.6.5.1, Table 21-19). */
  name: MdName;
  /** MD level 0..7. */
  level: number;
  mhfCreation: MhfCreation;
  senderIdPermission: SenderIdPermission;
  associations: Association[];
}

export interface Association {
  id: string;
  domainId: string;
  /** "<md-id>/<ma-id>". */
  key: string;
  /** Short MA name (802.1Q 21.6.5.4, Table 21-20; Y.1731 Annex A ICC formats 32/33). */
  name: MaName;
  /** The 48-byte MAID of this MA (src/pdu/maid.ts encodeMaid). */
  maid: Uint8Array;
  level: number;
  interval: IntervalCode;
  /** Service VLAN; 0 = port (untagged) service. */
  vlan: number;
  /** All MEP ids of the MA, local and remote, sorted ascending (YANG maintenance-association-mep). */
  mepIds: number[];
  /** The local MEPs (from maintenance groups) of this MA, sorted by mepId. */
  meps: LocalMep[];
  /** Effective MHF creation (MA value; 'defer' resolved to the domain's value). */
  mhfCreation: MhfCreation;
  /** Effective sender-id permission ('defer' resolved to the domain's value). */
  senderIdPermission: SenderIdPermission;
}

export interface LocalMep {
  /** Stable identity "<md-id>/<ma-id>/<mep-id>", used as VoeSpec.key and in plans/faults. */
  key: string;
  mepId: number;
  domainId: string;
  associationId: string;
  /** YANG maintenance-group-id the MEP was configured under. */
  groupId: string;
  /** Switch (bridge) the MEP lives on; DEFAULT_SWITCH when the config names none. */
  switch: string;
  level: number;
  interval: IntervalCode;
  vlan: number;
  maid: Uint8Array;
  port: string;
  direction: MpDirection;
  /** YANG `enabled` (MEPactive, 802.1Q 20.9.1). */
  enabled: boolean;
  /** Unicast MAC "aa:bb:cc:dd:ee:ff" (lower case, colons) when configured; else the port's MAC. */
  macAddress?: string;
  /** PCP of CCMs and LTMs 0..7 (default 7). */
  ccmLtmPriority: number;
  /** CCIenabled (802.1Q 20.10.1). */
  ccmEnabled: boolean;
  lowestAlarmPriority: LowestAlarmPriority;
  /** fngAlarmTime (802.1Q 20.35.3), 2500..10000 ms, default 2500. */
  fngAlarmTimeMs: number;
  /** fngResetTime (802.1Q 20.35.4), 2500..10000 ms, default 10000. */
  fngResetTimeMs: number;
  /** Send a Port Status TLV in CCMs. */
  portStatusTlv: boolean;
  /** Send an Interface Status TLV in CCMs. */
  interfaceStatusTlv: boolean;
  /** Effective permission ('defer' resolved through MA and MD). */
  senderIdPermission: SenderIdPermission;
  /** The MA's mepIds minus this one, sorted. */
  remoteMepIds: number[];
  /** Operator offload pin; 'auto' when not configured. */
  placement: PlacementPin;
  /** (ext) Y.1731 fault signalling (AIS, LCK, CSF); absent = none. */
  faultSignalling?: FaultSignalling;
  /** (ext) Y.1731 proactive PM sessions; absent = none. */
  pmSessions?: PmSessionConfig[];
}

/** A proactive performance-monitoring session of a MEP towards one peer (docs/y1731.md, MEF 35.1). */
export interface PmSessionConfig {
  /** Session id, unique per MEP. */
  id: string;
  type: 'dmm' | 'slm' | 'lmm';
  /** The peer: a remote MEP id of the MA, or a MAC. */
  targetMepId?: number;
  targetMac?: string;
  enabled: boolean;
  messagePeriodMs: number;
  measurementIntervalMin: number;
  /** Completed measurement intervals kept. */
  history: number;
  priority: number;
  dataSize?: number;
  testId?: number;
  /** Bin thresholds, ascending, µs: bins [0,t1), [t1,t2), ..., [tn,∞). */
  fdBinsUs: number[];
  ifdvBinsUs: number[];
}

/** Y.1731 fault signalling of a MEP (docs/y1731.md). */
export interface FaultSignalling {
  /** Client MEG level AIS and LCK are sent at (Y.1731 7.4.1, 7.6), above the MEP's level. */
  clientLevel: number;
  /** Send AIS on signal fail: LOC, error/cross-connect CCM defects, received AIS. */
  ais: boolean;
  /** AIS / LCK / CSF period: PDU interval code 4 (1 s) or 6 (1 min). */
  period: 4 | 6;
  /** PCP of AIS / LCK / CSF frames. */
  priority: number;
  /** Administrative lock (Y.1731 7.6): LCK to the client level while true. */
  locked: boolean;
  /** Up MEP: CSF-LOS to the peer while its port is down (Y.1731 7.7). */
  csf: boolean;
}

export interface Mip {
  /** "<switch>/<port>/<vlan>/<level>". */
  key: string;
  switch: string;
  port: string;
  level: number;
  vlan: number;
  /** Domain (and association) the MIP serves, when the config names it. */
  domainId?: string;
  associationId?: string;
  macAddress?: string;
  /** Operator offload pin (VOI in hardware or MHF in software). */
  placement: PlacementPin;
}

/**
 * CPU protection for CFM frames punted to the CPU (seed 002). Shape only in this issue; the
 * semantics (policers) belong to the operator-features component.
 */
export interface CpuProtectionConfig {
  /** Policies 1..4, sorted by id. */
  policies: CpuProtectionPolicy[];
  bindings: CpuProtectionBinding[];
}

export interface CpuProtectionPolicy {
  id: number;
  /** Overall rate limit of the policy for CFM frames matching no entry; null = none. */
  overallRatePps: number | null;
  /** Up to 10 eth-cfm entries, sorted by entry number (first match wins). */
  ethCfm: EthCfmEntry[];
}

export interface EthCfmEntry {
  /** Entry number 1..100. */
  entry: number;
  /** MD levels, expanded and sorted (from "5-7", "0,3" or a list). */
  levels: number[];
  /** Opcodes 0..255, expanded and sorted (from "3,5", "0-255" or a list). */
  opcodes: number[];
  /** Packets per second per (level, opcode) combination; 0 = drop. */
  ratePps: number;
}

export interface CpuProtectionBinding {
  /** "<switch>/<port>/<vlan>". */
  key: string;
  switch: string;
  port: string;
  /** 0 = the whole port (SAP without a VLAN), else port+VLAN. */
  vlan: number;
  /** Policy id applied (cpu-protection <policy>), or null. */
  policy: number | null;
  /** Apply the policy's eth-cfm entries here (seed 002: ignored without it). */
  ethCfmMonitoring: boolean;
  /** Rates apply to all peers together instead of per peer (default per peer). */
  aggregate: boolean;
  /** Traditional per-source-MAC monitoring; mutually exclusive with ethCfmMonitoring. */
  macMonitoring: boolean;
  /** MD levels whose CFM frames are silently dropped on ingress, sorted. */
  squelchIngressLevels: number[];
}

export type DebugDirection = 'both' | 'rx' | 'tx';

/** Debug tag: decode valid CFM PDUs to/from a tagged MEP or MIP (seed 004). */
export type DebugTag =
  | { kind: 'mep'; domainId: string; associationId: string; mepId: number; mepKey: string; direction: DebugDirection }
  | { kind: 'mip'; switch: string; port: string; vlan: number; level: number; mipKey: string; direction: DebugDirection };

/** One configuration problem. A ConfigError carries a list of these. */
export interface ConfigIssue {
  /** JSON pointer into the input document (RFC 6901), "" for the whole document. */
  pointer: string;
  /** "file:line:column" where the input was YAML (or JSON with positions); undefined otherwise. */
  location?: string;
  /** The rule broken, a stable short id (e.g. "schema.required", "mep.not-in-ma"). */
  rule: string;
  message: string;
  hint?: string;
}
