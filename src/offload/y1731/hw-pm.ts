/**
 * Hardware DM for PM sessions and on-demand tests of hardware MEPs (issue 14 "Placement"): where
 * the plan puts a hardware MEP's DM function in hardware (the profile offloads DM and the backend
 * has the vendor C ABI group "pm"), its VOE is told to timestamp DMM / DMR / 1DM at the wire
 * (Y.1731 8.2). The engine part still sends and receives the frames; it reads RxTimeStampb from
 * the DMR when a VOE wrote it (pm.ts, y1731-test.ts). Likewise LM (Y.1731 8.1): the VOE writes
 * TxFCf / RxFCf / TxFCb into LMMs and LMRs and RxFCl after a received LMR; LMM sessions and tests
 * then match LMRs to the newest LMM awaiting one (the VOE rewrote the TxFCf they sent) and take
 * RxFCl from the frame (engine/hw-stamps.ts).
 */
import type { Backend } from '../../backends/types.js';
import type { MepPlan } from '../types.js';

export interface VoePmTarget {
  key: string;
  handle: number;
}

/** The hardware functions a hardware MEP's VOE should run for its plan. */
export function voePmOf(plan: MepPlan | undefined): { dm: boolean; lm: boolean } {
  const hw = plan?.ccm === 'hardware';
  return { dm: hw && plan!.functions.dm.placement === 'hardware', lm: hw && plan!.functions.lm.placement === 'hardware' };
}

/**
 * What the VOEs were told of hardware DM / LM: per MEP key the tag of the last write
 * ("handle:dm lm"; a new VOE starts with none: cfm_voe_alloc), and the keys whose last write
 * failed, retried by the next apply or change whatever its scope.
 */
export class VoePmLedger {
  readonly written = new Map<string, string>();
  readonly retry = new Set<string>();
}

/**
 * Bring the VOEs' PM functions in line with the plan, for the hardware MEPs `hw` of `scope` (the
 * keys a change may have changed, plus the failed writes to retry) or of every MEP (null: a full
 * apply). A MEP outside a change's scope kept its plan and its VOE, so what was written for it
 * still holds: a change of one MEP costs the same at 100 and at 8,192 MEPs (docs/offload.md).
 * `step` runs one write as a run-time step (a failure is a warning, retried at the next apply or
 * change).
 */
export async function syncVoePm(
  backend: Backend,
  hw: ReadonlyMap<string, VoePmTarget>,
  planOf: (key: string) => MepPlan | undefined,
  ledger: VoePmLedger,
  step: (key: string, fn: () => Promise<void>) => Promise<boolean>,
  scope: ReadonlySet<string> | null,
): Promise<void> {
  const caps = backend.capabilities().pmOffload;
  const { written, retry } = ledger;
  const keys = scope === null ? [...hw.keys()] : [...new Set([...scope, ...retry])];
  if (scope === null) retry.clear(); // every MEP is visited: a failure below adds it again
  for (const key of keys) {
    const m = hw.get(key);
    retry.delete(key);
    if (!m) {
      written.delete(key); // left hardware: its VOE (if any) is gone
      continue;
    }
    const want = voePmOf(planOf(key));
    if (!caps?.dm) want.dm = false;
    if (!caps?.lm) want.lm = false;
    const tag = `${m.handle}:${want.dm ? 1 : 0}${want.lm ? 1 : 0}`;
    const had = written.get(key);
    // a VOE never written has no function: nothing to switch off
    if (had === tag || (had === undefined && !want.dm && !want.lm) || !backend.setVoePm) continue;
    if (await step(key, () => backend.setVoePm!(m.handle, want))) written.set(key, tag);
    else retry.add(key);
  }
  // a full apply also forgets what it no longer follows (a change's scope holds every key that left)
  if (scope === null) for (const k of [...written.keys()]) if (!hw.has(k)) written.delete(k);
}
