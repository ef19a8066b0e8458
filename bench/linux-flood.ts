/**
 * The CFM flood at one port (issue 17: "a 1 M frames/s CFM flood at one port: dropped in the
 * kernel; MEPs on that port at 100 ms keep 0 false LOC for 60 s"), run by
 * bench/linux-datapath.bench.ts (`CFM_BENCH_ONLY=flood`, `CFM_BENCH_LONG=1` for 60 s) on every
 * receive datapath (AF_PACKET, eBPF tc, eBPF XDP).
 *
 * 8 MEP pairs at 100 ms (one per VLAN, level 5) across a veth; CPU protection on our port drops
 * level-2 frames (rate 0). The flood: level-2 LBMs into our port from the far side for `seconds`,
 * sent by
 * - `xdp-live` (default): the kernel's own generator, src/native/flood-gen.ts (BPF_PROG_RUN in
 *   live-frames mode redirecting out of the far veth: no skb, no system call per frame), one or
 *   more thread-pool threads (CFM_BENCH_FLOOD_GENS, default 1). The frames arrive through our
 *   veth's NAPI like a NIC's: our XDP program, or (GRO on, set here) an skb for tc / AF_PACKET;
 * - `sendmmsg` (CFM_BENCH_FLOOD_SENDER=sendmmsg): a worker thread with a transmit-only packet
 *   socket, 64 frames per call (each frame an skb; ~0.5 M frames/s at most on this VM).
 * Rows: offered rate, where the frames went (dropped by CPU protection in the program or on the
 * socket, lost in the socket queue, lost in the veth ring before any program), false LOCs on the
 * 8 MEPs (target 0), CPU of this process (the generator and the kernel work it triggers included)
 * and of the whole machine.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { BenchRow } from './run.js';
import { ADDON_PATH } from '../src/native/addon.js';
import { floodXdp, floodXdpUnavailableReason } from '../src/native/flood-gen.js';
import { SoftwareBackend } from '../src/backends/software/backend.js';
import type { Datapath } from '../src/backends/software/bpf-rx.js';
import type { VoeSpec } from '../src/backends/types.js';
import { parseConfig } from '../src/config/index.js';
import { setupProtection } from '../src/cpu-protection/setup.js';
import { encodeFrame, type Pdu } from '../src/pdu/index.js';
import { createVethLink, ip } from '../test/linux/netns.js';
import { maid, SENDER, sleep } from './linux.bench.js';

export type FloodSender = 'xdp-live' | 'sendmmsg';

const run = promisify(execFile);

/** GRO on a veth end gives it a NAPI receive ring: what live XDP frames redirected to it need without an XDP program. */
export async function vethGro(netns: string, ifname: string, on: boolean): Promise<void> {
  await run('ip', ['netns', 'exec', netns, 'ethtool', '-K', ifname, 'gro', on ? 'on' : 'off']);
}

/**
 * Frames the sending veth end could not hand to its peer's receive ring (dropped before any
 * program): for live XDP frames the ring's refusals (ethtool -S tx_queue_0_xdp_xmit_errors; the
 * veth counts them in its TX dropped too, so that is not added), for the packet-socket sender's
 * skbs TX dropped (`ip -s link`). Our end's rx_dropped is no measure: it also counts every CFM
 * frame the stack has no protocol handler for.
 */
async function ringDropsAt(netns: string, ifname: string, sender: FloodSender): Promise<number> {
  if (sender === 'xdp-live') {
    const { stdout } = await run('ip', ['netns', 'exec', netns, 'ethtool', '-S', ifname]);
    return Number(/\btx_queue_0_xdp_xmit_errors: (\d+)/.exec(stdout)?.[1] ?? 0);
  }
  const j = JSON.parse(await ip('-n', netns, '-s', '-j', 'link', 'show', ifname)) as { stats64: { tx: { dropped: number } } }[];
  return j[0].stats64.tx.dropped;
}

/** Busy and softirq jiffies of the whole machine (/proc/stat), and all jiffies. */
function machineJiffies(): { busy: number; softirq: number; all: number } {
  const c = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: c[0] + c[1] + c[2] + c[5] + c[6] + c[7], softirq: c[6], all: c.reduce((x, y) => x + y, 0) };
}

/** Why the flood cannot be sent by `sender` here, else undefined. */
export function floodSenderUnavailable(sender: FloodSender): string | undefined {
  return sender === 'xdp-live' ? floodXdpUnavailableReason() : undefined;
}

async function sendFlood(sender: FloodSender, gens: number, netns: string, ifname: string, frame: Uint8Array, ms: number): Promise<number> {
  if (sender === 'xdp-live') {
    const rs = await Promise.all(Array.from({ length: gens }, () => floodXdp({ ifname, netns, frame, durationMs: ms })));
    return rs.reduce((n, r) => n + r.sent, 0);
  }
  const batch = Array.from({ length: 64 }, () => frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength));
  const sent = await Promise.all(Array.from({ length: gens }, () => new Promise<number>((res, rej) => {
    const w = new Worker(SENDER, { eval: true, workerData: { addonPath: ADDON_PATH, ifname, netns, frames: batch, ms } });
    w.once('message', res);
    w.once('error', rej);
  })));
  return sent.reduce((n, x) => n + x, 0);
}

/** `splitCcm` false: AF_PACKET with one socket for CCMs and the flood (before the split, issue 17). */
export async function floodAtPort(seconds: number, datapath: Datapath, sender: FloodSender = 'xdp-live', gens = 1, splitCcm = true): Promise<BenchRow[]> {
  const link = await createVethLink('cbf');
  const ours = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath, splitCcm });
  const far = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet' });
  let locs = 0;
  ours.onEvent((ev) => {
    if (ev.kind === 'loc' && ev.active) locs++;
  });
  let prot: Awaited<ReturnType<typeof setupProtection>> | undefined;
  try {
    // live XDP frames need our end's NAPI ring: the XDP program gives it one, GRO on for the others
    if (sender === 'xdp-live' && datapath !== 'xdp') await vethGro(link.nsA, link.ifA, true);
    const r = parseConfig(`
cpu-protection:
  policy:
    - policy-id: 1
      eth-cfm:
        - { entry: 10, level: 2, opcode: "0-255", rate: 0 }
  binding:
    - { interface: ${link.ifA}, cpu-protection: 1, eth-cfm-monitoring: { aggregate: true } }
`, { fileName: 'flood.yaml' });
    prot = await setupProtection(r.model!, ours);
    const spec = (port: string, mac: string, vlan: number, mepId: number, peer: number): VoeSpec => ({
      key: `m${vlan}`, port, direction: 'down', level: 5, vlan, unicastMac: mac, mepId, maid, interval: 3, priority: 7,
      peers: [peer], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
    });
    const farHandles: number[] = [];
    const ourHandles: number[] = [];
    for (let v = 1; v <= 8; v++) {
      ourHandles.push(await ours.createVoe(spec(link.ifA, ours.portMac(link.ifA), v, 1, 2)));
      farHandles.push(await far.createVoe(spec(link.ifB, far.portMac(link.ifB), v, 2, 1)));
    }
    // the far side's CCMs sent in the window: a false LOC with fewer sent than due is a stalled
    // sender (this shared VM), not a CCM lost on our side
    const farTx = async () => (await Promise.all(farHandles.map((h) => far.readStatus(h)))).reduce((n, st) => n + st.counters.ccmTx, 0);
    const ourRx = async () => (await Promise.all(ourHandles.map((h) => ours.readStatus(h)))).reduce((n, st) => n + st.counters.ccmRxValid, 0);
    await sleep(1500);
    locs = 0;
    const lbm = encodeFrame({ dst: link.macA, src: '02:aa:00:00:00:01', vlans: [], pdu: { level: 2, version: 0, opcode: 3, flags: 0, transactionId: 1, tlvs: [] } as unknown as Pdu });
    const ring0 = await ringDropsAt(link.nsB, link.ifB, sender);
    const bpf0 = ours.bpfStats();
    if (datapath === 'af-packet') ours.socketStats(link.ifA); // zeroes the kernel's queue-drop count
    const tx0 = await farTx();
    const rx0 = await ourRx();
    const m0 = machineJiffies();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const sent = await sendFlood(sender, gens, link.nsB, link.ifB, lbm, seconds * 1000);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    await sleep(500); // > 3.5 intervals: a LOC from the flood's last moments is counted too
    const c = process.cpuUsage(c0);
    const m1 = machineJiffies();
    const farSent = (await farTx()) - tx0;
    const ourValid = (await ourRx()) - rx0;
    const farDue = 8 * 10 * (wallS + 0.5);
    const ring1 = await ringDropsAt(link.nsB, link.ifB, sender);
    const bpf1 = ours.bpfStats();
    const counters = await prot.counters();
    const policed = counters.reduce((n, x) => n + x.buckets.reduce((m, b) => m + b.dropped, 0), 0);
    const qs = datapath === 'af-packet' ? ours.socketStats(link.ifA) : undefined;
    const queueDrops = qs?.rxKernelDrops ?? 0;
    const queueWhere = qs?.split ? ` (CCM socket ${qs.rxKernelDropsCcm}, other opcodes' socket ${qs.rxKernelDropsOther})` : '';
    const ringDrops = ring1 - ring0;
    const seen = bpf0 && bpf1 ? bpf1.cfmFrames - bpf0.cfmFrames : undefined;
    const pct = (n: number) => `${((100 * n) / Math.max(1, sent)).toFixed(2)} %`;
    const machinePct = (100 * (m1.busy - m0.busy)) / Math.max(1, m1.all - m0.all);
    const softPct = (100 * (m1.softirq - m0.softirq)) / Math.max(1, m1.all - m0.all);
    const sockets = datapath === 'af-packet' ? (splitCcm ? ', CCM socket apart' : ', one socket (before)') : '';
    const label = `CFM flood at one port, ${datapath} receive${sockets}, ${sender}${gens > 1 ? ` x${gens}` : ''}, ${seconds} s`;
    const where = datapath === 'af-packet' ? 'native policer on the socket' : 'in the eBPF program';
    return [
      { case: `${label}: offered`, value: sent / wallS, unit: 'frames/s', target: '>= 1e6', met: sent / wallS >= 1e6, note: `${sent} level-2 LBMs in ${wallS.toFixed(1)} s` },
      { case: `${label}: dropped by CPU protection`, value: (100 * policed) / Math.max(1, sent), unit: '%', note: `${policed} policed (${where}); lost before: ${ringDrops} in the veth ring (${pct(ringDrops)}), ${queueDrops} in the socket queue (${pct(queueDrops)})${queueWhere}${seen !== undefined ? `; the program saw ${seen} CFM frames` : ''}` },
      { case: `${label}: false LOC on 8 MEPs at 100 ms`, value: locs, unit: 'events', target: '0', met: locs === 0, note: `the far side sent ${farSent} CCMs of ~${farDue.toFixed(0)} due in the window, our MEPs received ${ourValid} valid` },
      { case: `${label}: CPU`, value: ((c.user + c.system) / 1e4) / wallS, unit: '% core', note: `this process (sender, and the kernel receive work it runs in softirq, included); whole machine ${machinePct.toFixed(0)} % of 2 cores busy, ${softPct.toFixed(0)} % in softirq` },
    ];
  } finally {
    prot?.close();
    await ours.close();
    await far.close();
    await link.cleanup();
  }
}
