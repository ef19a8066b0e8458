/**
 * The receive datapaths a Linux suite runs on: AF_PACKET always; tc (eBPF) when the eBPF module
 * (cfm_bpf.node) loads. In CI (CI=true, root) a missing module fails instead of dropping the case.
 */
import { addonAvailable } from '../../src/native/addon.js';
import { bpfUnavailableReason } from '../../src/native/bpf.js';

export type TestDatapath = 'af-packet' | 'tc';

export function datapathsUnderTest(): TestDatapath[] {
  const out: TestDatapath[] = ['af-packet'];
  if (!addonAvailable()) return out;
  const why = bpfUnavailableReason();
  if (why === undefined) out.push('tc');
  else if (process.env.CI === 'true' && process.env.CFM_NO_BPF !== '1') {
    throw new Error(`the eBPF datapath must be tested in CI but cannot: ${why}`);
  }
  return out;
}
