/**
 * The receive datapaths a Linux suite runs on: AF_PACKET always; tc (eBPF) when the addon was
 * built with BPF. In CI (CI=true, root) an addon without BPF fails instead of dropping the case.
 */
import { addonAvailable, loadAddon } from '../../src/native/addon.js';

export type TestDatapath = 'af-packet' | 'tc';

export function datapathsUnderTest(): TestDatapath[] {
  const out: TestDatapath[] = ['af-packet'];
  if (!addonAvailable()) return out;
  if (loadAddon().haveBpf === true) out.push('tc');
  else if (process.env.CI === 'true' && process.env.CFM_NO_BPF !== '1') {
    throw new Error('the eBPF datapath must be tested in CI but the addon was built without BPF (clang, bpftool, libbpf-dev)');
  }
  return out;
}
