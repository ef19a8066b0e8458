/**
 * CPU protection for ETH-CFM (seed 002): the compiled form of the config model's policies and
 * bindings, shared by every enforcement point (backend policers, the native AF_PACKET policer,
 * the TypeScript engine) so all three apply the same first-match rules with the same buckets.
 */

/** Where a binding's policy is enforced. */
export type Enforcement = 'hardware' | 'native' | 'software';

/** One eth-cfm entry of a policy, compiled for matching. */
export interface CompiledRule {
  /** Entry number 1..100 (first match in ascending order). */
  entry: number;
  levels: number[];
  opcodes: number[];
  /** bit n = MD level n. */
  levelMask: number;
  /** 256-bit opcode set: bit (op & 31) of word (op >> 5). */
  opcodeWords: number[];
  /** Packets/s per level x opcode combination (and per peer unless aggregate); 0 = drop. */
  ratePps: number;
}

export interface CompiledBinding {
  /** "<switch>/<port>/<vlan>" (CpuProtectionBinding.key). */
  key: string;
  switch: string;
  port: string;
  /** 0 = the whole port, else the outer VLAN id. */
  vlan: number;
  policy: number | null;
  /** eth-cfm-monitoring: the policy's entries apply (seed 002: ignored without it). */
  monitoring: boolean;
  /** One bucket for all peers instead of one per source MAC. */
  aggregate: boolean;
  /** Entries in first-match order (empty without monitoring). */
  rules: CompiledRule[];
  /** The policy's overall rate for CFM frames matching no entry (aggregate per binding); null = none. */
  overallRatePps: number | null;
  /** MD levels squelched on ingress (dropped before any MP, never decoded). */
  squelchLevels: number[];
  squelchMask: number;
  /** A MEP or MIP sits on this binding (else nothing is redirected to the CPU here). */
  hasMp: boolean;
}

export interface CompiledProtection {
  bindings: CompiledBinding[];
}

/** Why a frame was admitted or dropped. `rule` is the entry number, 'overall' or null (no match). */
export interface Verdict {
  pass: boolean;
  /** Binding key, or null when no binding covers the frame's port/VLAN. */
  binding: string | null;
  rule: number | 'overall' | null;
  squelched: boolean;
}

/** One token bucket's counters: a (binding, rule, level, opcode, peer) combination. */
export interface BucketCounters {
  binding: string;
  /** Entry number, or 'overall'. */
  rule: number | 'overall';
  /** -1 for the overall bucket (it covers every level/opcode). */
  level: number;
  opcode: number;
  /** Source MAC of the peer; 'aggregate' when the rate is shared; 'other' = peers beyond the table. */
  peer: string;
  passed: number;
  dropped: number;
}

/** Per-binding totals besides the buckets. */
export interface BindingCounters {
  binding: string;
  squelched: number;
  /** Frames matching no entry and no overall rate (admitted unpoliced). */
  unmatched: number;
}

export interface CounterSnapshot {
  enforcement: Enforcement;
  buckets: BucketCounters[];
  bindings: BindingCounters[];
}

/** A software enforcement point (TS engine or native policer). */
export interface SoftwarePolicer {
  /** Decide for one received frame on `port` at `nowNs`. Never throws for bad bytes. */
  admit(port: string, frame: Uint8Array, nowNs: number): boolean;
  counters(): CounterSnapshot;
}

/** Distinct peer MACs tracked per binding before further peers share one 'other' bucket. */
export const DEFAULT_MAX_PEERS = 1024;
/** Sentinel peer key for peers beyond the table (ff:ff:ff:ff:ff:ff is never a source MAC). */
export const OTHER_PEER = 0xffffffffffff;
