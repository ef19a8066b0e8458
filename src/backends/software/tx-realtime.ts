/**
 * Fast intervals need the transmit threads scheduled at once and LOC reports read without
 * waiting behind ordinary load (issue 17): the backend asks for SCHED_FIFO transmit threads and a
 * raised event thread (nice -10) by default; when the process may not have them, say so once,
 * naming the capability.
 */
import type { CcmScheduler } from '../../native/scheduler.js';

let warned = false;

/** The warning's text, or undefined when the transmit thread is real-time and the event thread raised (or not asked). */
export function notRealtimeReason(scheduler: CcmScheduler): string | undefined {
  const m = scheduler.mode();
  const ev = scheduler.eventThreadPriority();
  const txOk = m.policy === 'fifo' || m.policy === 'rr';
  const evOk = !ev || ev.raised;
  if (txOk && evOk) return undefined;
  if (!m.realtimeRequested) return 'cfm: the CCM transmit thread runs SCHED_OTHER (realtime: false); CCMs at 3.33 ms and 10 ms may jitter and LOC may be reported late on a loaded machine';
  const parts: string[] = [];
  if (!txOk) parts.push(`the CCM transmit thread runs SCHED_OTHER (SCHED_FIFO refused: ${m.error ?? 'unknown'})`);
  if (!evOk) parts.push(`the event thread stays at nice ${ev!.nice} (nice -10 refused: ${ev!.error ?? 'unknown'})`);
  const effects = [!txOk ? 'CCMs at 3.33 ms and 10 ms may jitter' : '', !evOk ? 'LOC may be reported late' : ''].filter(Boolean).join(' and ');
  return `cfm: ${parts.join('; ')}: needs CAP_SYS_NICE (and real-time bandwidth in the cgroup); ${effects} on a loaded machine`;
}

/** One warning per process when a 3.33 ms or 10 ms VOE runs without them. */
export function warnIfNotRealtime(scheduler: CcmScheduler): void {
  if (warned) return;
  const why = notRealtimeReason(scheduler);
  if (!why) return;
  warned = true;
  process.emitWarning(why, { code: 'CFM_NOT_REALTIME' });
}
