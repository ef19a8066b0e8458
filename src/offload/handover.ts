/**
 * Handover of a MEP's CCM sequence number when it moves between hardware and software on a
 * re-apply (802.1Q 20.10: CCIsentCCMs / the CCM sequence number), so the peer counts no sequence
 * error where the backend allows it:
 * - hardware -> software: the engine continues from the VOE's next sequence number
 *   (VoeStatus.txSeq, or 1 + CCMs sent when the backend cannot read it), read before the VOE goes;
 * - software -> hardware: the new VOE is seeded with the engine's next sequence number
 *   (VoeSpec.initialSeq, cfm_voe_tx_seq_set) when capabilities().txSeqSeed; else it restarts at 1
 *   and the peer counts one sequence error (a counter, not a defect).
 * The apply report lists the moves with the sequence number each continued with.
 */
import type { Backend } from '../backends/types.js';
import type { LocalMep } from '../config/model.js';
import type { MepMove } from './apply-report.js';
import type { ReconcileOp } from './reconciler.js';

/** Hardware -> software: the next sequence number of each VOE deleted for a software MEP. */
export async function readHwSeqs(backend: Backend, ops: readonly ReconcileOp[], wantSw: (key: string) => LocalMep | undefined): Promise<Map<string, number>> {
  const seqFromHw = new Map<string, number>();
  for (const op of ops) {
    if (op.kind === 'delete' && op.why !== 'duplicate' && wantSw(op.key) && op.old.seqUpdate) {
      const st = await backend.readStatus(op.handle);
      seqFromHw.set(op.key, (st.txSeq ?? 1 + st.counters.ccmTx) >>> 0);
    }
  }
  return seqFromHw;
}

/**
 * Software -> hardware: set initialSeq on the creates of MEPs the engine stopped (`stoppedSeq`:
 * its next sequence number as it stopped) when the backend seeds (`seeds`). Returns what was seeded.
 */
export function seedFromEngine(ops: readonly ReconcileOp[], stoppedSeq: ReadonlyMap<string, number>, seeds: boolean): Map<string, number> {
  const seeded = new Map<string, number>();
  for (const op of ops) {
    const seq = stoppedSeq.get(op.key);
    if (op.kind === 'create' && seeds && seq !== undefined && op.spec.seqUpdate) {
      op.spec.initialSeq = seq;
      seeded.set(op.key, seq);
    }
  }
  return seeded;
}

export interface Handovers {
  /** Software MEPs this apply started. */
  started: readonly string[];
  /** True when the key had a VOE before the apply. */
  hadVoe: (key: string) => boolean;
  seqFromHw: ReadonlyMap<string, number>;
  /** Software MEPs this apply stopped, with their next sequence number. */
  stoppedSeq: ReadonlyMap<string, number>;
  isHw: (key: string) => boolean;
  seeded: ReadonlyMap<string, number>;
}

/** The moves of an apply: software MEPs that had a VOE, stopped software MEPs now in hardware. */
export function movesOf(h: Handovers): MepMove[] {
  const moves: MepMove[] = [];
  for (const key of h.started) if (h.hadVoe(key)) moves.push({ key, to: 'software', seq: h.seqFromHw.get(key) });
  for (const key of h.stoppedSeq.keys()) {
    if (!h.isHw(key)) continue;
    const seq = h.seeded.get(key);
    moves.push(seq === undefined ? { key, to: 'hardware' } : { key, to: 'hardware', seq });
  }
  return moves;
}
