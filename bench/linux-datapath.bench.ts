/**
 * The Linux receive datapaths side by side (issue 17), AF_PACKET vs the eBPF fast path (tc), in
 * one run (root + network namespaces; otherwise it prints why and returns no rows):
 * - CPU per received CCM, 64 MEP pairs at 100 ms and 10 ms, AF_PACKET, tc and xdp: the BPF
 *   program's kernel run time, user-space wakeups, and the receiving process over its idle
 *   (rxDatapaths below);
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
import { BpfDatapath, bpfUnavailableReason, enableBpfRunTimeStats } from '../src/native/bpf.js';
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

/** Rows of one datapath at one interval against its idle window (the same MEPs at the slowest interval). */
function rxRows(datapath: Datapath, pairs: number, ival: string, w: RxWindow, idle: RxWindow, maps = ''): BenchRow[] {
  const label = `${pairs} MEP pairs at ${ival}, ${datapath} receive${maps}`;
  const n = Math.max(1, w.ccms);
  const idleUsPerS = idle.cpuUs / idle.wallS;
  const userUs = (w.cpuUs - idleUsPerS * w.wallS) / n;
  const progUs = w.progNs / 1e3 / n;
  const wake = w.wakeups / n;
  const total = progUs + Math.max(0, userUs);
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
 * The tc program alone, loaded here without the backend (no user space behind it), with its MEP
 * and peer maps at full size and sized to 256 (`maxMeps` / `maxPeers`): its run time per CCM with
 * the peers at `interval` (the backend sizes them with `bpfCapacity`: rxDatapaths' sized rows).
 */
async function programBySize(link: VethLink, pairs: number, interval: IntervalCode): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const cap of [undefined, 256]) {
    const dp = new BpfDatapath({ mode: 'tc', netns: link.nsA, maxMeps: cap, maxPeers: cap }, () => undefined);
    try {
      const ifindex = dp.attach(link.ifA);
      for (let v = 1; v <= pairs; v++) {
        dp.setMep(ifindex, v, 4, { maid, mepId: 1, interval, intervalNs: intervalNs(interval), timeoutNs: remoteMepTimeoutNs(interval), priority: 7, handle: v });
        dp.setPeer(ifindex, v, 4, 2, remoteMepTimeoutNs(interval));
      }
      await sleep(1500);
      const s0 = dp.stats();
      await sleep(rxSeconds(pairs, interval) * 1000);
      const s1 = dp.stats();
      const ns = (s1.programRunTimeNs - s0.programRunTimeNs) / Math.max(1, s1.consumed - s0.consumed);
      rows.push({
        case: `BPF program per received CCM, maps ${cap === undefined ? 'at full size (8192 MEPs, 65536 peers)' : `sized to ${cap}`}, tc alone, ${pairs} MEP pairs at ${intervalNs(interval) / 1e6} ms`,
        value: ns, unit: 'ns', note: `${s1.consumed - s0.consumed} CCMs stopped in the kernel, ${s1.programRuns - s0.programRuns} runs`,
      });
    } finally {
      dp.close();
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
async function rxDatapaths(pairs: number, intervals: IntervalCode[], datapaths: Datapath[]): Promise<BenchRow[]> {
  const link = await createVethLink('cbr');
  const stats = datapaths.some((d) => d !== 'af-packet') ? enableBpfRunTimeStats() : undefined;
  const peers = fork(fileURLToPath(import.meta.url), [SENDER_FLAG, JSON.stringify({ port: link.ifB, netns: link.nsB, pairs })],
    { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const peersAt = (interval: IntervalCode) => new Promise<void>((r) => { peers.once('message', () => r()); peers.send({ interval }); });
  const rows: BenchRow[] = [];
  const idleS = Number(process.env.CFM_BENCH_RX_IDLE_SECONDS ?? 10);
  try {
    await new Promise<void>((r) => peers.once('message', () => r()));
    // eBPF twice: maps at full size (the library default) and sized like `cfm run` sizes them for
    // these MEPs (src/offload/run/bpf-capacity.ts: 64 MEPs + 64 peers -> 128 each), before/after
    const sized: BpfCapacity = { meps: headroom(pairs, BPF_MAX_CAPACITY.meps), peers: headroom(pairs, BPF_MAX_CAPACITY.peers) };
    const variants = datapaths.flatMap((d): { d: Datapath; cap?: BpfCapacity }[] => (d === 'af-packet' ? [{ d }] : [{ d }, { d, cap: sized }]));
    for (const { d: datapath, cap } of variants) {
      const maps = datapath === 'af-packet' ? '' : cap ? `, maps sized ${cap.meps}/${cap.peers}` : ', maps at full size';
      const rx = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath, bpfCapacity: cap });
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
        }
      } finally {
        for (const h of hs) await rx.deleteVoe(h);
        await rx.close();
      }
    }
    // the peers are at the last interval now
    if (stats) rows.push(...(await programBySize(link, pairs, intervals[intervals.length - 1]!)));
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
  // CFM_BENCH_ONLY=rx,memory,loc,tx,flood runs those parts only
  const only = process.env.CFM_BENCH_ONLY?.split(',');
  const want = (part: string) => !only || only.includes(part);
  // rx: CFM_BENCH_RX_CCMS (20,000) CCMs per window (32 s at 100 ms), CFM_BENCH_RX_IDLE_SECONDS (10) idle
  if (want('rx')) rows.push(...(await rxDatapaths(64, [3, 2], bpfWhy ? dps : [...dps, 'xdp'])));
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
