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
 * Bring the VOEs' PM functions in line with the plan. `last` remembers what was written per MEP
 * key and VOE handle (a new VOE starts with none: cfm_voe_alloc). `step` runs one write as a
 * run-time step (a failure is a warning, retried at the next apply).
 */
export async function syncVoePm(
  backend: Backend,
  meps: readonly VoePmTarget[],
  planOf: (key: string) => MepPlan | undefined,
  last: Map<string, string>,
  step: (key: string, fn: () => Promise<void>) => Promise<boolean>,
): Promise<void> {
  const caps = backend.capabilities().pmOffload;
  const keep = new Set<string>();
  for (const m of meps) {
    keep.add(m.key);
    const want = voePmOf(planOf(m.key));
    if (!caps?.dm) want.dm = false;
    if (!caps?.lm) want.lm = false;
    const tag = `${m.handle}:${want.dm ? 1 : 0}${want.lm ? 1 : 0}`;
    const had = last.get(m.key);
    // a VOE never written has no function: nothing to switch off
    if (had === tag || (had === undefined && !want.dm && !want.lm) || !backend.setVoePm) continue;
    if (await step(m.key, () => backend.setVoePm!(m.handle, want))) last.set(m.key, tag);
  }
  for (const k of [...last.keys()]) if (!keep.has(k)) last.delete(k);
}
