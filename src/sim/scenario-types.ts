/**
 * A simulation scenario (YAML): a topology of simulated switches and links, the CFM config in
 * the config model's format (inline or a file path), and timed steps. See docs/sim.md.
 */
import type { Y1731Action } from './scenario-y1731.js';
import type { CraftOptions } from '../pdu/craft.js';
import type { DefectName, FngState, IfStatusName, RmepState } from '../engine/types.js';

/** One-way impairments (only the fields given override the link's). */
export interface DirImpairments {
  delayNs?: number;
  jitterNs?: number;
  lossRate?: number;
  corruptRate?: number;
}

export interface ScenarioLink {
  a: string;
  b: string;
  delayNs: number;
  jitterNs: number;
  lossRate: number;
  corruptRate: number;
  /** Frames sent by a (towards b) / by b. */
  aToB?: DirImpairments;
  bToA?: DirImpairments;
}

/** A closed range [min, max] (max may be Infinity); a single number n is [n, n]. */
export type Bounds = [number, number];

export interface ScenarioSwitch {
  name: string;
  ports: string[];
  mac?: string;
}

export interface Expectation {
  mep: string;
  /** Event wanted: a defect raised (or cleared with active: false), an alarm, a remote state. */
  defect?: DefectName;
  alarm?: DefectName | 'clear';
  /** With alarm: whether the alarm must (true) or must not (false) be flagged suppressed (AIS/LCK). */
  suppressed?: boolean;
  remote?: number;
  state?: RmepState;
  condition?: string;
  active: boolean;
  /** Window after the step's time; 0 = check the status right now. */
  withinNs: number;
  /** Lower bound of the window (`window: [from, to]`): the first matching event must not come earlier. */
  fromNs?: number;
  /** With withinNs = 0 and no event fields: the MEP must have no defects. */
  noDefects?: boolean;
  /** The event must NOT happen within the window. */
  never?: boolean;
}

/** Which transmissions a frames expectation counts (docs/sim.md). */
export interface FrameFilter {
  /** Link spec ("sw1-sw2", "sw1:p1", "a:p1-b:p2"); `from` = the end that sent ("sw1" or "sw1:p1"). */
  link: string;
  from?: string;
  /** sent (default: put onto the link), dropped (lost, down or cut), lost, down, cut, corrupted, any. */
  fate: 'sent' | 'dropped' | 'lost' | 'down' | 'cut' | 'corrupted' | 'any';
  opcode?: number;
  level?: number;
  da?: string;
  sa?: string;
  flags?: number;
  /** Flag bits that must be set / clear (e.g. rdi: true = 0x80 set in a CCM). */
  rdi?: boolean;
  ttl?: number;
  seq?: number;
  transactionId?: number;
  mepId?: number;
  /** TLV types the PDU must carry. */
  tlvs?: number[];
  portStatus?: number;
  interfaceStatus?: number;
  vlan?: number;
}

export interface FramesExpectation {
  filter: FrameFilter;
  count: Bounds;
  fromNs: number;
  toNs: number;
}

/** A check of a MEP's (or MIP's) status at the step's time. */
export type StatusCheck =
  | { kind: 'counter'; mep?: string; mip?: string; counter: string; value: Bounds }
  | { kind: 'fng-state'; mep: string; state: FngState }
  | { kind: 'highest-defect'; mep: string; defect: DefectName | 'none' }
  | { kind: 'present-rdi'; mep: string; value: boolean }
  | { kind: 'remote-tlv'; mep: string; remote: number; portStatus?: number; interfaceStatus?: number };

/** Linktrace reply wanted, field by field (all optional), in TTL order. */
export interface ReplyExpectation {
  ttl?: number;
  relayAction?: string;
  forwarded?: boolean;
  terminalMep?: boolean;
  ingressAction?: number;
  egressAction?: number;
  ingressMac?: string;
  egressMac?: string;
}

/** Expectations on a PM step's result. */
export interface PmExpectation {
  received?: Bounds;
  /** Every measured delay in [min, max], ns. */
  delayNs?: Bounds;
  farEndLoss?: Bounds;
  nearEndLoss?: Bounds;
}

export type StepAction =
  | { kind: 'cut'; link: string }
  | { kind: 'restore'; link: string }
  | { kind: 'link'; link: string; from?: string; delayNs?: number; jitterNs?: number; lossRate?: number; corruptRate?: number }
  | { kind: 'port'; port: string; stp?: 'forwarding' | 'blocked'; link?: 'up' | 'down'; ifStatus?: IfStatusName }
  | { kind: 'inject'; port: string; from: 'wire' | 'relay'; opcode: number; craft: CraftOptions; maidOf?: string; maid?: Uint8Array; flags?: number; rawTlvs: Array<{ type: number; value: Uint8Array }>; count: number; everyNs: number }
  | { kind: 'block'; port: string; blocked: boolean }
  | { kind: 'config'; config: unknown; baseDir: string }
  | { kind: 'loopback'; mep: string; target?: string; targetMepId?: number; multicast?: boolean; count: number; intervalMs: number; expectReceived?: Bounds; expectOutOfOrder?: Bounds; expectBadMsdu?: Bounds }
  | { kind: 'linktrace'; mep: string; targetMac?: string; targetMepId?: number; ttl: number; useFdbOnly: boolean; expectHops?: number; expectReplies?: ReplyExpectation[] }
  | { kind: 'pm'; op: 'dmm' | 'lmm' | 'slm'; mep: string; targetMepId?: number; targetMac?: string; count: number; intervalMs: number; expect?: PmExpectation }
  | { kind: 'lock'; mep: string; on: boolean }
  | { kind: 'csf'; mep: string; type: 'los' | 'fdi' | 'rdi' | null }
  | { kind: 'rdi'; mep: string; on: boolean }
  | { kind: 'status-tlv'; mep: string; portStatus: number; interfaceStatus: number }
  | { kind: 'expect'; expect: Expectation }
  | { kind: 'expect-frames'; expect: FramesExpectation }
  | { kind: 'expect-status'; check: StatusCheck }
  | { kind: 'print'; what: 'status' }
  | Y1731Action; // y1731, test-rx: scenario-y1731.ts

export interface ScenarioStep {
  atNs: number;
  /** "steps[3]" for messages. */
  where: string;
  action: StepAction;
}

/** Engine options the config model has no words for (Y.1731 AIS), by MEP key. */
export interface MepOverride {
  aisClientLevel?: number;
  aisPeriod?: 4 | 6;
}

export interface Scenario {
  name: string;
  file: string;
  seed: number;
  switches: ScenarioSwitch[];
  links: ScenarioLink[];
  /** The CFM config document (config model format), and the directory for relative paths. */
  config: unknown;
  baseDir: string;
  overrides: Record<string, MepOverride>;
  steps: ScenarioStep[];
  /** Total simulated time. */
  durationNs: number;
}
