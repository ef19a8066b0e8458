/**
 * A simulation scenario (YAML): a topology of simulated switches and links, the CFM config in
 * the config model's format (inline or a file path), and timed steps. See docs/sim.md.
 */
import type { DefectName, RmepState } from '../engine/types.js';

export interface ScenarioLink {
  a: string;
  b: string;
  delayNs: number;
  jitterNs: number;
  lossRate: number;
  corruptRate: number;
}

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
  remote?: number;
  state?: RmepState;
  condition?: string;
  active: boolean;
  /** Window after the step's time; 0 = check the status right now. */
  withinNs: number;
  /** With withinNs = 0 and no event fields: the MEP must have no defects. */
  noDefects?: boolean;
  /** The event must NOT happen within the window. */
  never?: boolean;
}

export type StepAction =
  | { kind: 'cut'; link: string }
  | { kind: 'restore'; link: string }
  | { kind: 'link'; link: string; delayNs?: number; jitterNs?: number; lossRate?: number; corruptRate?: number }
  | { kind: 'block'; port: string; blocked: boolean }
  | { kind: 'config'; config: unknown; baseDir: string }
  | { kind: 'loopback'; mep: string; target?: string; targetMepId?: number; multicast?: boolean; count: number; intervalMs: number; expectReceived?: number }
  | { kind: 'linktrace'; mep: string; targetMac?: string; targetMepId?: number; ttl: number; useFdbOnly: boolean; expectHops?: number }
  | { kind: 'pm'; op: 'dmm' | 'lmm' | 'slm'; mep: string; targetMepId?: number; targetMac?: string; count: number; intervalMs: number }
  | { kind: 'lock'; mep: string; on: boolean }
  | { kind: 'csf'; mep: string; type: 'los' | 'fdi' | 'rdi' | null }
  | { kind: 'rdi'; mep: string; on: boolean }
  | { kind: 'status-tlv'; mep: string; portStatus: number; interfaceStatus: number }
  | { kind: 'expect'; expect: Expectation }
  | { kind: 'print'; what: 'status' };

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
