/**
 * BackendCapabilities of a vendor-ABI device: cfm_asic_caps_get's answer (read once at open, the
 * ABI's capabilities do not change) with what the optional groups add.
 */
import type { IntervalCode } from '../../common/interval.js';
import type { BackendCapabilities } from '../types.js';
import type { RawCaps } from './abi.js';
import type { AsicDeviceBase } from './device-base.js';
import { CAP_FRAME_IO, CAP_PM_DM, CAP_PM_LM, CAP_LB_OFFLOAD, CAP_LT_OFFLOAD, CAP_UP_MEP, CAP_VLAN_MEP, TX_MODE } from './device.js';
import type { AsicInjector } from './inject.js';
import { hasPm } from './pm.js';

/** Interval codes (1..7, 802.1Q Table 21-1) of a capability mask (bit c = code c). */
export function intervalsOfMask(mask: number): IntervalCode[] {
  const out: IntervalCode[] = [];
  for (let c = 1; c <= 7; c++) if (mask & (1 << c)) out.push(c as IntervalCode);
  return out;
}

export function capabilitiesOf(kind: string, c: RawCaps, dev: AsicDeviceBase, injector: AsicInjector | undefined): BackendCapabilities {
  const caps: BackendCapabilities = {
    kind,
    description: c.description,
    portVoes: c.port_voes,
    serviceVoes: c.service_voes,
    txIntervals: intervalsOfMask(c.tx_intervals),
    rxIntervals: intervalsOfMask(c.rx_intervals),
    peersPerVoe: c.peers_per_voe,
    upMep: (c.flags & CAP_UP_MEP) !== 0,
    vlanMep: (c.flags & CAP_VLAN_MEP) !== 0,
    ccmTxMode: TX_MODE[c.ccm_tx_mode] ?? 'none',
    loopbackOffload: (c.flags & CAP_LB_OFFLOAD) !== 0,
    linktraceOffload: (c.flags & CAP_LT_OFFLOAD) !== 0,
    policers: c.policers,
    frameIo: (c.flags & CAP_FRAME_IO) !== 0,
  };
  if (c.ccm_tx_mode === 2 && c.injector_budget_fps > 0) caps.injectorBudgetFps = c.injector_budget_fps;
  if (dev.hasTxSeq) caps.txSeqSeed = true;
  // cfm_asic.h: the CFM_CAP_PM_* bits count only with the group's calls (older shims: neither)
  if (hasPm(dev)) caps.pmOffload = { dm: (c.flags & CAP_PM_DM) !== 0, lm: (c.flags & CAP_PM_LM) !== 0 };
  if (injector) caps.frameInjector = injector.caps();
  return caps;
}
