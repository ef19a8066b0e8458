/** What the kernel's bridge CFM can do, as BackendCapabilities (docs/linux-bridge.md table). */
import { INTERVAL_CODES } from '../../common/interval.js';
import type { BackendCapabilities } from '../types.js';
import { MIN_INTERVAL } from './spec.js';

export function capabilitiesOf(bridge: string, ports: number, frameIo: boolean): BackendCapabilities {
  const realistic = INTERVAL_CODES.filter((c) => c >= MIN_INTERVAL);
  return {
    kind: 'linux-bridge',
    description: `Linux kernel bridge CFM on ${bridge} (software timers in the kernel; untagged port Down-MEPs, CCM only)`,
    // One port MEP per bridge port ("Only one Port MEP on a port allowed").
    portVoes: ports,
    serviceVoes: 0,
    // Jiffy timers: 3.33 ms and 10 ms are accepted but LOC runs far slower than nominal.
    txIntervals: realistic,
    rxIntervals: realistic,
    // No limit in the kernel; a bound keeps the planner honest about one MEP's peer list
    // (hw-profiles/linux-bridge.json says the same, so offline plans match).
    peersPerVoe: 64,
    upMep: false,
    vlanMep: false,
    ccmTxMode: 'hardware',
    loopbackOffload: false,
    linktraceOffload: false,
    policers: 0,
    // The AF_PACKET CPU path on the bridge ports (frames.ts), unless opened with frames: 'none'.
    frameIo,
  };
}
