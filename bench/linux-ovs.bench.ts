/**
 * CPU per CCM against Open vSwitch (issue 17 target: no worse than OVS at any N from 1 to 256 at
 * 1 s, 100 ms and 10 ms): N sessions, each a veth pair between our namespace and one where a
 * private ovs-vswitchd (netdev datapath) runs CFM on the other end. Per N the links and OVS are
 * set up once; per interval OVS's cfm_interval is set, and per receive datapath (AF_PACKET, eBPF
 * tc) a software backend with N MEPs peers with it. One window each: this process's CPU
 * (process.cpuUsage, the bench's own idle included) and ovs-vswitchd's (/proc, USER_HZ) over the
 * same CCMs (every CCM counted once sent and once received by our side). Combinations with too
 * few CCMs in a window for the 10 ms resolution of the OVS side are skipped with the reason.
 * `CFM_BENCH_OVS_N=1,16` picks the N.
 */
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

const WINDOW_S = 4;
const MIN_CCMS = 400; // per window: ovs-vswitchd's CPU is read in 10 ms ticks
const HZ = 100; // USER_HZ
const OVS_MAID = encodeMaid({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' } });

async function measure(ovs: Ovs, ports: string[], nsA: string, interval: IntervalCode, datapath: Datapath): Promise<BenchRow[]> {
  const be = new SoftwareBackend({ ports, netns: nsA, datapath });
  try {
    const handles: number[] = [];
    for (const port of ports) {
      handles.push(await be.createVoe({ key: port, port, direction: 'down', level: 0, vlan: 0, unicastMac: be.portMac(port), mepId: 2, maid: OVS_MAID, interval, priority: 7, peers: [1], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0 }));
    }
    await sleep(Math.max(1500, (intervalNs(interval) / 1e6) * 2.5));
    const before = await Promise.all(handles.map((h) => be.readStatus(h)));
    const up = before.filter((s) => s.peers[0].seen && !s.peers[0].loc).length;
    const o0 = procCpuTicks(ovs.vswitchdPid);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await sleep(WINDOW_S * 1000);
    const c = process.cpuUsage(c0);
    const o1 = procCpuTicks(ovs.vswitchdPid);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const after = await Promise.all(handles.map((h) => be.readStatus(h)));
    let ccms = 0;
    after.forEach((s, i) => (ccms += s.counters.ccmTx - before[i].counters.ccmTx + s.counters.ccmRxValid - before[i].counters.ccmRxValid));
    const oursUs = ((c.user + c.system) / Math.max(1, ccms));
    const ovsUs = (((o1 - o0) / HZ) * 1e6) / Math.max(1, ccms);
    const ival = `${intervalNs(interval) / 1e6} ms`;
    return [{
      case: `CPU per CCM, ${ports.length} sessions at ${ival}, ${datapath} vs ovs-vswitchd`,
      value: oursUs, unit: 'us', target: `<= OVS`, met: oursUs <= ovsUs,
      note: `OVS ${ovsUs.toFixed(1)} us; ${ccms} CCMs in ${wallS.toFixed(1)} s, ${up}/${ports.length} up; ours = this whole process`,
    }];
  } finally {
    await be.close();
  }
}

async function forN(n: number, intervals: IntervalCode[], dps: Datapath[]): Promise<BenchRow[]> {
  const nsA = await createNetns('cvo');
  const nsB = await createNetns('cvv');
  let ovs: Ovs | undefined;
  const rows: BenchRow[] = [];
  try {
    ovs = await startOvs(nsB);
    const { ours, theirs } = await ovsBridgeWithVeths(ovs, nsA, nsB, n);
    let added = false;
    for (const interval of intervals) {
      const ms = intervalNs(interval) / 1e6;
      const ccms = (n * 2 * WINDOW_S * 1000) / ms;
      if (ccms < MIN_CCMS) {
        console.warn(`linux-ovs bench: ${n} sessions at ${ms} ms skipped: ${ccms} CCMs in a ${WINDOW_S} s window, too few for ovs-vswitchd's 10 ms CPU ticks (${MIN_CCMS} needed)`);
        continue;
      }
      const args: string[] = [];
      for (const b of theirs) {
        if (!added) args.push('--', 'add-port', 'br-cfm', b);
        args.push('--', 'set', 'Interface', b, 'cfm_mpid=1', `other_config:cfm_interval=${ms}`, 'other_config:cfm_extended=false');
      }
      added = true;
      await ovs.vsctl(...args);
      for (const dp of dps) rows.push(...(await measure(ovs, ours, nsA, interval, dp)));
    }
  } finally {
    await ovs?.stop();
    await deleteNetns(nsA);
    await deleteNetns(nsB);
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const why = whyNot() ?? (haveOvs() ? undefined : 'Open vSwitch is not installed');
  if (why) {
    console.warn(`linux-ovs bench skipped: ${why}`);
    return [];
  }
  const bpfWhy = bpfUnavailableReason();
  if (bpfWhy) console.warn(`linux-ovs bench: eBPF rows skipped: ${bpfWhy}`);
  const dps: Datapath[] = bpfWhy ? ['af-packet'] : ['af-packet', 'tc'];
  const ns = (process.env.CFM_BENCH_OVS_N ?? '1,16,64,256').split(',').map(Number).filter((x) => x > 0);
  const rows: BenchRow[] = [];
  for (const n of ns) rows.push(...(await forN(n, [4, 3, 2] as IntervalCode[], dps)));
  return rows;
}
