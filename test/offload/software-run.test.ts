/**
 * `cfm run --backend software` through its library runner on a veth pair (root, netns: CI runs
 * it): MEPs of the software backend are software MEPs (placement, event source; issue 11 item
 * 10), and remote-MEP events follow the peer (issue 11 item 11: an event when a peer first comes
 * up, the `failed` event carries the defect, event times never go backwards).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoftwareBackend } from '../../src/backends/software/backend.js';
import type { FaultEvent } from '../../src/engine/events.js';
import { formatSourcedEvent } from '../../src/offload/event-stamp.js';
import { startSoftwareRun, type SoftwareRun } from '../../src/offload/run/software-run.js';
import { formatStatus } from '../../src/offload/status.js';
import { oneMepConfig, startPeerMep } from '../helpers/cfm-child.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/offload/software-run (software backend in a netns)');

describe.skipIf(!gate.run)('the software backend under the manager (cfm run)', () => {
  let link: VethLink;
  let peer: SoftwareBackend;
  let dir: string;
  let run: SoftwareRun | undefined;
  const events: FaultEvent[] = [];

  beforeAll(async () => {
    link = await createVethLink('cfo');
    dir = mkdtempSync(join(tmpdir(), 'cfm-swrun-'));
  });
  afterAll(async () => {
    await run?.stop();
    await peer?.close();
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('labels its MEPs software and reports the peer coming up, failing (with its defect) and back', async () => {
    const cfg = join(dir, 'a.yaml');
    writeFileSync(cfg, oneMepConfig(link.ifA, 1));
    run = await startSoftwareRun({ config: cfg, netns: link.nsA, socketPath: null, onFault: (e) => events.push(e) });
    const st = await run.status();
    expect(st.meps[0]).toMatchObject({ key: 'md1/ma1/1', placement: 'software' });
    expect(st.meps[0].handle).toBeUndefined();
    expect(formatStatus(st)).not.toMatch(/hardware/);

    // the peer starts: a remote-mep event says it came up
    peer = await startPeerMep(link);
    await waitFor(() => events.some((e) => e.type === 'remote-mep' && e.state === 'ok'), 15000, 'remote MEP 2 up event', 10);
    // cut the link: `failed` carries defRemoteCCM (it is what the MEP now has)
    await link.setLink('B', false);
    await waitFor(() => events.some((e) => e.type === 'remote-mep' && e.state === 'failed'), 15000, 'remote MEP 2 failed event', 10);
    const failed = events.find((e) => e.type === 'remote-mep' && e.state === 'failed')!;
    expect(failed.highestDefect).toBe('defRemoteCCM');
    await link.setLink('B', true);
    await waitFor(() => events.filter((e) => e.type === 'remote-mep' && e.state === 'ok').length >= 2, 15000, 'remote MEP 2 back', 10);

    for (const e of events) {
      expect(e.source).toBe('software');
      expect(formatSourcedEvent(e)).toMatch(/ \[sw\]$/);
    }
    for (let i = 1; i < events.length; i++) expect(events[i].atNs).toBeGreaterThanOrEqual(events[i - 1].atNs);
  }, 60_000);
});
