/**
 * The Linux receive datapaths side by side (issue 17), AF_PACKET vs the eBPF fast path (tc), in
 * one run (root + network namespaces; otherwise it prints why and returns no rows):
 * - CPU per received CCM (kernel + user space, over a sender-only baseline measured in the same
 *   run) and user-space wakeups per steady-state CCM, 64 MEP pairs at 100 ms and 10 ms;
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
import { bpfUnavailableReason } from '../src/native/bpf.js';
import { SoftwareBackend } from '../src/backends/software/backend.js';
import type { Datapath } from '../src/backends/software/bpf-rx.js';
import type { VoeSpec } from '../src/backends/types.js';
import { intervalNs, type IntervalCode } from '../src/common/interval.js';
import { createVethLink } from '../test/linux/netns.js';
import { memoryPerMep } from './linux-memory.js';
import { maid, sleep, whyNot } from './linux.bench.js';
import { floodAtPort, floodSenderUnavailable } from './linux-flood.js';
import { locTiming, txUnderLoad } from './linux-txloc.js';

export const name = 'linux receive datapaths (AF_PACKET vs eBPF)';

/**
 * The receive datapaths side by side (issue 17): `pairs` sender MEPs (one per VLAN) at
 * `interval` in one namespace, as many receive-only MEPs in the other. Windows in one run: the
 * sender alone (the receiving end has no MEPs and no socket: the baseline, which includes the veth
 * receive work every datapath pays), then the receiver on each datapath.
 * CPU per received CCM = (this process's CPU - baseline) / CCMs received; wakeups = receive
 * batches (AF_PACKET) or ring-buffer wakeups (eBPF) per received CCM.
 */
async function rxDatapaths(pairs: number, interval: IntervalCode, seconds: number, datapaths: Datapath[]): Promise<BenchRow[]> {
  const link = await createVethLink('cbr');
  const spec = (port: string, mac: string, vlan: number, mepId: number, peer: number, tx: boolean): VoeSpec => ({
    key: `m${vlan}`, port, direction: 'down', level: 4, vlan, unicastMac: mac, mepId, maid, interval, priority: 7,
    peers: [peer], ccmTx: tx, ccmRx: !tx, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
  });
  const sender = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet' });
  const rows: BenchRow[] = [];
  const ival = interval === 1 ? '3.33 ms' : `${intervalNs(interval) / 1e6} ms`;
  try {
    for (let v = 1; v <= pairs; v++) await sender.createVoe(spec(link.ifB, sender.portMac(link.ifB), v, 2, 1, true));
    await sleep(500);
    const window = async () => {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await sleep(seconds * 1000);
      const c = process.cpuUsage(c0);
      return { cpuUs: c.user + c.system, wallS: Number(process.hrtime.bigint() - t0) / 1e9 };
    };
    const base = await window();
    const baseUsPerS = base.cpuUs / base.wallS;
    for (const datapath of datapaths) {
      const rx = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath });
      try {
        const hs: number[] = [];
        for (let v = 1; v <= pairs; v++) hs.push(await rx.createVoe(spec(link.ifA, rx.portMac(link.ifA), v, 1, 2, false)));
        await sleep(1000);
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
        const wakeups = () => (datapath === 'af-packet' ? rx.socketStats(link.ifA).rxBatches : rx.bpfStats()!.wakeups);
        const n0 = await count();
        const w0 = wakeups();
        const w = await window();
        const w1 = wakeups();
        const n1 = await count();
        const ccms = n1.n - n0.n;
        const perCcm = (w.cpuUs - baseUsPerS * w.wallS) / Math.max(1, ccms);
        const wake = (w1 - w0) / Math.max(1, ccms);
        const label = `${pairs} MEP pairs at ${ival}, ${datapath} receive`;
        rows.push({
          case: `CPU per received CCM (kernel + user), ${label}`, value: perCcm, unit: 'us', target: '<= 1 us', met: perCcm <= 1,
          note: `${ccms} CCMs, ${n1.up}/${pairs} up; (this process ${(w.cpuUs / w.wallS / 1e4).toFixed(1)}% core - sender-only baseline ${(baseUsPerS / 1e4).toFixed(1)}%) / CCMs`,
        });
        rows.push({ case: `user-space wakeups per steady-state CCM, ${label}`, value: wake, unit: 'wakeups', target: '0', met: wake === 0, note: `${w1 - w0} wakeups` });
      } finally {
        await rx.close();
      }
    }
  } finally {
    await sender.close();
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
  if (want('rx')) for (const interval of [3, 2] as IntervalCode[]) rows.push(...(await rxDatapaths(64, interval, 4, dps)));
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
  // CFM_BENCH_LONG=1: the 60 s transmit and flood runs (3 minutes more); default 20 s / 10 s
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
