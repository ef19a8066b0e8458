/**
 * The eBPF datapath as a user of the packed tarball meets it (issue 17): the linux-x64 prebuild
 * carries the optional module cfm_bpf.node (the only binary linking libbpf.so.1). Installed on a
 * PATH without a compiler, `cfm run --datapath tc` runs a MEP on a veth pair between namespaces
 * against a software peer, and `cfm status` over its control socket shows the port at tc. With
 * libbpf.so.1 gone (a mount namespace hiding it, as on a board without Debian's libbpf1), the
 * main addon still loads, `--datapath auto` falls back to AF_PACKET naming the reason, and an
 * explicit `--datapath tc` fails with that reason in one line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftwareBackend } from '../../../src/backends/software/backend.js';
import { oneMepConfig, startPeerMep } from '../../helpers/cfm-child.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../../linux/netns.js';
import { boardPath, installProject, output, packRepo, tempDir } from '../pack.js';

const gate = linuxTestGate('test/package/e2e/ebpf (cfm run --datapath tc from the installed tarball)');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let path: string;
let proj: string;
let installLog: string;
let link: VethLink;
let peer: SoftwareBackend;
let cfg: string;

/** The installed package's `cfm` on the board PATH; `prefix`: a wrapper command (unshare ...). */
function cfm(args: string[], prefix: string[] = []): { done: Promise<Result> } {
  const bin = join(proj, 'node_modules', 'cfm-offload', 'bin', 'cfm.js');
  const argv = [...prefix, process.execPath, bin, ...args];
  const child = spawn(argv[0], argv.slice(1), { cwd: proj, env: { HOME: work, PATH: path } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/**
 * A mount namespace in which libbpf.so.1 does not exist: the original library folder is
 * bind-mounted aside, and a folder of symlinks to everything in it but libbpf is bind-mounted in
 * its place (prepared beforehand: no tool can run in between); then the command runs.
 */
function withoutLibbpf(): string[] {
  const libbpf = realpathSync('/lib/x86_64-linux-gnu/libbpf.so.1');
  const dir = libbpf.slice(0, libbpf.lastIndexOf('/'));
  const aside = join(work, 'lib-aside');
  const fake = join(work, 'lib-no-libbpf');
  if (!existsSync(fake)) {
    mkdirSync(aside);
    mkdirSync(fake);
    for (const name of readdirSync(dir)) if (!name.startsWith('libbpf.so')) symlinkSync(join(aside, name), join(fake, name));
  }
  const script = ['set -e', `/usr/bin/mount --bind ${dir} ${aside}`, `/usr/bin/mount --bind ${fake} ${dir}`, 'exec "$@"'].join('\n');
  return ['/usr/bin/unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', script, 'no-libbpf'];
}

beforeAll(async () => {
  if (!gate.run) return;
  work = tempDir('package-ebpf');
  path = boardPath(work);
  const pack = packRepo(work);
  proj = join(work, 'project');
  const r = installProject(proj, pack.tarball, path);
  installLog = output(r);
  if (r.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
  link = await createVethLink('cpk');
  peer = await startPeerMep(link);
  cfg = join(work, 'a.yaml');
  writeFileSync(cfg, oneMepConfig(link.ifA, 1));
}, 900_000);

afterAll(async () => {
  await peer?.close();
  await link?.cleanup();
  if (work && !process.env.CFM_KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!gate.run)('the eBPF datapath from the installed tarball', () => {
  it('installs the eBPF module from the prebuild and says so', () => {
    expect(installLog).toMatch(/cfm-offload: eBPF datapath module: prebuilds\/linux-x64\/cfm_bpf\.node \(libbpf \d+\.\d+\)/);
  });

  it('cfm run --datapath tc runs the MEP; cfm status shows the port at tc and the remote MEP up', async () => {
    const sock = join(work, 'ctl.sock');
    const run = cfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--datapath', 'tc', '--duration', '5', '--json', '--socket', sock]);
    let st: { datapaths?: { port: string; datapath: string }[]; meps: { remotes: { mepId: number; state: string }[] }[] } | undefined;
    await waitFor(async () => {
      const r = await cfm(['status', '--socket', sock, '--json']).done;
      if (r.code !== 0) return false;
      st = JSON.parse(r.stdout) as typeof st;
      return st!.meps[0]?.remotes[0]?.state === 'ok';
    }, 15_000, 'cfm status to show the remote MEP up', 250);
    expect(st!.datapaths).toEqual([{ port: link.ifA, datapath: 'tc' }]);
    const text = await cfm(['status', '--socket', sock]).done;
    expect(text.stdout).toContain(`datapath: ${link.ifA} tc`);
    // the peer sees our CCMs
    await waitFor(async () => !(await peer.readStatus(1)).peers[0].loc, 5000, 'the peer to see cfm run', 50);
    const r = await run.done;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toBe('');
    const final = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { type: string; datapaths: unknown[]; meps: { remotes: { state: string }[] }[] };
    expect(final.type).toBe('status');
    expect(final.datapaths).toEqual([{ port: link.ifA, datapath: 'tc' }]);
    expect(final.meps[0].remotes[0].state).toBe('ok');
  }, 60_000);

  // the other choices a user has (docs/linux.md): xdp, af-packet, and auto (which takes tc where eBPF loads)
  it.each([['xdp', 'xdp'], ['af-packet', 'af-packet'], ['auto', 'tc']])('cfm run --datapath %s: cfm status shows the port at %s and the remote MEP up', async (choice, shown) => {
    const sock = join(work, `ctl-${choice}.sock`);
    const run = cfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--datapath', choice, '--duration', '4', '--socket', sock]);
    let text = '';
    await waitFor(async () => {
      const r = await cfm(['status', '--socket', sock]).done;
      text = r.stdout;
      return r.code === 0 && /\b2:ok\b/.test(text);
    }, 15_000, `cfm status to show the remote MEP up (--datapath ${choice})`, 250);
    expect(text).toContain(`datapath: ${link.ifA} ${shown}`);
    const r = await run.done;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^cfm run: 1 MEPs on ${link.ifA} \\(netns ${link.nsA}\\), ${shown} receive`, 'm'));
  }, 60_000);

  it('without libbpf.so.1: auto falls back to AF_PACKET with the reason, explicit tc fails in one line', async () => {
    const reason = /cannot load the eBPF module prebuilds\/linux-x64\/cfm_bpf\.node: libbpf\.so\.1: cannot open shared object file.*\(it needs libbpf\.so\.1: Debian package libbpf1\)/;
    const auto = await cfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--duration', '2', '--no-socket', '--no-realtime', '--json'], withoutLibbpf()).done;
    expect(auto.code, `${auto.stdout}\n${auto.stderr}`).toBe(0);
    const errLines = auto.stderr.split('\n').filter((l) => l !== '');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^cfm run: receive datapath af-packet: eBPF \(tc\) unavailable: /);
    expect(errLines[0]).toMatch(reason);
    const final = JSON.parse(auto.stdout.trim().split('\n').at(-1)!) as { datapaths: { port: string; datapath: string; reason?: string }[]; meps: { remotes: { state: string }[] }[] };
    expect(final.datapaths).toEqual([{ port: link.ifA, datapath: 'af-packet', reason: expect.stringMatching(reason) }]);
    // the AF_PACKET path really runs: the peer's CCMs arrive
    expect(final.meps[0].remotes[0].state).toBe('ok');

    const tc = await cfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--duration', '1', '--no-socket', '--no-realtime', '--datapath', 'tc'], withoutLibbpf()).done;
    expect(tc.code).toBe(1);
    expect(tc.stderr.trim().split('\n')).toHaveLength(1);
    expect(tc.stderr).toMatch(reason);
  }, 60_000);
});
