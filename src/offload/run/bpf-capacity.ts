/**
 * `cfm run --backend software`: the eBPF datapath's map sizes from the config it runs (issue 17).
 * A hash map's bucket array has one slot per entry, so maps sized for the maximum cost each CCM
 * cold cache lines; sized to the config they stay warm. Rule: the next power of two of twice the
 * count (headroom for MEPs and peers added by a later apply), at least 64, at most what the
 * program takes. The MEP map holds one entry per local MEP, the peer map one per remote MEP ID of
 * each (its MA's
 * MEPID list minus its own: the peers it expects CCMs from).
 */
import { UsageError } from '../../common/errors.js';
import type { LocalMep } from '../../config/model.js';
import { BPF_MAX_CAPACITY, type BpfCapacity } from '../../backends/software/bpf-rx.js';

export const MIN_BPF_CAPACITY = 64;

/** The next power of two of 2 x n, at least MIN_BPF_CAPACITY, at most `max`. */
export function headroom(n: number, max: number): number {
  let c = MIN_BPF_CAPACITY;
  while (c < 2 * n && c < max) c *= 2;
  return Math.min(c, max);
}

/**
 * Map sizes for `meps` (the MEPs the run places). `mepsOverride` (--bpf-capacity N) sets the MEP
 * map; the MEPs beyond it stay in the engine (the planner reads the backend's capabilities), so
 * the peer map is still sized for every configured peer: any subset of the MEPs fits it. A config
 * with more peers than the largest map (BPF_MAX_CAPACITY.peers) gets that map, and the planner
 * keeps the MEPs whose peers no longer fit in the engine with the reason "eBPF peer map full"
 * (capabilities().remoteMepTable), instead of an apply failing at the map update.
 */
export function bpfCapacityFor(meps: readonly LocalMep[], mepsOverride?: number): BpfCapacity {
  if (mepsOverride !== undefined && !(Number.isInteger(mepsOverride) && mepsOverride >= 1 && mepsOverride <= BPF_MAX_CAPACITY.meps)) {
    throw new UsageError(`--bpf-capacity: ${String(mepsOverride)} is not a whole number 1..${BPF_MAX_CAPACITY.meps} (MEPs in the eBPF datapath)`);
  }
  const peers = meps.reduce((n, m) => n + m.remoteMepIds.length, 0);
  return {
    meps: mepsOverride ?? headroom(meps.length, BPF_MAX_CAPACITY.meps),
    peers: headroom(peers, BPF_MAX_CAPACITY.peers),
  };
}
