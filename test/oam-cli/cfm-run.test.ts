/**
 * The wiring in `cfm run`: two `cfm run` processes (software datapath, AF_PACKET) in two network
 * namespaces joined by a veth pair, each serving its control socket; the OAM commands run
 * in-process against them in real time. Needs root (netns, raw sockets): gated like test/linux,
 * and required in CI.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/offload/control.js';
import type { ManagerStatus } from '../../src/offload/status.js';
import { runCfm } from '../helpers/cli.js';
import { oneMepConfig, spawnCfm } from '../helpers/cfm-child.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/oam-cli/cfm-run (cfm run in two netns)');

const children = new Set<ChildProcess>();

/** `cfm ARGS` as a child process, killed at the end if still running. */
function cfmChild(args: string[]): ReturnType<typeof spawnCfm> {
  const run = spawnCfm(args);
  children.add(run.child);
  void run.done.then(() => children.delete(run.child));
  return run;
}

async function remoteState(sock: string): Promise<string | undefined> {
  try {
    return ((await controlRequest(sock, 'status')) as ManagerStatus).meps[0]?.remotes[0]?.state;
  } catch {
    return undefined;
  }
}

describe.skipIf(!gate.run)('cfm run serves loopback, linktrace, mep and cc commands', () => {
  let link: VethLink;
  let dir: string;

  beforeAll(async () => {
    link = await createVethLink('oam');
    dir = mkdtempSync(join(tmpdir(), 'cfm-oam-run-'));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loopback and linktrace between the two, mep set --cc off gives LOC at the peer', async () => {
    const runs = [['A', link.ifA, link.nsA, 1], ['B', link.ifB, link.nsB, 2]] as const;
    const sock: Record<string, string> = {};
    const procs = runs.map(([n, ifname, ns, id]) => {
      const cfg = join(dir, `${n}.yaml`);
      writeFileSync(cfg, oneMepConfig(ifname, id));
      sock[n] = join(dir, `${n}.sock`);
      return cfmChild(['run', cfg, '--netns', ns, '--json', '--socket', sock[n]]);
    });
    // both processes start (tsx compiles the CLI in each: tens of seconds on a loaded 2-core
    // machine, so the wait is generous) and hear each other's CCMs
    for (const n of ['A', 'B']) await waitFor(async () => (await remoteState(sock[n])) === 'ok', 60_000, `cfm run ${n} to see its peer`, 50);

    const lb = await runCfm('loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '3', '--interval-ms', '100', '--socket', sock.A);
    expect(lb.err).toBe('');
    expect(lb.code).toBe(0);
    expect(lb.out.split('\n').filter((l) => l.startsWith(`Reply from ${link.macB}: lbm_seq=`))).toHaveLength(3);
    expect(lb.out).toContain('Sent 3 packets, received 3 packets [0 out-of-order, 0 Bad Msdu]');
    expect(lb.out).toMatch(/\nround-trip min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms\n$/);

    const lt = await runCfm('linktrace', 'md1/ma1/2', '--target-mep', '1', '--timeout-ms', '1500', '--socket', sock.B);
    expect(lt.code).toBe(0);
    expect(lt.out).toMatch(new RegExp(`\\n1 +\\S+ +${link.macA.toUpperCase()} +rlyHit +terminate\\n`));

    const off = await runCfm('mep', 'set', 'md1/ma1/1', '--cc', 'off', '--socket', sock.A);
    expect(off.err).toBe('');
    expect(off.code).toBe(0);
    expect(off.out).toBe('md1/ma1/1 cc off: hardware: 1 VOE updated (md1/ma1/1); software: unchanged\n');
    // LOC 3.5 x 100 ms after A's last CCM; the wait allows for a loaded machine (B's own event loop)
    await waitFor(async () => (await remoteState(sock.B)) === 'failed', 10_000, 'LOC at B', 20);
    const show = await runCfm('mep', 'show', 'md1/ma1/2', '--socket', sock.B);
    expect(show.out).toMatch(/\n {4}1 +failed /);
    expect(show.out).toContain('defRemoteCCM');

    // Ctrl-C (SIGTERM here) ends both runs cleanly, with a final status line
    for (const p of procs) p.child.kill('SIGTERM');
    for (const r of await Promise.all(procs.map((p) => p.done))) {
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ type: 'status' });
    }
  }, 150_000);
});
