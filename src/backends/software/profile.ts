/**
 * The "hardware" profile of the software datapath, for the offload planner: every MEP can be a
 * software VOE (all seven intervals, many peers, VLAN MEPs, no up MEPs, no policers). Built in
 * code from the backend's ports so `cfm run` needs no profile file.
 */
import { INTERVAL_CODES } from '../../common/interval.js';
import type { HwProfile } from '../../profiles/types.js';

export function softwareProfile(ports: string[], maxVoes = 8192): HwProfile {
  return {
    name: 'software',
    description: 'Linux software datapath: AF_PACKET sockets + native timerfd CCM scheduler (cfm run --backend software)',
    vendor: 'none',
    family: 'software',
    variants: [],
    backend: 'software',
    ports: [...ports],
    portCount: ports.length,
    voes: { port: maxVoes, service: maxVoes, up: 0, down: maxVoes, sharedTotal: maxVoes, perPort: null },
    mips: { down: 0, up: 0 },
    txIntervals: [...INTERVAL_CODES],
    rxIntervals: [...INTERVAL_CODES],
    ccmTx: 'software',
    injectorBudgetFps: null,
    peersPerVoe: Number.POSITIVE_INFINITY,
    remoteMepTable: null,
    upMep: false,
    vlanMep: true,
    offload: { loopback: false, linktrace: false, aisLck: false, lm: false, dm: false },
    offloadDetail: { loopback: 'none', linktrace: 'none', aisLck: 'none', lm: 'none', dm: 'none' },
    loc: { method: 'software-timer', threshold: 3.5, note: 'one deadline shared by every MEP of the backend (expiry-timer.ts): a native timerfd (CLOCK_MONOTONIC, absolute ns) watched by the event loop, armed at the earliest rMEPwhile / errorCCMwhile expiry (802.1Q 20.20) and disarmed when no MEP has one; a setTimeout without the addon. LOC is stamped at the expiry, not the wakeup' },
    defects: ['loc', 'rdi', 'unexpected-mep-id', 'unexpected-meg-id', 'unexpected-level', 'unexpected-period', 'unexpected-priority', 'port-status', 'interface-status'],
    cpuQueues: { count: null, perPduType: false },
    policers: null,
    counters: ['ccm-tx', 'ccm-rx-valid', 'ccm-rx-invalid', 'ccm-rx-out-of-order'],
    sources: { '/': 'src/backends/software (this kit)' },
    notes: {
      '/cpuQueues/count': 'no CPU queues: frames are read from one AF_PACKET socket per interface',
      '/remoteMepTable': 'no table: limited by memory only',
    },
  };
}
