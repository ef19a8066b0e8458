/**
 * `cfm dm --one-way` between two `cfm run` managers started at different moments (found by a
 * user: the 1DM delay was the gap between the two processes' starts, 594 ms, as every DM
 * timestamp counted from its process's start). Both processes read the host's time of day
 * (CLOCK_REALTIME), so the 1DMs over a veth pair measure the path: well under a millisecond here,
 * never the ~1.5 s between the starts. Needs root and network namespaces (CI runs it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlRequest } from '../../src/offload/control.js';
import { controlY1731Received, controlY1731Test } from '../../src/offload/y1731/client.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';
import { oneMepConfig, spawnCfm } from '../helpers/cfm-child.js';

const gate = linuxTestGate('test/linux/one-way-dm-two-runs (two cfm run in netns)');

describe.skipIf(!gate.run)('1DM between two cfm run managers', () => {
  let link: VethLink;
  let dir: string;
  const runs: Array<ReturnType<typeof spawnCfm>> = [];

  beforeAll(async () => {
    link = await createVethLink('c1d');
    dir = mkdtempSync(join(tmpdir(), 'cfm-1dm-'));
  });

  afterAll(async () => {
    for (const r of runs) r.child.kill('SIGTERM');
    await Promise.all(runs.map((r) => r.done));
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function up(sock: string): Promise<void> {
    await waitFor(async () => {
      try {
        const s = (await controlRequest(sock, 'status')) as { meps: { remotes: { state: string }[] }[] };
        return s.meps[0]?.remotes[0]?.state === 'ok';
      } catch {
        return false;
      }
    }, 10_000, `remote MEP up at ${sock}`, 100);
  }

  it('measures the path, not the gap between the processes\' starts', async () => {
    const sockA = join(dir, 'a.sock');
    const sockB = join(dir, 'b.sock');
    writeFileSync(join(dir, 'a.yaml'), oneMepConfig(link.ifA, 1));
    writeFileSync(join(dir, 'b.yaml'), oneMepConfig(link.ifB, 2));
    runs.push(spawnCfm(['run', join(dir, 'a.yaml'), '--backend', 'software', '--netns', link.nsA, '--duration', '30', '--socket', sockA]));
    await new Promise((r) => setTimeout(r, 1500)); // B starts 1.5 s after A
    runs.push(spawnCfm(['run', join(dir, 'b.yaml'), '--backend', 'software', '--netns', link.nsB, '--duration', '30', '--socket', sockB]));
    await up(sockA);
    await up(sockB);
    const sent = await controlY1731Test(sockA, 'md1/ma1/1', '1dm', { targetMepId: 2, count: 5, intervalMs: 20 });
    expect(sent).toMatchObject({ sent: 5, done: true });
    let rx = await controlY1731Received(sockB, 'md1/ma1/2');
    await waitFor(async () => (rx = await controlY1731Received(sockB, 'md1/ma1/2')).oneWay[0]?.received === 5, 3000, '5 1DMs at B', 50);
    const d = rx.oneWay[0].delay!;
    // one veth hop: tens of µs. Each process samples CLOCK_REALTIME to the µs at its start, so
    // the bounds leave room for that and for load; they rule out the 1.5 s between the starts.
    expect(d.minNs).toBeGreaterThan(-1e6);
    expect(d.maxNs).toBeLessThan(50e6);
  }, 40_000);
});
