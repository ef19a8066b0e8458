/**
 * Slow, interrupt-driven SDKs (issue 16), on the mock behaving like a board (test/backends/slow-rig.ts):
 *  - apply of 1,000 hardware MEPs with 2 ms per configuration call, on a manager that also runs a
 *    software MEP at 10 ms: how late its CCMs are sent ON THE WIRE (the mock's wire tap: the time
 *    each left the port; gap between CCMs - 10 ms; target max 1 ms) - with the board's periodic
 *    frame injector sending them (vendor ABI group "inject") and with the engine's JS timer
 *    sending them through cfm_frame_tx (SLOW_SDK_INJECTOR=0 / 1 for one of the two; the JS-side
 *    send times beside), false LOCs (target 0; a LOC on a real gap in the peer's CCMs as received
 *    - the in-process peer and cable stalled - is true, counted apart: slow-rig.ts classifyLocs),
 *    a loopback started during the apply, `status`
 *    answered during the apply (target 50 ms) - interrupt and polled;
 *  - event latency from the board raising LOC (device time) to the manager's fault event:
 *    interrupt + event fd (target 1 ms) vs the 10 ms poll;
 *  - CPU of an idle manager with 8,192 hardware VOEs (nothing changes), each mode.
 * SLOW_SDK_VOES (default 1000) and SLOW_SDK_PARTS (apply,events,idle) narrow a run.
 * SLOW_SDK_BUSY_MS=N: during the apply, N ms of busy JS every ~97 ms (another task's work: what a
 * loaded machine does to the loop, reproducibly); SLOW_SDK_READ_TIMES=1: the software MEP decides
 * LOC on read times, as before src/engine/continuity.ts (the engine's rxSettled hook removed).
 */
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './run.js';
import { mkModel } from '../test/offload/fixtures.js';
import { classifyLocs, hardwareMeps, sleep, slowRig, waitFor } from '../test/backends/slow-rig.js';

export const name = 'slow SDK';

const APPLY_VOES = Number(process.env.SLOW_SDK_VOES) || 1000;
const BUSY_MS = Number(process.env.SLOW_SDK_BUSY_MS) || 0;
const READ_TIMES = process.env.SLOW_SDK_READ_TIMES === '1';
const IDLE_VOES = 8192;

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** Lateness of each software CCM send in [from, to]: gap to the previous one minus the interval. */
function lateness(sent: number[], from: number, to: number, intervalMs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < sent.length; i++) if (sent[i] >= from && sent[i] <= to) out.push(Math.max(0, sent[i] - sent[i - 1] - intervalMs));
  return out;
}

function lateNote(late: number[]): string {
  return `max ${Math.max(0, ...late).toFixed(2)}, p99 ${quantile(late, 0.99).toFixed(2)} ms over ${late.length}`;
}

async function applyUnderLoad(interrupt: boolean, injector: boolean): Promise<BenchRow[]> {
  const extra = `${BUSY_MS ? `, ${BUSY_MS} ms busy every 97 ms` : ''}${READ_TIMES ? ', LOC on read times' : ''}`;
  const mode = `${interrupt ? 'interrupt' : 'polled'}, CCMs by ${injector ? 'the board\'s injector' : 'the JS timer'}${extra}`;
  const r = await slowRig({ latencyUs: 2000, interrupt, serviceVoes: APPLY_VOES + 16, injector });
  if (READ_TIMES) r.dutMgr.engine.rxSettled = null;
  let busy: ReturnType<typeof setInterval> | null = null;
  try {
    await waitFor(() => r.faults.some((f) => f.type === 'remote-mep' && f.state === 'ok'), 5000, 'the software MEP to see its peer');
    // with the injector: after the handover (its one CCM late by the handover's wait is not the apply's)
    if (injector) await waitFor(() => r.dutMgr.engine.findMep(r.softwareKeys[0])?.status().ccmInjected === true, 5000, 'the handover to the injector').catch(() => undefined);
    await sleep(100);
    // the same window with nothing applied: what the machine itself gives
    const q0 = performance.now();
    await sleep(1000);
    const q1 = performance.now();
    const quiet = lateness(r.ccmWireMs.get(10) ?? [], q0, q1, 10);
    const quietJs = lateness(r.ccmSentMs.get(10) ?? [], q0, q1, 10);
    const injected = r.dutMgr.engine.findMep(r.softwareKeys[0])?.status().ccmInjected === true;
    // the caller's config (1,000 MEPs built by the test fixtures, ~12 ms) is made before the
    // window: what is measured is the manager's apply, not the bench building its input
    const model = r.dutModel(APPLY_VOES);
    await sleep(50);
    const t0 = performance.now();
    if (BUSY_MS) {
      busy = setInterval(() => {
        const end = performance.now() + BUSY_MS;
        while (performance.now() < end);
      }, 97);
    }
    const apply = r.dutMgr.apply(model);
    await sleep(300);
    const lbStart = performance.now();
    const lb = r.dutMgr.loopback(r.softwareKeys[0], { targetMepId: 100, count: 5, intervalMs: 100, timeoutMs: 5000 }).then((res) => ({ res, ms: performance.now() - lbStart }));
    await sleep(200);
    const stStart = performance.now();
    const st = r.dutMgr.status().then((s) => ({ ms: performance.now() - stStart, during: s.apply !== undefined }));
    await apply;
    const t1 = performance.now();
    if (busy) clearInterval(busy);
    const [lbr, stat] = await Promise.all([lb, st]);
    const statusMs = stat.ms;
    // the wire tap delivers every 2-16 ms: wait for the CCMs sent up to t1
    await sleep(40);
    const late = lateness(r.ccmWireMs.get(10) ?? [], t0, t1, 10);
    const lateJs = lateness(r.ccmSentMs.get(10) ?? [], t0, t1, 10);
    // LOC is decided on receive times (src/engine/continuity.ts): a LOC with a real gap in the
    // peer's CCMs at the dut is true (the peer and the cable run on this loop: a stall stops them)
    const locs = classifyLocs(r, t0, performance.now(), 10);
    return [
      { case: `${mode}: apply ${APPLY_VOES} VOEs, 2 ms per call`, value: (t1 - t0) / 1000, unit: 's', note: `${((t1 - t0) / APPLY_VOES).toFixed(2)} ms per VOE` },
      {
        case: `${mode}: software CCM (10 ms) lateness on the wire during the apply, max`, value: Math.max(0, ...late), unit: 'ms', target: '<= 1', met: Math.max(0, ...late) <= 1 && late.length > 0,
        note: `p99 ${quantile(late, 0.99).toFixed(2)} ms over ${late.length} CCMs${injector && !injected ? ' (the injector did NOT take the MEP)' : ''}; nothing applied: ${lateNote(quiet)}${lateJs.length ? `; JS send calls during the apply: ${lateNote(lateJs)}, nothing applied: ${lateNote(quietJs)}` : ''}`,
      },
      {
        case: `${mode}: false LOC of the software MEP during the apply`, value: locs.false, unit: 'events', target: '0', met: locs.false === 0,
        note: `true LOC (a gap > 3.375 intervals in the peer's CCMs received, the in-process peer or cable stalled): ${locs.real} of ${locs.gaps} gaps`,
      },
      { case: `${mode}: loopback started during the apply (5 LBMs, 100 ms apart)`, value: lbr.res.received, unit: 'LBRs', target: '5', met: lbr.res.received === 5, note: `done in ${lbr.ms.toFixed(0)} ms, max RTT ${(Math.max(...lbr.res.rttNs) / 1e6).toFixed(2)} ms` },
      { case: `${mode}: status asked during the apply answered after`, value: statusMs, unit: 'ms', target: '<= 50', met: statusMs <= 50, note: stat.during ? 'from the last-known state, with apply in progress (src/offload/apply-tracker.ts)' : 'the apply had finished' },
    ];
  } finally {
    if (busy) clearInterval(busy);
    await r.close();
  }
}

async function eventLatency(interrupt: boolean, latencyUs: number): Promise<BenchRow> {
  const mode = interrupt ? 'interrupt + event fd' : 'polled every 10 ms';
  const r = await slowRig({ latencyUs, interrupt, softwareMeps: 0, serviceVoes: 64 });
  try {
    const lat: number[] = [];
    for (let k = 1; k <= 15; k++) {
      const from = r.faults.length;
      await r.dutMgr.apply(mkModel(hardwareMeps(k, 2))); // one more MEP at 10 ms with a silent peer
      await waitFor(() => r.faults.slice(from).some((f) => f.mep === `hw/h${k - 1}/1` && f.type === 'remote-mep' && f.state === 'failed'), 3000, 'LOC');
      const f = r.faults.slice(from).find((x) => x.mep === `hw/h${k - 1}/1` && x.type === 'remote-mep' && x.state === 'failed')!;
      // The fault's atNs is the device's LOC time mapped onto the manager's clock (the binding's
      // device-clock estimate, asic-binding/device-clock.ts); manager clock -> performance.now()
      const offsetMs = performance.now() - r.dutMgr.clock.nowNs() / 1e6;
      lat.push(f.atMs - (f.atNs / 1e6 + offsetMs));
    }
    const p50 = quantile(lat, 0.5);
    return {
      case: `LOC raised by the board -> manager fault event, ${mode} (${latencyUs} us per call)`, value: p50, unit: 'ms',
      ...(interrupt ? { target: '<= 1', met: quantile(lat, 0.9) <= 1 } : {}),
      note: `median of ${lat.length}; p90 ${quantile(lat, 0.9).toFixed(2)} ms, max ${Math.max(...lat).toFixed(2)} ms`,
    };
  } finally {
    await r.close();
  }
}

async function idleCpu(interrupt: boolean): Promise<BenchRow> {
  const mode = interrupt ? 'interrupt + event fd (1 s safety poll)' : 'polled every 10 ms';
  const r = await slowRig({ latencyUs: 50, interrupt, softwareMeps: 0, serviceVoes: IDLE_VOES + 8 });
  try {
    // VOEs that send nothing and expect no peer: the simulated silicon has no work, so what is
    // measured is the manager, the binding and their polling (an event fd: none)
    await r.dutMgr.apply(mkModel(hardwareMeps(IDLE_VOES, 3).map((m) => ({ ...m, ccmEnabled: false, remoteMepIds: [] }))));
    // the peer switch (a polled fast mock with its own manager) lives in this process too: gone
    await r.peerMgr.close();
    await r.peer.close();
    await sleep(3000);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await sleep(3000);
    const c1 = process.cpuUsage(c0);
    const pct = ((c1.user + c1.system) / 1000 / (performance.now() - w0)) * 100;
    return { case: `idle manager, ${IDLE_VOES} hardware VOEs, ${mode}: process CPU`, value: pct, unit: '% of a core', note: 'board at 50 us per call; process CPU (manager, binding, mock threads)' };
  } finally {
    await r.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const parts = (process.env.SLOW_SDK_PARTS ?? 'apply,events,idle').split(',');
  const rows: BenchRow[] = [];
  const inj = process.env.SLOW_SDK_INJECTOR;
  const injModes = inj === '1' ? [true] : inj === '0' ? [false] : [true, false];
  if (parts.includes('apply')) for (const injector of injModes) for (const interrupt of [true, false]) rows.push(...(await applyUnderLoad(interrupt, injector)));
  if (parts.includes('events')) for (const interrupt of [true, false]) for (const us of [0, 200]) rows.push(await eventLatency(interrupt, us));
  if (parts.includes('idle')) for (const interrupt of [true, false]) rows.push(await idleCpu(interrupt));
  return rows;
}
