/**
 * A backend without a CPU frame path (capabilities().frameIo false: a vendor shim without
 * cfm_frame_rx/tx, which docs/vendor-abi.md allows; the linux-bridge backend opened with
 * `frames: 'none'`) cannot run software MEPs or MIPs: their frames would never reach the engine
 * and nothing the engine sends would leave. Each is refused at plan time with its reason; the
 * hardware MEPs still apply and nothing is sent for the refused ones.
 */
import type { CfmModel, Mip } from '../config/model.js';
import { OFFLOAD_FUNCTIONS, type HwResources, type MepPlan, type Plan } from './types.js';

/** The model's MIPs the plan runs (a refused MIP is not started). */
export function plannedMips(model: CfmModel, p: Plan): Mip[] {
  if (!p.refused?.length) return model.mips;
  const keys = new Set(p.mips.map((m) => m.key));
  return model.mips.filter((m) => keys.has(m.key));
}

export function refuseCpuPath(p: Plan, res: HwResources): void {
  const why = `backend ${res.backend} has no CPU frame path (capabilities().frameIo false)`;
  const keep: MepPlan[] = [];
  for (const m of p.meps) {
    if (m.ccm === 'hardware') {
      // what the VOE does not do itself (LBM/LTM answers, AIS...) would run on the CPU: not here
      for (const f of OFFLOAD_FUNCTIONS) {
        const fp = m.functions[f];
        if (fp.placement === 'software') m.functions[f] = { placement: 'software', reason: `not available: ${fp.reason ?? 'not offloaded'}, and ${why}` };
      }
      keep.push(m);
    } else p.refused.push({ key: m.key, kind: 'mep', reason: `needs the CPU path (${m.reason ?? 'software'}): ${why}` });
  }
  for (const m of p.mips) p.refused.push({ key: m.key, kind: 'mip', reason: `a MIP runs on the CPU path: ${why}` });
  p.meps = keep;
  p.mips = [];
  // A pin to hardware that cannot be honoured stays a violation; a MEP pinned to software is refused.
}
