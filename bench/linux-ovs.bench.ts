/**
 * CPU per CCM against Open vSwitch (issue 17 target: no worse than OVS at any N from 1 to 256 at
 * 1 s, 100 ms and 10 ms): N sessions, each a veth pair between our namespace and one where a
 * private ovs-vswitchd (netdev datapath) runs CFM on the other end. Per N the links and OVS are
 * set up once; per interval OVS's cfm_interval is set, and per repetition and receive datapath
 * (interleaved, so load from elsewhere falls on both alike) a software backend with N MEPs peers
 * with it for one window. Every CCM is counted once sent and once received by our side.
 *
 * How CPU is charged (the same rule for both sides: each is charged its whole datapath, idle
 * included, and nothing else):
 * - ours: this process's CPU (process.cpuUsage: user + system, us) over the window, minus this
 *   process's idle CPU measured per N once OVS and the links are set up, with no backend open
 *   (least of three 1 s samples: the bench's own timers and Node's housekeeping are not the
 *   datapath's); the backend's own idle cost (open sockets, its timers) stays in;
 * - OVS: ovs-vswitchd's CPU over the same window, every thread, from /proc/PID/task/*\/sched
 *   (se.sum_exec_runtime, ns: OVS's CPU at 1 session is well under one 10 ms USER_HZ tick per
 *   second, so /proc/PID/stat's ticks cannot resolve it), its idle poll loop included (it is
 *   what running CFM on those ports costs it).
 * Windows hold at least CFM_BENCH_OVS_MIN_CCMS (default 2,000) CCMs, between CFM_BENCH_OVS_MIN_S
 * (4) and CFM_BENCH_OVS_MAX_S (20) seconds; CFM_BENCH_OVS_REPS (3) repetitions, the median
 * reported with the range. The plan (windows x repetitions, printed at the start) is fitted
 * into the runner's suite timeout (BENCH_SUITE_TIMEOUT_S, default 900 s) by shortening the
 * longest windows. Defaults: N = 1, 16, 64, 256 x 1 s, 100 ms, 10 ms x AF_PACKET and eBPF tc:
 * about 13.5 minutes with the windows cut to 8 s by the default 900 s timeout;
 * BENCH_SUITE_TIMEOUT_S=1200 fits the full 20 s windows (about 18 minutes). Knobs: CFM_BENCH_OVS_N=1,16 CFM_BENCH_OVS_INTERVALS=100,10 (ms)
 * CFM_BENCH_OVS_DATAPATHS=af-packet,tc and CFM_BENCH_OVS_BEFORE=1 (also AF_PACKET with
 * `coalesce: false`: every frame read at once and a LOC timer per MEP, as before 12-06).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { BenchRow } from './run.js';
import { bpfUnavailableReason } from '../src/native/bpf.js';
import { SoftwareBackend } from '../src/backends/software/backend.js';
import type { Datapath } from '../src/backends/software/bpf-rx.js';
import { intervalNs, type IntervalCode } from '../src/common/interval.js';
import { encodeMaid } from '../src/pdu/maid.js';
import { haveOvs, ovsBridgeWithVeths, startOvs, type Ovs } from '../test/interop/ovs.js';
import { createNetns, deleteNetns } from '../test/linux/netns.js';
import { procCpuTicks, sleep, whyNot } from './linux.bench.js';

export const name = 'linux CPU per CCM against Open vSwitch (N x interval x datapath)';

const OVS_MAID = encodeMaid({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' } });
const INTERVAL_BY_MS: Record<number, IntervalCode> = { 1000: 4, 100: 3, 10: 2 };

const num = (v: string | undefined, dflt: number) => (v && Number(v) > 0 ? Number(v) : dflt);
const list = (v: string | undefined, dflt: string) => (v ?? dflt).split(',').map((x) => x.trim()).filter(Boolean);

interface Variant {
  label: string;
  datapath: Datapath;
  coalesce: boolean;
}

interface Plan {
  ns: number[];
  intervals: IntervalCode[];
  variants: Variant[];
  reps: number;
  minCcms: number;
  minS: number;
  maxS: number;
}

/** A window's length for N sessions at `interval`: enough CCMs, within [minS, maxS]. */
function windowS(p: Plan, n: number, interval: IntervalCode): number {
  const ccmsPerS = (2 * n * 1e9) / intervalNs(interval);
  return Math.min(p.maxS, Math.max(p.minS, p.minCcms / ccmsPerS));
}

/** Warm-up before each window: every peer up, past the first CCMs. */
const warmS = (interval: IntervalCode) => Math.max(1.5, (intervalNs(interval) / 1e9) * 2.5);

function planSeconds(p: Plan): number {
  let s = 0;
  for (const n of p.ns) {
    s += 8 + n * 0.1; // OVS start, veths and ports, the idle samples
    // per window: the backend opened with N VOEs and closed (an RCU grace period per socket)
    for (const iv of p.intervals) s += p.reps * p.variants.length * (windowS(p, n, iv) + warmS(iv) + 1 + n * 0.02);
  }
  return s;
}

/** ovs-vswitchd's CPU so far, ns, every live thread (se.sum_exec_runtime is in ms with 6 decimals). */
function procCpuNs(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const m = /se\.sum_exec_runtime\s*:\s*([\d.]+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
      if (!m) throw new Error('no se.sum_exec_runtime');
      ns += Number(m[1]) * 1e6;
    }
    return ns;
  } catch {
    return (procCpuTicks(pid) / 100) * 1e9; // no CONFIG_SCHED_DEBUG: USER_HZ ticks
  }
}

interface Sample {
  oursUs: number;
  ovsUs: number;
  ccms: number;
  up: number;
  wallS: number;
  /** Of `ccms`: sent by us / received from OVS, against what N sessions are due to send in the window. */
  txShare: number;
  rxShare: number;
  /** AF_PACKET: receive batches handed to JS, and hold-timer wakeups, per received CCM. */
  rxBatchesPerCcm?: number;
  holdWakeupsPerCcm?: number;
}

async function window(ovs: Ovs, ports: string[], nsA: string, interval: IntervalCode, v: Variant, seconds: number, idleUsPerS: number): Promise<Sample> {
  const be = new SoftwareBackend({ ports, netns: nsA, datapath: v.datapath, coalesce: v.coalesce });
  try {
    const handles: number[] = [];
    for (const port of ports) {
      handles.push(await be.createVoe({ key: port, port, direction: 'down', level: 0, vlan: 0, unicastMac: be.portMac(port), mepId: 2, maid: OVS_MAID, interval, priority: 7, peers: [1], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0 }));
    }
    await sleep(warmS(interval) * 1000);
    const before = await Promise.all(handles.map((h) => be.readStatus(h)));
    const rxStats = () => {
      if (v.datapath !== 'af-packet') return { batches: 0, holds: 0 };
      let batches = 0;
      for (const port of ports) batches += be.socketStats(port).rxBatches;
      return { batches, holds: be.socketStats(ports[0]!).rxHoldWakeups };
    };
    const r0 = rxStats();
    const o0 = procCpuNs(ovs.vswitchdPid);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const c = process.cpuUsage(c0);
    const o1 = procCpuNs(ovs.vswitchdPid);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const r1 = rxStats();
    const after = await Promise.all(handles.map((h) => be.readStatus(h)));
    let rxCcms = 0;
    after.forEach((s, i) => (rxCcms += s.counters.ccmRxValid - before[i].counters.ccmRxValid));
    let ccms = 0;
    after.forEach((s, i) => (ccms += s.counters.ccmTx - before[i].counters.ccmTx + s.counters.ccmRxValid - before[i].counters.ccmRxValid));
    const up = after.filter((s) => s.peers[0].seen && !s.peers[0].loc).length;
    const due = (ports.length * wallS * 1e9) / intervalNs(interval);
    return {
      txShare: (ccms - rxCcms) / due,
      rxShare: rxCcms / due,
      oursUs: (c.user + c.system - idleUsPerS * wallS) / Math.max(1, ccms),
      ovsUs: (o1 - o0) / 1e3 / Math.max(1, ccms),
      ccms, up, wallS,
      ...(v.datapath === 'af-packet' ? { rxBatchesPerCcm: (r1.batches - r0.batches) / Math.max(1, rxCcms), holdWakeupsPerCcm: (r1.holds - r0.holds) / Math.max(1, rxCcms) } : {}),
    };
  } finally {
    await be.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;

async function forN(p: Plan, n: number): Promise<{ rows: BenchRow[]; idleUsPerS: number }> {
  const nsA = await createNetns('cvo');
  const nsB = await createNetns('cvv');
  let ovs: Ovs | undefined;
  const rows: BenchRow[] = [];
  let idleUsPerS = 0;
  try {
    ovs = await startOvs(nsB);
    const { ours, theirs } = await ovsBridgeWithVeths(ovs, nsA, nsB, n);
    // the bench's own idle, warm (after the imports and the set-up), no backend open
    idleUsPerS = await benchIdleUsPerS();
    console.warn(`linux-ovs: ${n} sessions: bench idle ${(idleUsPerS / 1e4).toFixed(3)} % of a core (not charged)`);
    let added = false;
    for (const interval of p.intervals) {
      const ms = intervalNs(interval) / 1e6;
      const args: string[] = [];
      for (const b of theirs) {
        if (!added) args.push('--', 'add-port', 'br-cfm', b);
        args.push('--', 'set', 'Interface', b, 'cfm_mpid=1', `other_config:cfm_interval=${ms}`, 'other_config:cfm_extended=false');
      }
      added = true;
      await ovs.vsctl(...args);
      const secs = windowS(p, n, interval);
      const samples = new Map<string, Sample[]>(p.variants.map((v) => [v.label, []]));
      for (let r = 0; r < p.reps; r++) {
        for (const v of p.variants) {
          const x = await window(ovs, ours, nsA, interval, v, secs, idleUsPerS);
          samples.get(v.label)!.push(x);
          // each window as it ends, so a run stopped by the suite timeout still shows what it measured
          console.warn(`linux-ovs: ${n} x ${ms} ms ${v.label} #${r + 1}: ours ${x.oursUs.toFixed(1)} us, OVS ${x.ovsUs.toFixed(1)} us per CCM, ${x.ccms} CCMs (sent ${(x.txShare * 100).toFixed(0)} %, received ${(x.rxShare * 100).toFixed(0)} % of those due), ${x.up}/${n} up${x.rxBatchesPerCcm !== undefined ? `, ${x.rxBatchesPerCcm.toFixed(2)} reads + ${x.holdWakeupsPerCcm!.toFixed(2)} holds per rx CCM` : ''}`);
        }
      }
      for (const v of p.variants) {
        const s = samples.get(v.label)!;
        const ourMed = median(s.map((x) => x.oursUs));
        const ovsMed = median(s.map((x) => x.ovsUs));
        const ccms = median(s.map((x) => x.ccms));
        const rx = s[0]!.rxBatchesPerCcm !== undefined ? `; per received CCM: ${median(s.map((x) => x.rxBatchesPerCcm!)).toFixed(2)} socket reads, ${median(s.map((x) => x.holdWakeupsPerCcm!)).toFixed(2)} hold wakeups` : '';
        rows.push({
          case: `CPU per CCM, ${n} sessions at ${ms} ms, ${v.label} vs ovs-vswitchd`,
          value: ourMed, unit: 'us', target: '<= OVS', met: ourMed <= ovsMed,
          note: `OVS ${ovsMed.toFixed(1)} us (median of ${s.length}; ours ${range(s.map((x) => x.oursUs))}, OVS ${range(s.map((x) => x.ovsUs))}); ~${ccms.toFixed(0)} CCMs per ${secs.toFixed(1)} s window; up ${s.map((x) => x.up).join('/')} of ${n}${rx}`,
        });
      }
    }
  } finally {
    await ovs?.stop();
    await deleteNetns(nsA);
    await deleteNetns(nsB);
  }
  return { rows, idleUsPerS };
}

/**
 * This process's CPU with no backend open (the bench's own idle), us per second: the least of
 * three 1 s samples, so a GC or a late compile in one is not taken for idle (what is subtracted
 * is at most the real idle: any error is charged to us).
 */
async function benchIdleUsPerS(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 3; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(1000);
    const c = process.cpuUsage(c0);
    least = Math.min(least, (c.user + c.system) / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return least;
}

export async function run(): Promise<BenchRow[]> {
  const why = whyNot() ?? (haveOvs() ? undefined : 'Open vSwitch is not installed');
  if (why) {
    console.warn(`linux-ovs bench skipped: ${why}`);
    return [];
  }
  const bpfWhy = bpfUnavailableReason();
  const env = process.env;
  const variants: Variant[] = [];
  for (const d of list(env.CFM_BENCH_OVS_DATAPATHS, 'af-packet,tc')) {
    if (d !== 'af-packet' && d !== 'tc' && d !== 'xdp') throw new Error(`CFM_BENCH_OVS_DATAPATHS: '${d}' is not af-packet, tc or xdp`);
    if (d !== 'af-packet' && bpfWhy) {
      console.warn(`linux-ovs bench: ${d} rows skipped: ${bpfWhy}`);
      continue;
    }
    if (d === 'af-packet' && env.CFM_BENCH_OVS_BEFORE === '1') variants.push({ label: 'af-packet (coalesce off)', datapath: d, coalesce: false });
    variants.push({ label: d, datapath: d, coalesce: true });
  }
  const intervals = list(env.CFM_BENCH_OVS_INTERVALS, '1000,100,10').map((ms) => {
    const code = INTERVAL_BY_MS[Number(ms)];
    if (!code) throw new Error(`CFM_BENCH_OVS_INTERVALS: ${ms} ms is not 1000, 100 or 10`);
    return code;
  });
  const plan: Plan = {
    ns: list(env.CFM_BENCH_OVS_N, '1,16,64,256').map(Number).filter((x) => x > 0),
    intervals, variants,
    reps: num(env.CFM_BENCH_OVS_REPS, 3),
    minCcms: num(env.CFM_BENCH_OVS_MIN_CCMS, 2000),
    minS: num(env.CFM_BENCH_OVS_MIN_S, 4),
    maxS: num(env.CFM_BENCH_OVS_MAX_S, 20),
  };
  // fit the plan into the runner's suite timeout (less a margin) by shortening the longest windows
  const budgetS = num(env.BENCH_SUITE_TIMEOUT_S, 900) - 60;
  while (planSeconds(plan) > budgetS && plan.maxS > plan.minS) plan.maxS = Math.max(plan.minS, plan.maxS - 1);
  console.warn(`linux-ovs bench: N ${plan.ns.join(', ')} x ${plan.intervals.map((i) => intervalNs(i) / 1e6).join(', ')} ms x ${variants.map((v) => v.label).join(', ')}; ${plan.reps} windows each of ${plan.minS}-${plan.maxS} s (>= ${plan.minCcms} CCMs where that fits): about ${Math.ceil(planSeconds(plan) / 60)} min`);
  const rows: BenchRow[] = [];
  for (const n of plan.ns) {
    const r = await forN(plan, n);
    rows.push(...r.rows);
    rows.push({ case: `bench process idle, ${n} sessions set up (subtracted from ours)`, value: r.idleUsPerS / 1e4, unit: '% core', note: 'this process with no backend open: least of three 1 s samples' });
  }
  return rows;
}
