/**
 * Fast intervals need the transmit thread scheduled at once (issue 17): the backend asks for
 * SCHED_FIFO by default; when the process may not have it, say so once, naming the capability.
 */
import type { CcmScheduler } from '../../native/scheduler.js';

let warned = false;

/** One warning per process when a 3.33 ms or 10 ms VOE runs on an ordinary (CFS) thread. */
export function warnIfNotRealtime(scheduler: CcmScheduler): void {
  if (warned) return;
  const m = scheduler.mode();
  if (m.policy === 'fifo' || m.policy === 'rr') return;
  warned = true;
  const why = m.realtimeRequested ? `SCHED_FIFO refused (${m.error ?? 'unknown'}): needs CAP_SYS_NICE and real-time bandwidth in the cgroup` : 'realtime: false';
  process.emitWarning(`cfm: the CCM transmit thread runs SCHED_OTHER (${why}); CCMs at 3.33 ms and 10 ms may jitter on a loaded machine`, { code: 'CFM_NOT_REALTIME' });
}
