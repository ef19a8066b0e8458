/**
 * manager.change(): one MEP or MA changed on a running manager, re-planned and reconciled
 * without walking every MEP, with the same outcome as a full apply of the changed config.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import type { Backend } from '../../src/backends/types.js';
import { intervalNs } from '../../src/common/interval.js';
import { ConfigError } from '../../src/config/errors.js';
import type { CfmModel } from '../../src/config/model.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { plan } from '../../src/offload/planner.js';
import { diffVoes } from '../../src/offload/reconciler.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { voeSpecToJson } from '../../src/offload/format.js';
import { mkMep, mkProfile } from './fixtures.js';
import { PROFILE, mkModel, newManager, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const I = intervalNs(3);

async function snapshot(b: Backend): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const v of await b.listVoes()) out[v.spec.key] = voeSpecToJson(v.spec);
  return out;
}

/** The hardware matches a full plan of `model`: a full reconcile would do nothing. */
async function expectConverged(m: OffloadManager, model: CfmModel, sw: string): Promise<void> {
  const p = plan(model, m.resources(), { switch: sw });
  const d = diffVoes(p.meps.filter((x) => x.ccm === 'hardware').map((x) => x.voe!), await m.backend.listVoes());
  expect(d.ops.map((o) => `${o.kind} ${o.key}`)).toEqual([]);
  for (const x of p.meps) expect(m.placementOf(x.key), x.key).toBe(x.ccm);
  expect(JSON.parse(JSON.stringify(m.currentPlan))).toEqual(JSON.parse(JSON.stringify(p)));
}

function twoSwitches(): { model: CfmModel } {
  r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1'], ['sw1:swp2', 'sw2:swp2']]);
  const meps = [
    ...p2p(3, { sw: 'sw1', id: 1, port: 'swp1' }, { sw: 'sw2', id: 2, port: 'swp1' }, 'ma1'),
    ...p2p(3, { sw: 'sw1', id: 11, port: 'swp2' }, { sw: 'sw2', id: 12, port: 'swp2' }, 'ma2'),
  ];
  return { model: mkModel(meps) };
}

describe('manager.change', () => {
  it('CCI off on a hardware MEP: one VOE update, LOC at the peer; on again clears it', async () => {
    const { model } = twoSwitches();
    for (const n of ['sw1', 'sw2']) await r!.mgr[n].apply(model);
    await runVirtual(r!.net.clock, 1e9);
    const h = r!.mgr.sw1.hardwareHandle('md1/ma1/1');
    const rep = await r!.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', ccmEnabled: false }] });
    expect(rep.ops.map((o) => `${o.kind} ${o.key}`)).toEqual(['update md1/ma1/1']);
    expect(r!.mgr.sw1.hardwareHandle('md1/ma1/1')).toBe(h);
    await runVirtual(r!.net.clock, 5 * I);
    expect(r!.events.some((e) => e.switch === 'sw2' && e.mep === 'md1/ma1/2' && e.defect === 'defRemoteCCM' && e.active)).toBe(true);
    expect(r!.events.some((e) => e.switch === 'sw2' && e.mep === 'md1/ma2/12' && e.type === 'defect')).toBe(false);
    await r!.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', ccmEnabled: true }] });
    await runVirtual(r!.net.clock, 12e9); // past fngResetTime
    const st = await r!.mgr.sw2.status();
    expect(st.meps.find((m) => m.key === 'md1/ma1/2')!.defects).toEqual([]);
    await expectConverged(r!.mgr.sw1, r!.mgr.sw1.currentModel!, 'sw1');
  });

  it('placement pin moves a MEP to software and back without LOC at the peer; an unchanged change is no op', async () => {
    const { model } = twoSwitches();
    for (const n of ['sw1', 'sw2']) await r!.mgr[n].apply(model);
    await runVirtual(r!.net.clock, 1e9);
    const toSw = await r!.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }] });
    expect(toSw.ops.map((o) => `${o.kind} ${o.key}`)).toEqual(['delete md1/ma1/1']);
    expect(toSw.moves).toMatchObject([{ key: 'md1/ma1/1', to: 'software' }]);
    expect(r!.mgr.sw1.placementOf('md1/ma1/1')).toBe('software');
    await runVirtual(r!.net.clock, 1e9);
    const toHw = await r!.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'auto' }] });
    expect(toHw.ops.map((o) => `${o.kind} ${o.key}`)).toEqual(['create md1/ma1/1']);
    expect(toHw.moves).toMatchObject([{ key: 'md1/ma1/1', to: 'hardware' }]);
    await runVirtual(r!.net.clock, 1e9);
    expect(r!.events.filter((e) => e.type === 'defect')).toEqual([]);
    const same = await r!.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'auto' }] });
    expect(same.ops).toEqual([]);
    await expectConverged(r!.mgr.sw1, r!.mgr.sw1.currentModel!, 'sw1');
  });

  it('MA interval: the VOE follows; the peer sees an unexpected period until it follows too', async () => {
    const { model } = twoSwitches();
    for (const n of ['sw1', 'sw2']) await r!.mgr[n].apply(model);
    await runVirtual(r!.net.clock, 1e9);
    const rep = await r!.mgr.sw1.change({ associations: [{ key: 'md1/ma1', interval: 4 }] });
    expect(rep.ops.map((o) => o.key)).toEqual(['md1/ma1/1']);
    expect(r!.mgr.sw1.currentModel!.domains[0].associations.find((a) => a.id === 'ma1')!.interval).toBe(4);
    await runVirtual(r!.net.clock, 4e9);
    expect(r!.events.some((e) => e.switch === 'sw2' && e.mep === 'md1/ma1/2' && e.defect === 'defErrorCCM' && e.active)).toBe(true);
    await r!.mgr.sw2.change({ associations: [{ key: 'md1/ma1', interval: 4 }] });
    await expectConverged(r!.mgr.sw1, r!.mgr.sw1.currentModel!, 'sw1');
    await expectConverged(r!.mgr.sw2, r!.mgr.sw2.currentModel!, 'sw2');
  });

  it('lowest alarm priority changes the FNG of a hardware MEP with no VOE operation', async () => {
    const { model } = twoSwitches();
    for (const n of ['sw1', 'sw2']) await r!.mgr[n].apply(model);
    await runVirtual(r!.net.clock, 1e9);
    const rep = await r!.mgr.sw2.change({ meps: [{ key: 'md1/ma1/2', lowestAlarmPriority: 6 }] });
    expect(rep.ops).toEqual([]);
    for (const l of r!.net.links) l.up = false;
    await runVirtual(r!.net.clock, 5e9);
    // the defect is seen, but 6 = no defect raises an alarm (802.1Q 20.9.5); the other MA (default 2) alarms
    const at = (mep: string, type: string) => r!.events.some((e) => e.switch === 'sw2' && e.mep === mep && e.type === type && (type !== 'defect' || e.defect === 'defRemoteCCM'));
    expect(at('md1/ma1/2', 'defect')).toBe(true);
    expect(at('md1/ma1/2', 'alarm')).toBe(false);
    expect(at('md1/ma2/12', 'alarm')).toBe(true);
  });

  it('rejects bad changes with every problem named, and changes nothing', async () => {
    const { model } = twoSwitches();
    await r!.mgr.sw1.apply(model);
    const before = await snapshot(r!.mgr.sw1.backend);
    let err: unknown;
    try {
      await r!.mgr.sw1.change({
        meps: [
          { key: 'md1/ma1/1', ccmLtmPriority: 9, remoteMepIds: [3] },
          { key: 'md1/ma9/1', enabled: false },
        ],
        associations: [{ key: 'md1/ma1', interval: 0 as never }],
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.map((i) => `${i.pointer}: ${i.message}`);
    expect(issues).toEqual([
      '/associations/0/interval: interval 0 is not an interval code 1..7',
      '/meps/0/ccmLtmPriority: 9 is not 0..7',
      '/meps/0/remoteMepIds: MEP id 3 not in MA md1/ma1 (remote MEPs: 2)',
      "/meps/1/key: no MEP 'md1/ma9/1'",
    ]);
    expect(await snapshot(r!.mgr.sw1.backend)).toEqual(before);
    await expect(new OffloadManager({ backend: r!.sw.sw2.backend, profile: PROFILE, clock: r!.net.clock, switch: 'sw2' }).change({})).rejects.toThrow(/nothing applied yet/);
  });

  it('a failure at any ABI call of a change leaves the ASIC as it was; the next change goes through', async () => {
    const { model } = twoSwitches();
    const m = r!.mgr.sw1;
    await m.apply(model);
    let failures = 0;
    for (let k = 1; k <= 6; k++) {
      const before = await snapshot(m.backend);
      r!.sw.sw1.backend.failCall(k, 'EIO');
      let failed = false;
      try {
        await m.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }, { key: 'md1/ma2/11', ccmLtmPriority: 3 }] });
      } catch (e) {
        failed = true;
        expect((e as Error).message).toMatch(/EIO|failed/);
      }
      r!.sw.sw1.backend.failCall(0, 'EIO');
      if (failed) {
        failures++;
        expect(await snapshot(m.backend), `failure at call ${k}`).toEqual(before);
        expect(m.placementOf('md1/ma1/1')).toBe('hardware');
      } else {
        expect(m.placementOf('md1/ma1/1')).toBe('software');
        await m.change({ meps: [{ key: 'md1/ma1/1', placement: 'auto' }, { key: 'md1/ma2/11', ccmLtmPriority: 7 }] });
      }
    }
    expect(failures, 'no injected failure hit the change').toBeGreaterThan(2);
    await m.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }] });
    await expectConverged(m, m.currentModel!, 'sw1');
  });

  it('under table pressure a change re-plans everything: the freed VOE goes to the next MEP', async () => {
    r = rig(['sw1'], []);
    const oneVoe = mkProfile({ name: 'one-voe', voes: { port: 1, service: 0, up: null, down: null, sharedTotal: null, perPort: null } });
    const m = newManager(r.sw.sw1, oneVoe, r.events);
    r.mgr.sw1b = m;
    const model = mkModel([mkMep({ mepId: 1, associationId: 'ma1', port: 'swp1', switch: 'sw1', interval: 3 }), mkMep({ mepId: 2, associationId: 'ma2', port: 'swp2', switch: 'sw1', interval: 3 })]);
    await m.apply(model);
    expect([m.placementOf('md1/ma1/1'), m.placementOf('md1/ma2/2')]).toEqual(['hardware', 'software']);
    const rep = await m.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }] });
    expect([m.placementOf('md1/ma1/1'), m.placementOf('md1/ma2/2')]).toEqual(['software', 'hardware']);
    expect(rep.moves.map((x) => `${x.key}->${x.to}`).sort()).toEqual(['md1/ma1/1->software', 'md1/ma2/2->hardware']);
    await expectConverged(m, m.currentModel!, 'sw1');
  });

  it('a VOE changed behind the manager is seen: the change reconciles it back', async () => {
    const { model } = twoSwitches();
    const m = r!.mgr.sw1;
    await m.apply(model);
    // a second handle on the same ASIC (another tool) rewrites one VOE's priority
    const other = new MockAsicBackend({ ...r!.sw.sw1.backend.options });
    const v = (await other.listVoes()).find((x) => x.spec.key === 'md1/ma2/11')!;
    await other.updateVoe(v.handle, { ...v.spec, priority: 1 });
    const rep = await m.change({ meps: [{ key: 'md1/ma1/1', ccmLtmPriority: 5 }] });
    expect(rep.ops.map((o) => `${o.kind} ${o.key}`).sort()).toEqual(['update md1/ma1/1', 'update md1/ma2/11']);
    await expectConverged(m, m.currentModel!, 'sw1');
    await other.close();
  });
});
