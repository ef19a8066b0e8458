/**
 * The Linux receive datapaths side by side (issue 17), AF_PACKET vs the eBPF fast path (tc), in
 * one run (root + network namespaces; otherwise it prints why and returns no rows):
 * - CPU per received CCM, 64 MEP pairs at 100 ms and 10 ms, AF_PACKET, tc and xdp: the BPF
 *   program's kernel run time, user-space wakeups, and the receiving process over its idle
 *   (rxDatapaths below), the program before and after the one-lookup steady path alternately in
 *   one run, and the program alone per variant (programAlone);
 * - RSS per MEP at 256 ports (one MEP each) and the CPU with the ports open and no MEP
 *   (bench/linux-memory.ts: fresh child processes, median);
 * - LOC stamp (from a capture's kernel times) and the manager's fault event delay with two busy
 *   threads, at 3.33 ms, 10 ms, 100 ms and 1 s (bench/linux-txloc.ts);
 * - transmit at 3.33 ms with two busy threads (largest gap on the wire, rate error), two lanes and
 *   one, beside the bare-timer floor of each CPU (bench/linux-txloc.ts);
 * - a CFM flood at one port: where CPU protection drops it, and false LOC on its MEPs
 *   (bench/linux-flood.ts, on XDP too).
 * The transmit scheduler, the older CPU rows and the Open vSwitch comparison: linux.bench.ts.
 */
import type { BenchRow } from './run.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BpfDatapath, bpfUnavailableReason, enableBpfRunTimeStats, setBpfProgramVariantForBench, type BpfMode, type BpfProgramVariant } from '../src/native/bpf.js';
import { parseConfig } from '../src/config/index.js';
import { compileProtection } from '../src/cpu-protection/compile.js';
import { encodeProgram } from '../src/cpu-protection/native.js';
import { SoftwareBackend } from '../src/backends/software/backend.js';
import { BPF_MAX_CAPACITY, type BpfCapacity, type Datapath } from '../src/backends/software/bpf-rx.js';
import { headroom } from '../src/offload/run/bpf-capacity.js';
import type { VoeSpec } from '../src/backends/types.js';
import { intervalNs, remoteMepTimeoutNs, type IntervalCode } from '../src/common/interval.js';
import { createVethLink, type VethLink } from '../test/linux/netns.js';
import { memoryPerMep } from './linux-memory.js';
import { maid, procCpuTicks, sleep, whyNot } from './linux.bench.js';
import { floodAtPort, floodSenderUnavailable } from './linux-flood.js';
import { locTiming, txUnderLoad } from './linux-txloc.js';

export const name = 'linux receive datapaths (AF_PACKET vs eBPF)';

const SENDER_FLAG = '--cfm-rx-sender';

interface SenderArgs { port: string; netns: string; pairs: number }

const rxSpec = (port: string, mac: string, vlan: number, mepId: number, peer: number, tx: boolean, interval: IntervalCode): VoeSpec => ({
  key: `m${vlan}`, port, direction: 'down', level: 4, vlan, unicastMac: mac, mepId, maid, interval, priority: 7,
  peers: [peer], ccmTx: tx, ccmRx: !tx, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
});

/** The peers' process: `pairs` sending MEPs, re-made at the interval each message names. */
async function senderChild(a: SenderArgs): Promise<void> {
  const be = new SoftwareBackend({ ports: [a.port], netns: a.netns, datapath: 'af-packet' });
  let hs: number[] = [];
  process.on('message', (m: { interval?: IntervalCode; stop?: boolean }) => {
    void (async () => {
      for (const h of hs) await be.deleteVoe(h);
      hs = [];
      if (m.stop) {
        await be.close();
        process.exit(0);
      }
      for (let v = 1; v <= a.pairs; v++) hs.push(await be.createVoe(rxSpec(a.port, be.portMac(a.port), v, 2, 1, true, m.interval!)));
      process.send!('ready');
    })();
  });
  process.send!('ready');
}

/** One window of the receiving process: its own CPU, the peers' process CPU, CCMs, wakeups, program runs. */
interface RxWindow { cpuUs: number; wallS: number; peerCpuUs: number; ccms: number; up: number; wakeups: number; progNs: number; progRuns: number }

async function rxWindow(rx: SoftwareBackend, port: string, hs: number[], peerPid: number, seconds: number): Promise<RxWindow> {
  const bpf = rx.bpfStats();
  const probe = () => (bpf ? rx.bpfStats()! : { wakeups: rx.socketStats(port).rxBatches, programRunTimeNs: 0, programRuns: 0 });
  const count = async () => {
    let n = 0;
    let up = 0;
    for (const h of hs) {
      const st = await rx.readStatus(h);
      n += st.counters.ccmRxValid;
      if (st.peers[0].seen && !st.peers[0].loc) up++;
    }
    return { n, up };
  };
  const n0 = await count();
  const p0 = probe();
  const k0 = procCpuTicks(peerPid);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const c = process.cpuUsage(c0);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const k1 = procCpuTicks(peerPid);
  const p1 = probe();
  const n1 = await count();
  const tickUs = 1e6 / 100; // USER_HZ
  return {
    cpuUs: c.user + c.system, wallS, peerCpuUs: (k1 - k0) * tickUs, ccms: n1.n - n0.n, up: n1.up,
    wakeups: p1.wakeups - p0.wakeups, progNs: p1.programRunTimeNs - p0.programRunTimeNs, progRuns: p1.programRuns - p0.programRuns,
  };
}

/** Seconds for >= CFM_BENCH_RX_CCMS (20,000) received CCMs at `pairs` x `interval`. */
const rxSeconds = (pairs: number, interval: IntervalCode) =>
  Math.max(2, Math.ceil(Number(process.env.CFM_BENCH_RX_CCMS ?? 20_000) / (pairs * (1e9 / intervalNs(interval)))));

/** Per received CCM: the program (us), the receiving process over its idle (us), their sum (a negative process part counts 0). */
function rxCost(w: RxWindow, idle: RxWindow): { progUs: number; userUs: number; total: number } {
  const n = Math.max(1, w.ccms);
  const userUs = (w.cpuUs - (idle.cpuUs / idle.wallS) * w.wallS) / n;
  const progUs = w.progNs / 1e3 / n;
  return { progUs, userUs, total: progUs + Math.max(0, userUs) };
}

/** Rows of one datapath at one interval against its idle window (the same MEPs at the slowest interval). */
function rxRows(datapath: Datapath, pairs: number, ival: string, w: RxWindow, idle: RxWindow, maps = ''): BenchRow[] {
  const label = `${pairs} MEP pairs at ${ival}, ${datapath} receive${maps}`;
  const n = Math.max(1, w.ccms);
  const idleUsPerS = idle.cpuUs / idle.wallS;
  const { userUs, progUs, total } = rxCost(w, idle);
  const wake = w.wakeups / n;
  const rows: BenchRow[] = [];
  if (datapath !== 'af-packet') {
    rows.push({
      case: `BPF program per received CCM (kernel run-time statistics), ${label}`, value: progUs * 1e3, unit: 'ns',
      note: `${w.progRuns} runs, ${(w.progNs / Math.max(1, w.progRuns)).toFixed(0)} ns per run (incl. the statistics' two clock reads), ${w.ccms} CCMs`,
    });
  }
  rows.push({ case: `user-space wakeups per steady-state CCM, ${label}`, value: wake, unit: 'wakeups', target: '0', met: wake === 0, note: `${w.wakeups} wakeups` });
  rows.push({
    case: `receiving process CPU per CCM over its idle, ${label}`, value: userUs, unit: 'us',
    note: `${w.ccms} CCMs in ${w.wallS.toFixed(1)} s, ${w.up}/${pairs} up; (${(w.cpuUs / w.wallS / 1e4).toFixed(3)}% core - idle ${(idleUsPerS / 1e4).toFixed(3)}% core, `
      + `the same MEPs at 10 min over ${idle.wallS.toFixed(0)} s) / CCMs; peers' process (transmit + the veth and skb receive softirq every datapath pays${datapath === 'af-packet' ? ', and the packet socket\'s queueing' : ', and the program'}) ${(w.peerCpuUs / n).toFixed(2)} us per CCM, not counted`,
  });
  rows.push({
    case: `CPU per received CCM (program + receiving process over idle), ${label}`, value: total, unit: 'us', target: '<= 1 us', met: total <= 1,
    note: datapath === 'af-packet' ? 'the packet socket\'s softirq part (filter, clone, queue) is in the peers\' process and not counted: a lower bound' : `program ${progUs.toFixed(3)} + process ${userUs.toFixed(3)} us`,
  });
  return rows;
}

/**
 * The program as it was before 12-06 (issue 17's last CPU target): a steady-state CCM looked up
 * its MEP, then its peer (two hash lookups), every frame looked up cp_ports, and the MEP and peer
 * maps were never preallocated. The rx part
 * loads it beside the program as it is (`variant`, native/bpf/cfm.bpf.c cfg_*), interleaved.
 */
const BEFORE: BpfProgramVariant = { peerFirst: false, cpGate: false, prealloc: false };

interface AloneVariant { name: string; variant: BpfProgramVariant; policy?: boolean }
const ALONE_VARIANTS: AloneVariant[] = [
  { name: 'before (MEP then peer: 2 lookups; cp_ports per frame)', variant: BEFORE },
  { name: 'after (the peer only, with its MEP copy)', variant: {} },
  { name: 'after, MEP and peer maps preallocated (not the default)', variant: { prealloc: true } },
  { name: 'before, a CPU-protection policy on the port (CCMs policed per peer)', variant: BEFORE, policy: true },
  { name: 'after, a CPU-protection policy on the port (CCMs policed per peer)', variant: {}, policy: true },
];

/**
 * A typical CPU-protection policy on the bench's port (seed 002's shape): CCMs at every level
 * per source MAC, every other CFM frame at 100/s; port-wide binding. The bench's 64 peers share
 * one source MAC (one port), so their CCM rate is 20,000/s: none is dropped, every CCM is policed
 * (binding, clock, peer and bucket lookups) and then checked.
 */
function benchPolicy(port: string): Uint32Array {
  const r = parseConfig(`
board: { name: bench, ports: [${port}] }
cpu-protection:
  policy:
    - policy-id: 1
      eth-cfm:
        - { entry: 10, level: "0-7", opcode: "1", rate: 20000 }
        - { entry: 20, level: "0-7", opcode: "0-255", rate: 100 }
  binding:
    - { interface: ${port}, cpu-protection: 1, eth-cfm-monitoring: true }
`, { fileName: 'bench-policy.yaml' });
  if (!r.model) throw new Error(r.errors.map((e) => `${e.pointer}: ${e.message}`).join('; '));
  return encodeProgram(compileProtection(r.model), [port]);
}

const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2;
};

/**
 * The program alone (no backend, no user space behind it), maps sized like `cfm run` sizes them
 * (128/128 at 64 pairs): its run time per steady-state CCM (kernel run-time statistics over
 * consumed CCMs) in each variant, tc and xdp, interleaved (the order reversed every other
 * repetition), CFM_BENCH_RX_REPS (2) repetitions of CFM_BENCH_RX_ALONE_CCMS (5,120) CCMs each;
 * the median and the range.
 */
async function programAlone(link: VethLink, peersAt: (i: IntervalCode) => Promise<void>, pairs: number, intervals: IntervalCode[], modes: BpfMode[], cap: BpfCapacity): Promise<BenchRow[]> {
  const reps = Number(process.env.CFM_BENCH_RX_REPS ?? 2);
  const ccms = Number(process.env.CFM_BENCH_RX_ALONE_CCMS ?? 5120);
  const rows: BenchRow[] = [];
  for (const interval of intervals) {
    await peersAt(interval);
    const seconds = Math.max(2, Math.ceil(ccms / (pairs * (1e9 / intervalNs(interval)))));
    const samples = new Map<string, number[]>();
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 ? [...ALONE_VARIANTS].reverse() : ALONE_VARIANTS;
      for (const mode of modes) {
        for (const v of order) {
          const dp = new BpfDatapath({ mode, netns: link.nsA, maxMeps: cap.meps, maxPeers: cap.peers, variant: v.variant }, () => undefined);
          try {
            const ifindex = dp.attach(link.ifA);
            for (let vl = 1; vl <= pairs; vl++) {
              dp.setMep(ifindex, vl, 4, { maid, mepId: 1, interval, intervalNs: intervalNs(interval), timeoutNs: remoteMepTimeoutNs(interval), priority: 7, handle: vl });
              dp.setPeer(ifindex, vl, 4, 2, remoteMepTimeoutNs(interval));
            }
            if (v.policy) {
              dp.cpConfigure(benchPolicy(link.ifA));
              dp.cpPort(ifindex, 0);
            }
            await sleep(1500);
            const s0 = dp.stats();
            await sleep(seconds * 1000);
            const s1 = dp.stats();
            const n = s1.consumed - s0.consumed;
            const key = `${mode}\u0000${v.name}`;
            samples.set(key, [...(samples.get(key) ?? []), n > 0 ? (s1.programRunTimeNs - s0.programRunTimeNs) / n : NaN]);
          } finally {
            dp.close();
          }
        }
      }
    }
    for (const mode of modes) {
      for (const v of ALONE_VARIANTS) {
        const xs = samples.get(`${mode}\u0000${v.name}`) ?? [];
        rows.push({
          case: `BPF program per steady-state CCM, ${mode} alone, ${v.name}, maps ${cap.meps}/${cap.peers}, ${pairs} pairs at ${intervalNs(interval) / 1e6} ms`,
          value: median(xs), unit: 'ns',
          note: `median of ${xs.length} (${xs.map((x) => x.toFixed(0)).join(', ')}), ${seconds} s each, interleaved`,
        });
      }
    }
  }
  return rows;
}

/**
 * The receive datapaths side by side (issue 17): `pairs` sender MEPs (one per VLAN) in a process
 * of their own (the peers), as many receive-only MEPs here, on each datapath. What a received CCM
 * costs, in parts that can be measured exactly or over enough CCMs:
 * - the BPF program (tc, xdp): the kernel's run-time statistics (BPF_ENABLE_STATS for the part),
 *   run_time_ns / run_cnt of the program over the window: exact, per run and per CCM;
 * - user-space wakeups (receive batches on AF_PACKET, ring-buffer wakeups on eBPF) per CCM;
 * - this process's CPU over its idle: the same process with the same 64 MEPs at the slowest
 *   interval (10 min) on both ends, measured first (no CCMs, no LOC: the process's own timers,
 *   the safety poll, GC), subtracted per second from the window with the peers at 100 ms / 10 ms.
 * The veth transmit and the skb receive work (netif_rx, the softirq that runs tc and xdp) run in
 * the sending process's context: every Linux datapath pays them (and Open vSwitch too); they are
 * in no figure here, only in the note (the peers' process CPU per CCM).
 */
async function rxDatapaths(pairs: number, intervals: IntervalCode[], datapaths: Datapath[], withBackend = true): Promise<BenchRow[]> {
  const link = await createVethLink('cbr');
  const stats = datapaths.some((d) => d !== 'af-packet') ? enableBpfRunTimeStats() : undefined;
  const peers = fork(fileURLToPath(import.meta.url), [SENDER_FLAG, JSON.stringify({ port: link.ifB, netns: link.nsB, pairs })],
    { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peersAt = (interval: IntervalCode) => new Promise<void>((r) => { peers.once('message', () => r()); peers.send({ interval }); });
  const rows: BenchRow[] = [];
  const idleS = Number(process.env.CFM_BENCH_RX_IDLE_SECONDS ?? 10);
  try {
    await new Promise<void>((r) => peers.once('message', () => r()));
    // eBPF with the maps sized like `cfm run` sizes them for these MEPs
    // (src/offload/run/bpf-capacity.ts: 64 MEPs + 64 peers -> 128 each), the program before and
    // after (BEFORE above) interleaved, CFM_BENCH_RX_BACKEND_REPS (2) times, the order reversed
    // every other time; with CFM_BENCH_RX_FULL=1 then once at full size (the library default), after
    const sized: BpfCapacity = { meps: headroom(pairs, BPF_MAX_CAPACITY.meps), peers: headroom(pairs, BPF_MAX_CAPACITY.peers) };
    const reps = Number(process.env.CFM_BENCH_RX_BACKEND_REPS ?? 2);
    type Variant = { d: Datapath; cap?: BpfCapacity; before?: boolean };
    const variants: Variant[] = datapaths.filter((d) => d === 'af-packet').map((d) => ({ d }));
    const ebpf = datapaths.filter((d) => d !== 'af-packet');
    for (let rep = 0; rep < (withBackend ? reps : 0); rep++) {
      for (const d of ebpf) {
        const pair: Variant[] = [{ d, cap: sized, before: true }, { d, cap: sized }];
        variants.push(...(rep % 2 ? pair.reverse() : pair));
      }
    }
    if (!withBackend) variants.length = 0;
    else if (process.env.CFM_BENCH_RX_FULL === '1') for (const d of ebpf) variants.push({ d });
    const summary = new Map<string, ReturnType<typeof rxCost>[]>();
    for (const { d: datapath, cap, before } of variants) {
      const maps = datapath === 'af-packet' ? '' : `${cap ? `, maps sized ${cap.meps}/${cap.peers}` : ', maps at full size'}, program ${before ? 'before (2 lookups)' : 'after (1 lookup)'}`;
      setBpfProgramVariantForBench(before ? BEFORE : undefined);
      const rx = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath, bpfCapacity: cap });
      setBpfProgramVariantForBench(undefined);
      let hs: number[] = [];
      const meps = async (interval: IntervalCode) => {
        for (const h of hs) await rx.deleteVoe(h);
        hs = [];
        await peersAt(interval);
        for (let v = 1; v <= pairs; v++) hs.push(await rx.createVoe(rxSpec(link.ifA, rx.portMac(link.ifA), v, 1, 2, false, interval)));
        await sleep(1500);
      };
      try {
        await meps(7);
        const idle = await rxWindow(rx, link.ifA, hs, peers.pid!, idleS);
        for (const interval of intervals) {
          await meps(interval);
          const w = await rxWindow(rx, link.ifA, hs, peers.pid!, rxSeconds(pairs, interval));
          rows.push(...rxRows(datapath, pairs, `${intervalNs(interval) / 1e6} ms`, w, idle, maps));
          if (cap && datapath !== 'af-packet') {
            const key = `${datapath}\u0000${before ? 'before' : 'after'}\u0000${interval}`;
            summary.set(key, [...(summary.get(key) ?? []), rxCost(w, idle)]);
          }
        }
      } finally {
        for (const h of hs) await rx.deleteVoe(h);
        await rx.close();
      }
    }
    // before/after side by side: the median of the repetitions, program and total per CCM
    for (const d of ebpf) {
      for (const interval of intervals) {
        for (const when of ['before', 'after'] as const) {
          const xs = summary.get(`${d}\u0000${when}\u0000${interval}`) ?? [];
          if (!xs.length) continue;
          const total = median(xs.map((x) => x.total));
          rows.push({
            case: `CPU per received CCM, ${d}, program ${when === 'before' ? 'before (MEP then peer: 2 lookups)' : 'after (1 lookup)'}, maps ${sized.meps}/${sized.peers}, ${pairs} pairs at ${intervalNs(interval) / 1e6} ms: median of ${xs.length}`,
            value: total, unit: 'us', target: '<= 1 us', met: xs.every((x) => x.total <= 1),
            note: `totals ${xs.map((x) => x.total.toFixed(3)).join(', ')}; program ${xs.map((x) => (x.progUs * 1e3).toFixed(0)).join(', ')} ns (median ${(median(xs.map((x) => x.progUs)) * 1e3).toFixed(0)}); met = every repetition`,
          });
        }
      }
    }
    if (stats) rows.push(...(await programAlone(link, peersAt, pairs, intervals, ebpf as BpfMode[], sized)));
  } finally {
    peers.send({ stop: true });
    stats?.close();
    await link.cleanup();
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const why = whyNot();
  if (why) {
    console.warn(`linux datapath bench skipped: ${why}`);
    return [];
  }
  const bpfWhy = bpfUnavailableReason();
  if (bpfWhy) console.warn(`linux datapath bench: eBPF rows skipped: ${bpfWhy}`);
  const dps: Datapath[] = bpfWhy ? ['af-packet'] : ['af-packet', 'tc'];
  const rows: BenchRow[] = [];
  // CFM_BENCH_ONLY=rx,memory,loc,tx,flood runs those parts only (rxalone: the program alone, before/after)
  const only = process.env.CFM_BENCH_ONLY?.split(',');
  const want = (part: string) => !only || only.includes(part);
  // rx: CFM_BENCH_RX_CCMS (20,000) CCMs per window (32 s at 100 ms), CFM_BENCH_RX_IDLE_SECONDS (10) idle
  if (want('rx')) rows.push(...(await rxDatapaths(64, [3, 2], bpfWhy ? dps : [...dps, 'xdp'])));
  // rxalone: the eBPF program alone before/after (the rx part's last rows), no backend windows
  else if (want('rxalone') && !bpfWhy) rows.push(...(await rxDatapaths(64, [3, 2], ['tc', 'xdp'], false)));
  // memory: each case in fresh child processes, CFM_BENCH_MEMORY_REPS (3) of them, the median
  if (want('memory')) rows.push(...(await memoryPerMep(256, dps, Number(process.env.CFM_BENCH_MEMORY_REPS ?? 3))));
  // loc and tx: bench/linux-txloc.ts; the event thread at nice 0 too (before) at 3.33 ms and 10 ms
  if (want('loc')) {
    // 10 silences at 3.33 ms and 10 ms (a few seconds each), 3 at 100 ms and 1 s
    for (const interval of [1, 2, 3, 4] as IntervalCode[]) for (const dp of dps) rows.push(...(await locTiming(interval, dp, interval <= 2 ? 10 : 3)));
    for (const interval of [1, 2] as IntervalCode[]) for (const dp of dps) rows.push(...(await locTiming(interval, dp, 10, false)));
    // AF_PACKET with the checkers' loss deadline as a setTimeout (before the timerfd, issue 17)
    for (const interval of [1, 2] as IntervalCode[]) if (dps.includes('af-packet')) rows.push(...(await locTiming(interval, 'af-packet', 10, true, 'js')));
  }
  // CFM_BENCH_LONG=1: the issue's 60 s transmit and flood runs (3 minutes more); default 20 s / 10 s
  const long = process.env.CFM_BENCH_LONG === '1';
  if (!long) console.warn('linux datapath bench: transmit and flood runs shortened to 20 s / 10 s (CFM_BENCH_LONG=1 for 60 s each)');
  if (want('tx')) rows.push(...(await txUnderLoad(long ? 60 : 20)));
  // the flood (bench/linux-flood.ts) on every datapath, XDP too; the kernel's live-frames
  // generator unless CFM_BENCH_FLOOD_SENDER=sendmmsg, CFM_BENCH_FLOOD_GENS threads (default 1)
  if (want('flood')) {
    const sender = process.env.CFM_BENCH_FLOOD_SENDER === 'sendmmsg' ? 'sendmmsg' : 'xdp-live';
    const gens = Number(process.env.CFM_BENCH_FLOOD_GENS ?? 1);
    const senderWhy = floodSenderUnavailable(sender);
    if (senderWhy) console.warn(`linux datapath bench: flood skipped: ${senderWhy}`);
    else for (const dp of bpfWhy ? dps : [...dps, 'xdp' as const]) rows.push(...(await floodAtPort(long ? 60 : 10, dp, sender, gens)));
    // AF_PACKET with CCMs and the flood in one socket queue (before the split, issue 17)
    if (!senderWhy) rows.push(...(await floodAtPort(long ? 60 : 10, 'af-packet', sender, gens, false)));
  }
  return rows;
}

if (process.argv[2] === SENDER_FLAG && process.send) {
  senderChild(JSON.parse(process.argv[3]!) as SenderArgs).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
