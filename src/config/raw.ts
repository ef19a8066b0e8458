/**
 * The config file shape (after JSON-Schema validation): kebab-case keys named after the
 * IEEE 802.1Qcx YANG module ieee802-dot1q-cfm, plus the documented cfm-offload extensions.
 * Only the loader and the exporter see this; everything else uses the model (model.ts).
 */
export type RawNumberSet = number | string | number[];

export interface RawBoard { name?: string; profile?: string; ports?: string[] }

export interface RawDomain {
  'md-id': string;
  none?: unknown;
  'dns-like-name'?: string;
  'mac-address-and-uint-type'?: { address: string; int: number };
  'char-string'?: string;
  'md-level'?: number;
  'mhf-creation'?: string;
  'id-permission'?: string;
  'fault-alarm-transmission'?: string;
  'maintenance-association'?: RawAssociation[];
}

export interface RawAssociation {
  'ma-id': string;
  'primary-vid'?: number;
  'char-string'?: string;
  'unsigned-int16'?: number;
  'vpn-id'?: { 'vpn-oui': number; 'vpn-index': number };
  'icc-based'?: string | { icc: string; umc: string };
  'icc-and-cc'?: string | { cc: string; icc: string; umc: string };
  vid?: number;
  'ccm-interval'?: string | number;
  'fault-alarm-transmission'?: string;
  'mhf-creation'?: string;
  'id-permission'?: string;
  'maintenance-association-mep'?: Array<number | { 'mep-id': number }>;
}

export interface RawMep {
  'mep-id': number;
  switch?: string;
  interface: string;
  direction: 'down' | 'up';
  enabled?: boolean;
  'ccm-ltm-priority'?: number;
  'mac-address'?: string;
  'inactive-remote-mep'?: Array<{ 'inactive-rmep-id': number }>;
  'continuity-check'?: {
    'ccm-enabled'?: boolean;
    'fault-alarm-transmission'?: string;
    'lowest-priority-defect'?: string;
    'fng-alarm-time'?: number;
    'fng-reset-time'?: number;
  };
  'port-status-tlv'?: boolean;
  'interface-status-tlv'?: boolean;
  'id-permission'?: string;
  offload?: 'auto' | 'hardware' | 'software';
  /** (ext) Y.1731 AIS / LCK / CSF (docs/y1731.md). */
  'fault-signalling'?: RawFaultSignalling;
  /** (ext) Y.1731 proactive PM sessions (docs/y1731.md). */
  'pm-session'?: RawPmSession[];
}

export interface RawPmSession {
  'session-id': string;
  type: 'dmm' | 'slm' | 'lmm';
  'target-mep-id'?: number;
  'target-mac'?: string;
  enabled?: boolean;
  'message-period-ms'?: number;
  'measurement-interval-min'?: number;
  history?: number;
  priority?: number;
  'data-size'?: number;
  'test-id'?: number;
  'fd-bins-us'?: number[];
  'ifdv-bins-us'?: number[];
}

export interface RawFaultSignalling {
  'client-md-level': number;
  'ais-enabled'?: boolean;
  interval?: string | number;
  priority?: number;
  locked?: boolean;
  'csf-enabled'?: boolean;
}

export interface RawGroup { 'maintenance-group-id': string; 'md-id': string; 'ma-id': string; mep?: RawMep[] }

export interface RawMip {
  switch?: string;
  interface: string;
  'md-level': number;
  vid?: number;
  'md-id'?: string;
  'ma-id'?: string;
  'mac-address'?: string;
  offload?: 'auto' | 'hardware' | 'software';
}

export interface RawCfm { 'maintenance-domain'?: RawDomain[]; 'maintenance-group'?: RawGroup[]; mip?: RawMip[] }

export interface RawCpuProtection {
  policy?: Array<{
    'policy-id': number;
    'overall-rate'?: number;
    'eth-cfm'?: Array<{ entry: number; level: RawNumberSet; opcode: RawNumberSet; rate: number }>;
  }>;
  binding?: Array<{
    switch?: string;
    interface: string;
    vid?: number;
    'cpu-protection'?: number;
    'eth-cfm-monitoring'?: boolean | { aggregate?: boolean };
    'mac-monitoring'?: boolean;
    'squelch-ingress-levels'?: RawNumberSet;
  }>;
}

export interface RawDebugTag {
  mep?: { domain: string; association: string; 'mep-id': number };
  mip?: { switch?: string; interface: string; vid?: number; 'md-level': number };
  direction?: 'both' | 'rx' | 'tx';
}

export interface RawConfig {
  $schema?: string;
  board?: RawBoard;
  ports?: string[];
  switches?: Array<{ name: string; board?: RawBoard }>;
  cfm?: RawCfm;
  'ieee802-dot1q-cfm:cfm'?: RawCfm;
  'cpu-protection'?: RawCpuProtection;
  'debug-tags'?: RawDebugTag[];
}

/** YANG enum names <-> model values. */
export const MHF_FROM_YANG: Record<string, 'none' | 'default' | 'explicit' | 'defer'> = {
  'mhf-none': 'none', 'mhf-default': 'default', 'mhf-explicit': 'explicit', 'mhf-defer': 'defer',
};
export const ID_PERMISSION_FROM_YANG: Record<string, 'none' | 'chassis' | 'manage' | 'chassis-manage' | 'defer'> = {
  'send-id-none': 'none', 'send-id-chassis': 'chassis', 'send-id-manage': 'manage',
  'send-id-chassis-manage': 'chassis-manage', 'send-id-defer': 'defer',
};
/** lowest-alarm-priority-type enum values 1..6 (802.1Q 20.9.5). */
export const LOWEST_ALARM_NAMES = ['all-def', 'mac-remote-error-xcon', 'remote-error-xcon', 'error-xcon', 'xcon', 'no-xcon'] as const;
