/**
 * The CCM scheduler's second lane and the raised event thread (issue 17, docs/linux.md "Transmit
 * and LOC reports with both cores busy"):
 * - with `realtime` on two or more CPUs, two sender threads pinned to two CPUs; while lane 0's CPU
 *   is taken by a higher-priority SCHED_FIFO spinner (as a hypervisor holding that vCPU would), the
 *   other lane keeps the 3.33 ms CCMs going, and no deadline is sent twice (sequence numbers on
 *   the wire consecutive);
 * - the thread that opens a realtime scheduler runs at nice -10 until it closes, threads it starts
 *   meanwhile do not inherit that; without CAP_SYS_NICE one warning names the capability.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { availableParallelism, tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_PATH } from '../../src/native/addon.js';
import { PacketSocket } from '../../src/native/packet.js';
import { CcmScheduler } from '../../src/native/scheduler.js';
import { threadSched, EVENT_THREAD_NICE } from '../../src/native/realtime-main.js';
import { buildCcmFrame } from '../../src/backends/software/ccm-frame.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { intervalNs } from '../../src/common/interval.js';
import { createNetns, deleteNetns, ip, linuxTestGate, uniqueName } from './netns.js';

const gate = linuxTestGate('test/linux/scheduler-lanes (SCHED_FIFO lanes, event thread priority)');
const twoCpus = availableParallelism() >= 2;
const haveTools = gate.run && ['chrt', 'taskset', 'setpriv'].every((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0);
if (gate.run && !haveTools && process.env.CI === 'true') throw new Error('CI: chrt, taskset and setpriv (util-linux) are needed for the scheduler lane test');
const root = join(import.meta.dirname, '..', '..');
const maid = encodeMaid({ md: { format: 4, name: 'lanes' }, ma: { format: 2, name: 'test' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spin at SCHED_FIFO 50 on `cpu` for `ms`: the lane pinned there cannot run meanwhile. The spinner
 * ends itself (node checks the time); `timeout -s KILL`, an ordinary unpinned process that runs on
 * another CPU, is the backstop (a timer process on the spinner's own CPU would never run).
 */
function stallCpu(cpu: number, ms: number): Promise<number | null> {
  const spin = `const end = Date.now() + ${ms}; while (Date.now() < end) {}`;
  const child = spawn('timeout', ['-s', 'KILL', String(ms / 1000 + 5), 'chrt', '-f', '50', 'taskset', '-c', String(cpu), process.execPath, '-e', spin], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('close', resolve));
}

describe.skipIf(!gate.run || !haveTools)('CCM scheduler lanes and the event thread', () => {
  let ns: string;
  let tx: PacketSocket;
  let cap: PacketSocket;

  beforeAll(async () => {
    ns = await createNetns('csl');
    const a = uniqueName('lA');
    const b = uniqueName('lB');
    await ip('-n', ns, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b);
    await ip('-n', ns, 'link', 'set', a, 'up');
    await ip('-n', ns, 'link', 'set', b, 'up');
    tx = new PacketSocket(a, { netns: ns, membership: false, receive: false });
    cap = new PacketSocket(b, { netns: ns, membership: false, rcvbufBytes: 8 << 20 });
  });

  afterAll(async () => {
    tx?.close();
    cap?.close();
    if (ns) await deleteNetns(ns);
  });

  it('realtime: two lanes on two CPUs; one lane without the backup or without realtime', () => {
    const rt = new CcmScheduler({ realtime: true });
    const single = new CcmScheduler({ realtime: true, backupLane: false });
    const plain = new CcmScheduler({ realtime: false });
    try {
      const m = rt.mode();
      if (twoCpus) {
        expect(m.lanes).toHaveLength(2);
        expect(m.lanes[0]!.cpu).not.toBe(m.lanes[1]!.cpu);
        expect(m.lanes.map((l) => [l.fastOnly, l.pinError, l.policy])).toEqual([[false, undefined, 'fifo'], [true, undefined, 'fifo']]);
        expect(rt.modeText()).toMatch(/^SCHED_FIFO 10, 2 lanes on CPUs \d+,\d+/);
      } else {
        expect(m.lanes).toHaveLength(1);
      }
      expect(single.mode().lanes).toEqual([expect.objectContaining({ cpu: -1, fastOnly: false })]);
      expect(plain.mode().lanes).toEqual([expect.objectContaining({ cpu: -1, policy: 'other' })]);
    } finally {
      rt.close();
      single.close();
      plain.close();
    }
  });

  it.skipIf(!twoCpus)('lane 0 starved on its CPU: the other lane sends at 3.33 ms, each sequence number once', async () => {
    const period = intervalNs(1);
    const b = buildCcmFrame({ srcMac: '02:00:00:00:00:01', level: 4, vlan: 0, priority: 7, mepId: 1, maid, interval: 1, rdi: false, seq: 1, portStatusTlv: 0, interfaceStatusTlv: 0 });
    const frames: { seq: number; atNs: number }[] = [];
    cap.onFrames((fs, _r, at) => fs.forEach((f, i) => frames.push({ seq: new DataView(f.buffer, f.byteOffset).getUint32(b.seqOffset), atNs: at[i]! })));
    const sched = new CcmScheduler({ realtime: true });
    try {
      const id = sched.add({ socket: tx, frame: b.frame, intervalNs: period, seqOffset: b.seqOffset, flagsOffset: b.flagsOffset, firstSeq: 1 });
      await sleep(300);
      const lane0Cpu = sched.mode().lanes[0]!.cpu;
      const from = Number(process.hrtime.bigint());
      expect(await stallCpu(lane0Cpu, 400)).toBe(0);
      const to = Number(process.hrtime.bigint());
      await sleep(200);
      const sent = sched.info(id)!.sent;
      sched.remove(id);
      await sleep(50);
      // every frame sent reached the capture once, in sequence: no deadline sent by both lanes
      // (a lane may send one more between the info read and the removal)
      expect(frames.length).toBeGreaterThanOrEqual(sent);
      expect(frames.length).toBeLessThanOrEqual(sent + 1);
      for (let i = 1; i < frames.length; i++) expect(frames[i]!.seq).toBe(frames[i - 1]!.seq + 1);
      // while lane 0 could not run (400 ms, 120 deadlines) CCMs kept going: with one lane pinned
      // there, none would have left for 400 ms
      const inStall = frames.filter((f) => f.atNs >= from && f.atNs <= to);
      expect(inStall.length).toBeGreaterThan(((to - from) / period) * 0.8);
      let maxGapNs = 0;
      for (let i = 1; i < inStall.length; i++) maxGapNs = Math.max(maxGapNs, inStall[i]!.atNs - inStall[i - 1]!.atNs);
      expect(maxGapNs).toBeLessThan(30e6);
    } finally {
      sched.close();
    }
  });

  it('the thread opening a realtime scheduler runs at nice -10 until the last one closes; its new threads do not inherit it', async () => {
    const before = threadSched().nice;
    const a = new CcmScheduler({ realtime: true });
    const b = new CcmScheduler({ realtime: true });
    try {
      expect(a.eventThreadPriority()).toEqual({ raised: true, nice: EVENT_THREAD_NICE });
      expect(threadSched()).toMatchObject({ policy: 'other', nice: EVENT_THREAD_NICE, resetOnFork: true });
      expect(a.modeText()).toContain('event thread nice -10');
      const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require(${JSON.stringify(ADDON_PATH)}).threadPriority());`, { eval: true });
      const child = await new Promise<{ nice: number; policy: string }>((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      await w.terminate();
      expect(child).toMatchObject({ policy: 'other', nice: 0 });
      a.close();
      expect(threadSched().nice).toBe(EVENT_THREAD_NICE); // b still open
    } finally {
      a.close();
      b.close();
    }
    expect(threadSched().nice).toBe(before);
    const plain = new CcmScheduler({ realtime: false });
    expect(plain.eventThreadPriority()).toBeUndefined();
    expect(threadSched().nice).toBe(before);
    plain.close();
  });

  it('without CAP_SYS_NICE: one warning text naming the capability and both refusals', async () => {
    const code = `Promise.all([import(${JSON.stringify(join(root, 'src/native/scheduler.ts'))}), import(${JSON.stringify(join(root, 'src/backends/software/tx-realtime.ts'))})]).then(([s, t]) => { const c = new s.CcmScheduler({ realtime: true }); console.log(JSON.stringify({ text: c.modeText(), why: t.notRealtimeReason(c) })); c.close(); })`;
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-sys_nice',
      process.execPath, '--import', 'tsx', '-e', code], { cwd: root, env: { ...process.env, HOME: tmpdir() } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect(status, err).toBe(0);
    const r = JSON.parse(out) as { text: string; why: string };
    expect(r.text).toContain('SCHED_FIFO refused: EPERM');
    expect(r.text).toContain('raising refused: EPERM');
    expect(r.why).toBe('cfm: the CCM transmit thread runs SCHED_OTHER (SCHED_FIFO refused: EPERM); the event thread stays at nice 0 (nice -10 refused: EPERM): needs CAP_SYS_NICE (and real-time bandwidth in the cgroup); CCMs at 3.33 ms and 10 ms may jitter and LOC may be reported late on a loaded machine');
  });
});
