/**
 * Start-up of `cfm run` as a user meets it (issue 17: launch to fault-free at 64 pairs under 1 s):
 * `node bin/cfm.js run CONFIG --backend software` (the compiled dist/) on 64 ports in a network
 * namespace, each port a veth pair to a software peer MEP at 100 ms in a second namespace (this
 * process). Measured from the spawn: the first answer of the control socket, the first status in
 * which every MEP has its remote MEP up and no defect, and after SIGINT the exit. Both receive
 * datapaths (AF_PACKET, eBPF tc), 3 launches each (median, range in the note).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

interface Launch { answerMs: number; faultFreeMs: number; exitMs: number }

async function launch(cfg: string, nsA: string, sock: string, datapath: Datapath): Promise<Launch> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'bin/cfm.js'), 'run', cfg, '--backend', 'software', '--netns', nsA, '--datapath', datapath, '--socket', sock, '--duration', '30'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((res) => child.on('exit', () => res(performance.now())));
  let answerMs = NaN;
  let faultFreeMs = NaN;
  try {
    while (performance.now() - t0 < 20_000 && child.exitCode === null) {
      try {
        const s = (await controlCall(sock, { cmd: 'status' })) as ManagerStatus;
        if (Number.isNaN(answerMs)) answerMs = performance.now() - t0;
        if (faultFree(s)) { faultFreeMs = performance.now() - t0; break; }
      } catch { /* not listening yet */ }
      await sleep(5);
    }
    if (Number.isNaN(faultFreeMs)) throw new Error(`cfm run (${datapath}) never reached fault-free: ${stderr.trim().slice(0, 300)}`);
    const tStop = performance.now();
    child.kill('SIGINT');
    const exitMs = (await exited) - tStop;
    return { answerMs, faultFreeMs, exitMs };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
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
    for (const dp of dps) {
      const runs: Launch[] = [];
      for (let k = 0; k < 3; k++) runs.push(await launch(cfg, nsA, sock, dp));
      const ff = runs.map((r) => r.faultFreeMs);
      rows.push(
        { case: `launch to fault-free at ${PAIRS} pairs, ${dp} receive`, value: median(ff), unit: 'ms', target: '< 1000', met: median(ff) < 1000, note: `node bin/cfm.js run, 64 ports, 64 MEPs at 100 ms against software peers; 3 launches ${range(ff)} (includes waiting for the peers' next CCM, up to 100 ms)` },
        { case: `launch to first control-socket answer, ${dp} receive`, value: median(runs.map((r) => r.answerMs)), unit: 'ms', note: range(runs.map((r) => r.answerMs)) },
        { case: `SIGINT to exit at ${PAIRS} ports, ${dp} receive`, value: median(runs.map((r) => r.exitMs)), unit: 'ms', note: `${range(runs.map((r) => r.exitMs))}; closing a packet socket waits for an RCU grace period in the kernel` },
      );
    }
  } finally {
    await peer?.close();
    await deleteNetns(nsA);
    await deleteNetns(nsB);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
