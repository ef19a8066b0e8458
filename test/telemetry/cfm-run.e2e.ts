/**
 * `cfm run --metrics` on a Linux interface (software backend, veth pair in network namespaces):
 * Prometheus text from the running process shows the remote MEP up, then defRemoteCCM = 1 when
 * the peer's end goes down and 0 when it comes back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftwareBackend } from '../../src/backends/software/backend.js';
import { createVethLink, type VethLink } from '../linux/netns.js';
import { oneMepConfig, spawnCfm, startPeerMep } from '../helpers/cfm-child.js';
import { waitFor } from './servers.js';

describe('cfm run --metrics', () => {
  let link: VethLink;
  let peer: SoftwareBackend;
  let dir: string;

  beforeAll(async () => {
    link = await createVethLink('cft');
    dir = mkdtempSync(join(tmpdir(), 'cfm-run-metrics-'));
    peer = await startPeerMep(link);
  });
  afterAll(async () => {
    await peer?.close();
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the running MEP: remote MEP ok, LOC 1 while the peer is down, 0 after', async () => {
    const cfg = join(dir, 'a.yaml');
    writeFileSync(cfg, oneMepConfig(link.ifA, 1));
    const run = spawnCfm(['run', cfg, '--backend', 'software', '--netns', link.nsA, '--duration', '8', '--no-socket', '--metrics', '127.0.0.1:0']);
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    try {
      const url = await waitFor('the metrics address', async () => /Prometheus metrics on (\S+)/.exec(stderr)?.[1], 20_000, 50);
      const scrape = async () => (await fetch(url)).text();
      const loc = (t: string) => /cfm_mep_defect\{mep="md1\/ma1\/1",defect="defRemoteCCM"[^}]*\} (\d)/.exec(t)?.[1];
      await waitFor('remote MEP 2 ok', async () => /cfm_mep_remote_state\{mep="md1\/ma1\/1",remote_mep="2"[^}]*\} 4/.test(await scrape()), 8000, 50);
      expect(loc(await scrape())).toBe('0');
      await link.setLink('B', false);
      await waitFor('LOC = 1', async () => loc(await scrape()) === '1', 3000, 50);
      await link.setLink('B', true);
      await waitFor('LOC = 0', async () => loc(await scrape()) === '0', 3000, 50);
      expect(await scrape()).toMatch(/cfm_mep_info\{mep="md1\/ma1\/1",[^}]*placement="(hardware|software)"/);
    } finally {
      run.child.kill('SIGINT');
      await run.done;
    }
  });
});
