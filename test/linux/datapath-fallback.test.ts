/**
 * `cfm run --datapath` as an unprivileged operator meets it: the CLI in a child process, inside the
 * namespace, as user nobody with only CAP_NET_RAW and CAP_NET_ADMIN (raw sockets yes, eBPF no).
 * `auto` (the default) falls back to AF_PACKET, runs, and says why on stderr; `--datapath tc`
 * fails with one clear line naming the capabilities.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneMepConfig } from '../helpers/cfm-child.js';
import { createVethLink, linuxTestGate, type VethLink } from './netns.js';
import { datapathsUnderTest } from './datapaths.js';

const gate = linuxTestGate('test/linux/datapath-fallback (cfm run without CAP_BPF)');
const haveSetpriv = gate.run && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;
if (gate.run && !haveSetpriv && process.env.CI === 'true') throw new Error('CI: setpriv (util-linux) is needed for the datapath fallback test');
const root = join(import.meta.dirname, '..', '..');

/** cfm ARGS as nobody with CAP_NET_RAW + CAP_NET_ADMIN, in namespace `ns`. */
function cfmUnprivileged(ns: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const code = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(['node', 'cfm', ...process.argv.slice(1)]); })`;
  const child = spawn('ip', ['netns', 'exec', ns, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
    '--inh-caps=+net_raw,+net_admin', '--ambient-caps=+net_raw,+net_admin',
    process.execPath, '--import', 'tsx', '-e', code, ...args], { cwd: root, env: { ...process.env, HOME: tmpdir() } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (c) => resolve({ code: c, stdout, stderr })));
}

describe.skipIf(!haveSetpriv || !datapathsUnderTest().includes('tc'))('cfm run --datapath without the right to load eBPF', () => {
  let link: VethLink;
  let dir: string;
  let cfg: string;

  beforeAll(async () => {
    link = await createVethLink('cff');
    dir = mkdtempSync(join(tmpdir(), 'cfm-dp-'));
    chmodSync(dir, 0o755);
    cfg = join(dir, 'a.yaml');
    writeFileSync(cfg, oneMepConfig(link.ifA, 1), { mode: 0o644 });
  });

  afterAll(async () => {
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('auto falls back to AF_PACKET with the reason; tc asked for fails cleanly', async () => {
    const auto = await cfmUnprivileged(link.nsA, ['run', cfg, '--duration', '1', '--no-socket', '--no-realtime', '--json']);
    expect(auto.stderr).toMatch(/^cfm run: receive datapath af-packet: eBPF \(tc\) unavailable: .*CAP_BPF/m);
    expect(auto.stderr).not.toMatch(/\n\s+at /);
    expect(auto.code).toBe(0);
    const final = JSON.parse(auto.stdout.trim().split('\n').at(-1)!) as { type: string; datapaths: { port: string; datapath: string; reason?: string }[] };
    expect(final.type).toBe('status');
    expect(final.datapaths).toEqual([{ port: link.ifA, datapath: 'af-packet', reason: expect.stringMatching(/CAP_BPF/) }]);

    const tc = await cfmUnprivileged(link.nsA, ['run', cfg, '--duration', '1', '--no-socket', '--no-realtime', '--datapath', 'tc']);
    expect(tc.code).toBe(1);
    expect(tc.stderr.trim().split('\n')).toHaveLength(1);
    expect(tc.stderr).toMatch(/CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN/);
  }, 60_000);
});
