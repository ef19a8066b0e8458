/**
 * Start-up of `cfm run` as a user meets it (issue 17: launch to fault-free at 64 pairs under 1 s):
 * `node bin/cfm.js run CONFIG --backend software` (the compiled dist/) on 64 ports in a network
 * namespace, each port a veth pair to a software peer MEP at 100 ms in a second namespace (this
 * process). Measured from the spawn: the first answer of the control socket, the first status in
 * which every MEP has its remote MEP up and no defect, the wall time of `cfm status` (a second
 * process asking the running manager) and after SIGINT the exit. Both receive datapaths
 * (AF_PACKET, eBPF tc), STARTUP_LAUNCHES launches each (default 5; median, range in the note).
 *
 * Before/after in one run: STARTUP_BASELINE=/path/to/another/checkout (its dist/ built, e.g. a
 * `git archive` of an older commit with node_modules linked; several separated by ':') launches
 * that tree's bin/cfm.js too, alternating with this one launch by launch, so that all see the
 * same machine load.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow } from './run.js';
import { bpfUnavailableReason } from '../src/native/bpf.js';
import { SoftwareBackend } from '../src/backends/software/backend.js';
import type { Datapath } from '../src/backends/software/bpf-rx.js';
import { controlCall } from '../src/offload/control.js';
import type { ManagerStatus } from '../src/offload/status.js';
import { encodeMaid } from '../src/pdu/maid.js';
import { createNetns, deleteNetns, vethPairs } from '../test/linux/netns.js';
import { providerConfig } from '../test/helpers/cfm-child.js';
import { sleep, whyNot } from './linux.bench.js';

export const name = 'linux start-up (cfm run to fault-free)';

const ROOT = join(import.meta.dirname, '..');
const PAIRS = 64;

/** 64 MAs (svc-1..64, MEPs 1 and 2, 100 ms) in MD Provider level 5; MEP 1 of MA i on `ports[i]`. */
function config(ports: string[]): string {
  const mas = ports.map((_, i) => `        - { ma-id: ma${i + 1}, char-string: svc-${i + 1}, ccm-interval: 100ms, maintenance-association-mep: [1, 2] }`);
  const groups = ports.map((p, i) => `    - maintenance-group-id: g${i + 1}
      md-id: md1
      ma-id: ma${i + 1}
      mep:
        - { mep-id: 1, direction: down, interface: ${p}, enabled: true, continuity-check: { ccm-enabled: true } }`);
  return providerConfig(mas, groups);
}

function faultFree(s: ManagerStatus): boolean {
  return s.meps.length === PAIRS && s.meps.every((m) => m.defects.length === 0 && m.remotes.length > 0 && m.remotes.every((r) => r.state === 'ok'));
}

interface Launch { answerMs: number; faultFreeMs: number; exitMs: number; statusMs: number; cpuMs: number }

/**
 * CPU time (user + system, all threads) a process has used, from /proc/PID/stat (clock ticks of
 * 10 ms): what the launch cost, whatever else the machine is doing, where wall time on a shared
 * 2-vCPU VM varies by a factor of 2 from one launch to the next.
 */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime (fields 14, 15)
}

/** Wall time of `cfm status --socket SOCK` (spawn to exit) against the running manager, median of 3. */
async function statusWallMs(root: string, sock: string): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin/cfm.js'), 'status', '--socket', sock], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    if (code !== 0) throw new Error(`cfm status exited ${code}: ${stderr.trim().slice(0, 300)}`);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function launch(root: string, cfg: string, nsA: string, sock: string, datapath: Datapath): Promise<Launch> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(root, 'bin/cfm.js'), 'run', cfg, '--backend', 'software', '--netns', nsA, '--datapath', datapath, '--socket', sock, '--duration', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((res) => child.on('exit', () => res(performance.now())));
  let answerMs = NaN;
  let faultFreeMs = NaN;
  let cpuMs = NaN;
  try {
    while (performance.now() - t0 < 20_000 && child.exitCode === null) {
      try {
        const s = (await controlCall(sock, { cmd: 'status' })) as ManagerStatus;
        if (Number.isNaN(answerMs)) answerMs = performance.now() - t0;
        if (faultFree(s)) { faultFreeMs = performance.now() - t0; cpuMs = cpuMsOf(child.pid!); break; }
      } catch { /* not listening yet */ }
      await sleep(5);
    }
    if (Number.isNaN(faultFreeMs)) throw new Error(`cfm run (${datapath}) never reached fault-free: ${stderr.trim().slice(0, 300)}`);
    const statusMs = await statusWallMs(root, sock);
    const tStop = performance.now();
    child.kill('SIGINT');
    const exitMs = (await exited) - tStop;
    return { answerMs, faultFreeMs, exitMs, statusMs, cpuMs };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} ms`;

export async function run(): Promise<BenchRow[]> {
  const why = whyNot() ?? (existsSync(join(ROOT, 'dist/cli/main.js')) ? undefined : 'dist/ not built (npm run build:ts): the bench launches bin/cfm.js as a user does');
  if (why) {
    console.warn(`linux start-up bench skipped: ${why}`);
    return [];
  }
  const bpfWhy = bpfUnavailableReason();
  if (bpfWhy) console.warn(`linux start-up bench: eBPF rows skipped: ${bpfWhy}`);
  const dps: Datapath[] = bpfWhy ? ['af-packet'] : ['af-packet', 'tc'];
  const nsA = await createNetns('csua');
  const nsB = await createNetns('csub');
  const dir = mkdtempSync(join(tmpdir(), 'cfm-startup-'));
  let peer: SoftwareBackend | undefined;
  const rows: BenchRow[] = [];
  try {
    const { ours: portsA, theirs: portsB } = await vethPairs(nsA, nsB, PAIRS, 'sua', 'sub');
    peer = new SoftwareBackend({ ports: portsB, netns: nsB, datapath: 'af-packet' });
    for (let i = 0; i < PAIRS; i++) {
      await peer.createVoe({
        key: `p${i}`, port: portsB[i], direction: 'down', level: 5, vlan: 0, unicastMac: peer.portMac(portsB[i]), mepId: 2,
        maid: encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: `svc-${i + 1}` } }), interval: 3, priority: 7,
        peers: [1], ccmTx: true, ccmRx: false, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
      });
    }
    const cfg = join(dir, 'site.yaml');
    writeFileSync(cfg, config(portsA));
    const sock = join(dir, 'cfm.sock');
    const launches = Math.max(1, Number(process.env.STARTUP_LAUNCHES) || 5);
    const baselines = (process.env.STARTUP_BASELINE ?? '').split(':').filter(Boolean);
    for (const b of baselines) if (!existsSync(join(b, 'dist/cli/main.js'))) throw new Error(`STARTUP_BASELINE: no dist/cli/main.js in ${b}`);
    const roots = [ROOT, ...baselines];
    for (const dp of dps) {
      const runs = roots.map(() => [] as Launch[]);
      // Alternate the trees launch by launch: both see the same load from the rest of the machine.
      for (let k = 0; k < launches; k++) for (const [i, root] of roots.entries()) runs[i].push(await launch(root, cfg, nsA, sock, dp));
      for (const [i, root] of roots.entries()) {
        const tree = root === ROOT ? '' : ` (baseline ${root})`;
        const r = runs[i];
        const ff = r.map((x) => x.faultFreeMs);
        rows.push(
          { case: `launch to fault-free at ${PAIRS} pairs, ${dp} receive${tree}`, value: median(ff), unit: 'ms', target: '< 1000', met: median(ff) < 1000, note: `node bin/cfm.js run, 64 ports, 64 MEPs at 100 ms against software peers; ${launches} launches ${range(ff)} (includes waiting for the peers' next CCM, up to 100 ms)` },
          { case: `CPU time of cfm run from launch to fault-free, ${dp} receive${tree}`, value: median(r.map((x) => x.cpuMs)), unit: 'ms', note: `${range(r.map((x) => x.cpuMs))}; user + system, all threads (/proc/PID/stat, 10 ms ticks): the launch's cost, less sensitive to the machine's load than wall time` },
          { case: `launch to first control-socket answer, ${dp} receive${tree}`, value: median(r.map((x) => x.answerMs)), unit: 'ms', note: range(r.map((x) => x.answerMs)) },
          { case: `cfm status wall time (spawn to exit) against it, ${dp} receive${tree}`, value: median(r.map((x) => x.statusMs)), unit: 'ms', note: `${range(r.map((x) => x.statusMs))}; a second node process asking the running manager` },
          { case: `SIGINT to exit at ${PAIRS} ports, ${dp} receive${tree}`, value: median(r.map((x) => x.exitMs)), unit: 'ms', note: `${range(r.map((x) => x.exitMs))}; closing a packet socket waits for an RCU grace period in the kernel` },
        );
      }
    }
  } finally {
    await peer?.close();
    await deleteNetns(nsA);
    await deleteNetns(nsB);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
