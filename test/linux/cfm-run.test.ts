/**
 * `cfm run CONFIG --backend software` as an operator runs it: a child process in one namespace
 * against a software MEP in the other; its control socket answers status while it runs; --json
 * gives a final status with the remote MEP up; bad input exits non-zero without a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftwareBackend } from '../../src/backends/software/backend.js';
import { controlMonitor, controlRequest } from '../../src/offload/control.js';
import { main } from '../../src/cli/main.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';
import { datapathsUnderTest } from './datapaths.js';
import { oneMepConfig, spawnCfm, startPeerMep } from '../helpers/cfm-child.js';

const gate = linuxTestGate('test/linux/cfm-run (cfm run in a netns)');

describe.skipIf(!gate.run)('cfm run --backend software', () => {
  let link: VethLink;
  let peer: SoftwareBackend;
  let dir: string;

  beforeAll(async () => {
    link = await createVethLink('cfr');
    dir = mkdtempSync(join(tmpdir(), 'cfm-run-'));
    peer = await startPeerMep(link);
  });

  afterAll(async () => {
    await peer?.close();
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the MEP until --duration, answers status and monitor on its socket, ends with a JSON status', async () => {
    const cfg = join(dir, 'a.yaml');
    writeFileSync(cfg, oneMepConfig(link.ifA, 1));
    const sock = join(dir, 'ctl.sock');
    const run = spawnCfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--duration', '4', '--json', '--socket', sock]);
    // while it runs: the control socket reports the remote MEP up
    let live: { meps: { remotes: { mepId: number; state: string }[] }[]; datapaths?: { port: string; datapath: string }[] } | undefined;
    await waitFor(async () => {
      try {
        live = (await controlRequest(sock, 'status')) as typeof live;
        return live!.meps[0]?.remotes[0]?.state === 'ok';
      } catch {
        return false;
      }
    }, 8000, 'status over the control socket', 100);
    expect(live!.meps[0].remotes[0].mepId).toBe(2);
    // --datapath auto: the eBPF fast path at tc where the addon has it (CI), shown per port
    expect(live!.datapaths).toEqual([{ port: link.ifA, datapath: datapathsUnderTest().includes('tc') ? 'tc' : 'af-packet' }]);
    // the peer sees our CCMs, sent from the interface's own MAC
    await waitFor(async () => !(await peer.readStatus(1)).peers[0].loc, 2000, 'the peer to see cfm run', 20);
    expect((await peer.readStatus(1)).peers[0]).toMatchObject({ mepId: 1, seen: true, mac: link.macA });
    // cfm monitor's stream: cutting the link raises defRemoteCCM, restoring it clears it
    const monitored: { type?: string; defect?: string; active?: boolean }[] = [];
    const abort = new AbortController();
    const mon = controlMonitor(sock, (e) => monitored.push(e as (typeof monitored)[number]), abort.signal).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await link.setLink('B', false);
    await waitFor(() => monitored.some((e) => e.type === 'defect' && e.defect === 'defRemoteCCM' && e.active), 2000, 'defRemoteCCM on the monitor stream', 10);
    await link.setLink('B', true);
    await waitFor(() => monitored.some((e) => e.type === 'defect' && e.defect === 'defRemoteCCM' && !e.active), 2000, 'defRemoteCCM cleared on the monitor stream', 10);
    abort.abort();
    await mon;
    const r = await run.done;
    // While the peer's end is down the kernel may refuse our sends (veth: ENOBUFS); cfm run
    // reports that once and reports the recovery. Nothing else may reach stderr.
    const errLines = r.stderr.split('\n').filter((l) => l !== '');
    for (const l of errLines) expect(l).toMatch(/^cfm run: md1\/ma1\/1: CCM transmit (failing \(\w+: .*\)|recovered)$/);
    expect(errLines.filter((l) => l.endsWith('recovered')).length).toBe(errLines.filter((l) => l.includes('failing')).length);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const final = lines[lines.length - 1] as { type: string; meps: { key: string; defects: string[]; remotes: { mepId: number; state: string }[] }[] };
    expect(final.type).toBe('status');
    expect(final.meps).toHaveLength(1);
    expect(final.meps[0]).toMatchObject({ key: 'md1/ma1/1', defects: [] });
    expect(final.meps[0].remotes).toEqual([expect.objectContaining({ mepId: 2, state: 'ok' })]);
  }, 30_000);

  it('fails cleanly on a missing interface, a bad duration and a missing config', async () => {
    const cfg = join(dir, 'bad.yaml');
    writeFileSync(cfg, oneMepConfig('nosuchif9', 1));
    // in-process (the same main() as bin/cfm.js), stderr captured
    const call = async (args: string[]) => {
      let stderr = '';
      const orig = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
      try {
        const code = await main(['node', 'cfm', ...args]);
        return { code, stderr };
      } finally {
        process.stderr.write = orig;
      }
    };
    const noIf = await call(['run', cfg, '--netns', link.nsA, '--duration', '1', '--no-socket']);
    expect(noIf.code).toBe(1);
    expect(noIf.stderr).toMatch(/nosuchif9.*No such device/);
    expect(noIf.stderr).not.toMatch(/\n\s+at /);
    const badDur = await call(['run', cfg, '--duration', '-3']);
    expect(badDur.code).toBe(2);
    expect(badDur.stderr).toMatch(/--duration '-3'/);
    const noCfg = await call(['run', join(dir, 'missing.yaml'), '--duration', '1']);
    expect(noCfg.code).toBe(1);
    expect(noCfg.stderr).toMatch(/missing\.yaml/);
    const badDp = await call(['run', cfg, '--datapath', 'ebpf']);
    expect(badDp.code).toBe(2);
    expect(badDp.stderr).toMatch(/--datapath 'ebpf' is not one of auto, tc, xdp, af-packet/);
    const otherBackend = await call(['run', cfg, '--backend', 'mock']);
    expect(otherBackend.code).toBe(2);
  }, 30_000);
});
