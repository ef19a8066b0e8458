/**
 * Two up MEPs of one MA on p1.100 and p2.100 of one mock switch (issue 11 items 4, 5):
 * - a loopback between them ends as soon as every LBR is in (the mock answers inside send());
 * - moving one to software moves its up neighbour too (the ASIC relays a hardware up MEP's CCMs
 *   where the CPU cannot hear them), so the placement change raises no defect and no alarm.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import type { FaultEvent } from '../../src/engine/events.js';
import { openSwitch, type CfmSwitch } from '../../src/offload/api.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { TWO_UP_MEPS } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-up-pair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<{ sw: CfmSwitch; clock: VirtualClock; events: FaultEvent[] }> {
  const cfg = join(dir, 'two-up.yaml');
  writeFileSync(cfg, TWO_UP_MEPS);
  const clock = new VirtualClock();
  const sw = openSwitch({ config: cfg, clock });
  const events: FaultEvent[] = [];
  sw.onFault((e) => events.push(e));
  const rep = await sw.apply();
  expect(rep.plan.meps.map((m) => m.ccm)).toEqual(['hardware', 'hardware']);
  await runVirtual(clock, 2e9, 10e6);
  return { sw, clock, events };
}

describe('two up MEPs of one MA on one mock switch', () => {
  it('a loopback between hardware up MEPs ends when every LBR is in, not at its timeout', async () => {
    const { sw, clock } = await start();
    try {
      const t0 = clock.nowNs();
      let done = false;
      const p = sw.loopback('d/a/1', { targetMepId: 2, count: 3, intervalMs: 10, timeoutMs: 5000 }).then((r) => {
        done = true;
        return r;
      });
      for (let i = 0; i < 600 && !done; i++) await runVirtual(clock, 10e6, 1e6);
      const r = await p;
      expect(r.received).toBe(3);
      expect(clock.nowNs() - t0).toBeLessThan(1e9); // well before the 5 s LBR timeout (virtual time)
    } finally {
      await sw.close({ clearHardware: true });
    }
  });

  it('moving one up MEP to software moves its neighbour too: no defect, no alarm', async () => {
    const { sw, clock, events } = await start();
    try {
      events.length = 0;
      const rep = await sw.change({ meps: [{ key: 'd/a/1', placement: 'software' }] });
      expect(rep.moves.map((m) => `${m.key}->${m.to}`).sort()).toEqual(['d/a/1->software', 'd/a/2->software']);
      const p2 = rep.plan.meps.find((m) => m.key === 'd/a/2')!;
      expect(p2.reason).toBe("up MEP d/a/1 of its MA runs in software on this switch (the ASIC relays a hardware up MEP's CCMs where the CPU cannot hear them)");
      await runVirtual(clock, 5e9, 10e6);
      expect(events.filter((e) => e.type === 'defect' || e.type === 'alarm')).toEqual([]);
      const st = await sw.status();
      for (const m of st.meps) expect(m.defects).toEqual([]);
      // and back: both to hardware again, still quiet
      await sw.change({ meps: [{ key: 'd/a/1', placement: 'auto' }] });
      await runVirtual(clock, 5e9, 10e6);
      expect(events.filter((e) => e.type === 'defect' || e.type === 'alarm')).toEqual([]);
      expect((await sw.status()).meps.map((m) => m.placement)).toEqual(['hardware', 'hardware']);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });

  it('remote-MEP events: up when first heard, failed with its defect, times in order, wall-clock time beside (item 11)', async () => {
    const { sw, clock, events } = await start();
    try {
      const up = events.filter((e) => e.type === 'remote-mep');
      expect(up.map((e) => `${e.mep}<-${e.remoteMepId} ${e.state} ${e.source}`).sort()).toEqual(['d/a/1<-2 ok hardware', 'd/a/2<-1 ok hardware']);
      events.length = 0;
      await sw.change({ meps: [{ key: 'd/a/2', enabled: false }] });
      await runVirtual(clock, 2e9, 10e6);
      const failed = events.find((e) => e.type === 'remote-mep' && e.state === 'failed');
      expect(failed).toMatchObject({ mep: 'd/a/1', remoteMepId: 2, highestDefect: 'defRemoteCCM' });
      await sw.change({ meps: [{ key: 'd/a/2', enabled: true }] });
      await runVirtual(clock, 2e9, 10e6);
      expect(events.some((e) => e.type === 'remote-mep' && e.state === 'ok' && e.mep === 'd/a/1')).toBe(true);
      const all = events as Array<FaultEvent & { wallTime?: string }>;
      for (let i = 1; i < all.length; i++) expect(all[i].atNs).toBeGreaterThanOrEqual(all[i - 1].atNs);
      for (const e of all) expect(e.wallTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });

  it('a hardware pin on the neighbour is a plan violation, not a silent alarm', async () => {
    const { sw } = await start();
    try {
      const model = sw.model;
      const pinned = structuredClone(model);
      for (const d of pinned.domains) for (const a of d.associations) for (const m of a.meps) m.placement = m.key === 'd/a/1' ? 'software' : 'hardware';
      const p = sw.manager.plan(pinned);
      expect(p.violations).toEqual(["d/a/2 is pinned to hardware but up MEP d/a/1 of its MA runs in software on this switch (the ASIC relays a hardware up MEP's CCMs where the CPU cannot hear them)"]);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});

describe('software MEPs under the manager', () => {
  it('a software MEP losing its peer: `failed` carries defRemoteCCM (item 11)', async () => {
    const { sw, clock, events } = await start();
    try {
      await sw.change({ meps: [{ key: 'd/a/1', placement: 'software' }] }); // both move to software
      await runVirtual(clock, 1e9, 10e6);
      events.length = 0;
      await sw.change({ meps: [{ key: 'd/a/2', enabled: false }] });
      await runVirtual(clock, 2e9, 10e6);
      const failed = events.find((e) => e.type === 'remote-mep' && e.state === 'failed');
      expect(failed).toMatchObject({ mep: 'd/a/1', remoteMepId: 2, highestDefect: 'defRemoteCCM', source: 'software' });
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});
