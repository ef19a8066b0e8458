/**
 * Proactive Y.1731 PM at scale (issue 14): 1,000 DMM sessions at 1 s on one manager (1,000
 * software MEPs on sw1, each measuring its peer MEP on sw2 through the simulator), in virtual
 * time. CPU per session is the CPU of the run with sessions minus the same run without them
 * (CCMs at 1 min, both switches' managers, the simulator and the DMR responders included), per
 * session and second of session; memory per session is the heap (after GC) with the sessions
 * and a full history of 8 one-minute intervals minus the heap without sessions.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { BenchRow } from './run.js';
import type { CfmModel, PmSessionConfig } from '../src/config/model.js';
import { runVirtual } from '../src/offload/sim/run.js';
import { mepMac } from '../src/offload/voe-spec.js';
import { mkMep, mkModel } from '../test/offload/fixtures.js';
import { rig, type Rig } from '../test/offload/harness.js';

export const name = 'y1731';

const SESSIONS = 1000;
const HISTORY = 8;

function model(withPm: boolean): CfmModel {
  const meps = [];
  for (let i = 0; i < SESSIONS; i++) {
    const ma = `ma${i}`;
    const b = mkMep({ mepId: 2, switch: 'sw2', port: 'swp1', interval: 6, vlan: 10 + i, remoteMepIds: [1], placement: 'software', associationId: ma });
    const pm: PmSessionConfig = { id: 'dm', type: 'dmm', targetMac: mepMac(b), enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 1, history: HISTORY, priority: 7, fdBinsUs: [5000, 10000, 20000], ifdvBinsUs: [1000, 5000] };
    const a = mkMep({ mepId: 1, switch: 'sw1', port: 'swp1', interval: 6, vlan: 10 + i, remoteMepIds: [2], placement: 'software', associationId: ma, ...(withPm ? { pmSessions: [pm] } : {}) });
    meps.push(a, b);
  }
  return mkModel(meps);
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** A real GC without --expose-gc on the command line (the runner forks without it). */
v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function measure(withPm: boolean, seconds: number): Promise<{ cpuUs: number; heap: number; r: Rig }> {
  const r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
  const m = model(withPm);
  for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(m);
  await runVirtual(r.net.clock, 0.5e9, 1e9);
  const c0 = cpuUs();
  await runVirtual(r.net.clock, seconds * 1e9, 1e9);
  const cpu = cpuUs() - c0;
  return { cpuUs: cpu, heap: heap(), r };
}

export async function run(): Promise<BenchRow[]> {
  const seconds = (HISTORY + 1) * 60;
  const base = await measure(false, seconds);
  const baseHeap = base.heap;
  await base.r.close();
  const pm = await measure(true, seconds);
  const st = pm.r.mgr.sw1.y1731.pmShow();
  const full = st.filter((s) => s.history.length === HISTORY).length;
  const lost = st.reduce((a, s) => a + s.history.reduce((b, h) => b + h.sent - h.received, 0), 0);
  const perSessionUs = (pm.cpuUs - base.cpuUs) / SESSIONS / seconds;
  const perSessionBytes = (pm.heap - baseHeap) / SESSIONS;
  await pm.r.close();
  return [
    { case: `${SESSIONS} DMM sessions @ 1 s, ${seconds} s virtual: CPU per session`, value: perSessionUs, unit: 'us/s', note: `${(perSessionUs * SESSIONS / 1e4).toFixed(1)} % of one core for all; DMM+DMR+accounting; ${lost} DMRs lost` },
    { case: `${SESSIONS} DMM sessions: heap per session (history ${HISTORY} intervals)`, value: perSessionBytes, unit: 'bytes', note: `${full}/${SESSIONS} sessions with a full history; after GC` },
  ];
}
