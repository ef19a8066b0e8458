/**
 * Plan data. A Plan is what the planner decides for one switch: per MEP, whether its continuity
 * check (CCM tx + rx, always together) runs in a hardware VOE or in the software engine, where
 * each other function runs, and why. Plans are plain data: printable (`cfm plan`), JSON
 * serialisable (except the MAID bytes inside `voe`, see planToJson) and deterministic.
 */
import type { IntervalCode } from '../common/interval.js';
import type { VoeSpec } from '../backends/types.js';

export type Placement = 'hardware' | 'software';

/** Functions beyond CCM that a profile may offload (HwProfile.offload names). */
export type OffloadFunction = 'loopback' | 'linktrace' | 'aisLck' | 'lm' | 'dm';
export const OFFLOAD_FUNCTIONS: readonly OffloadFunction[] = ['loopback', 'linktrace', 'aisLck', 'lm', 'dm'];

/** Operator display names of the functions (PDU names). */
export const FUNCTION_LABEL: Record<OffloadFunction, string> = {
  loopback: 'LBM/LBR',
  linktrace: 'LTM/LTR',
  aisLck: 'AIS/LCK',
  lm: 'LM',
  dm: 'DM',
};

export interface FunctionPlacement {
  placement: Placement;
  /** Why it is not in hardware (set for every software placement). */
  reason?: string;
}

export interface MepPlan {
  /** LocalMep.key "<md>/<ma>/<mepid>", the VoeSpec key. */
  key: string;
  switch: string;
  mepId: number;
  port: string;
  direction: 'down' | 'up';
  level: number;
  vlan: number;
  interval: IntervalCode;
  remoteMepIds: number[];
  /** CCM tx and rx/LOC, never split (cfm-facts 1.4: the vendor tree's split-brain bug). */
  ccm: Placement;
  /** Why CCM is in software (always set when ccm === 'software'). */
  reason?: string;
  /** Which VOE table the MEP uses in hardware. */
  voeTable?: 'port' | 'service';
  functions: Record<OffloadFunction, FunctionPlacement>;
  /** Things the operator should know that do not change the placement. */
  warnings: string[];
  /** The VOE to program when ccm === 'hardware'. */
  voe?: VoeSpec;
}

export interface MipPlan {
  key: string;
  switch: string;
  port: string;
  level: number;
  vlan: number;
  placement: Placement;
  reason?: string;
}

export interface PlanPolicy {
  /** 'hardware' (default): every MEP goes to hardware when it fits. 'software': only pinned MEPs. */
  prefer: 'hardware' | 'software';
  /** VOEs kept free for later (operator reserve). */
  reserveVoes: number;
}

export const DEFAULT_POLICY: PlanPolicy = { prefer: 'hardware', reserveVoes: 0 };

/** The hardware resources the planner works with (profile merged with backend capabilities). */
export interface HwResources {
  profile: string;
  backend: string;
  portVoes: number;
  serviceVoes: number;
  /** One shared table for all VOEs, or null. */
  sharedTotal: number | null;
  /** Up MEPs allowed in hardware (null = no separate limit). */
  upVoes: number | null;
  /** Hardware MEPs on one port (null = no limit). */
  perPort: number | null;
  txIntervals: IntervalCode[];
  rxIntervals: IntervalCode[];
  peersPerVoe: number;
  /**
   * A table of expected peers shared by all hardware MEPs (profile remote-mep-table, or the
   * backend's, e.g. the eBPF peer map): total entries and the name the reasons use; null = none.
   */
  remoteMepTable: { entries: number; name: string } | null;
  upMep: boolean;
  vlanMep: boolean;
  /** CCM transmission in hardware: false when the backend cannot generate or inject CCMs. */
  ccmTx: boolean;
  injected: boolean;
  injectorBudgetFps: number | null;
  offload: Record<OffloadFunction, boolean>;
  /** Why a function the profile offloads is still not offloaded (the backend lacks it). */
  offloadReasons?: Partial<Record<OffloadFunction, string>>;
  /**
   * The backend has a CPU frame path (capabilities().frameIo): software MEPs and MIPs can run.
   * Without one they are refused at plan time (cpu-path.ts).
   */
  frameIo: boolean;
  /** Notes about values the planner had to assume (e.g. null counts in the profile). */
  notes: string[];
}

/** A MEP or MIP the plan cannot run at all (it would need a CPU frame path the backend lacks). */
export interface RefusedMp {
  key: string;
  kind: 'mep' | 'mip';
  reason: string;
}

export interface PlanUsage {
  portVoes: { used: number; total: number };
  serviceVoes: { used: number; total: number };
  reserved: number;
  injectorFps: { used: number; budget: number | null };
  /** Entries of the shared remote MEP table (HwResources.remoteMepTable) in use; absent when there is none. */
  remoteMeps?: { used: number; total: number; table: string };
}

export interface Plan {
  switch: string;
  profile: string;
  backend: string;
  policy: PlanPolicy;
  /** MEPs in planning order (pinned-hardware first, then shortest interval, then key). */
  meps: MepPlan[];
  mips: MipPlan[];
  usage: PlanUsage;
  /** Pins the planner could not honour (a hardware pin that does not fit). Apply refuses these. */
  violations: string[];
  /**
   * MEPs and MIPs that need the CPU path on a backend without one: not in `meps`/`mips`, nothing
   * is sent for them; the rest of the plan applies.
   */
  refused: RefusedMp[];
  notes: string[];
}
