import { describe, expect, it } from 'vitest';
import { plan } from '../../src/offload/planner.js';
import { hwResources } from '../../src/offload/resources.js';
import { formatPlan, planToJson } from '../../src/offload/format.js';
import type { IntervalCode } from '../../src/common/interval.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';

const lan966xLike = mkProfile({ name: 'chip8' });

describe('planner decisions', () => {
  it('puts a 1 s port MEP in hardware and a 1 min MEP in software with the interval reason', () => {
    const p = plan(mkModel([mkMep({ mepId: 1 }), mkMep({ mepId: 2, interval: 6 })]), hwResources(lan966xLike));
    const m1 = p.meps.find((m) => m.mepId === 1)!;
    const m2 = p.meps.find((m) => m.mepId === 2)!;
    expect(m1.ccm).toBe('hardware');
    expect(m1.voe?.key).toBe('md1/ma1/1');
    expect(m2.ccm).toBe('software');
    expect(m2.reason).toBe('interval 1min not in hardware intervals 3.33ms..1s');
    // never split: a software MEP has no VOE at all, and no function in hardware
    expect(m2.voe).toBeUndefined();
    expect(Object.values(m2.functions).every((f) => f.placement === 'software')).toBe(true);
  });

  it('fills the VOE table, shortest interval first, and names the full table', () => {
    const meps = Array.from({ length: 10 }, (_, i) => mkMep({ mepId: i + 1, interval: (i < 2 ? 4 : 3) as IntervalCode }));
    const p = plan(mkModel(meps), hwResources(lan966xLike));
    const sw = p.meps.filter((m) => m.ccm === 'software');
    expect(sw.map((m) => m.mepId)).toEqual([1, 2]); // the two 1 s MEPs lose to the 100 ms ones
    expect(sw[0].reason).toBe('port VOE table full (8/8)');
    expect(p.usage.portVoes).toEqual({ used: 8, total: 8 });
  });

  it('keeps reserved VOEs free', () => {
    const meps = Array.from({ length: 8 }, (_, i) => mkMep({ mepId: i + 1 }));
    const p = plan(mkModel(meps), hwResources(lan966xLike), { policy: { reserveVoes: 2 } });
    expect(p.meps.filter((m) => m.ccm === 'hardware')).toHaveLength(6);
    expect(p.meps[7].reason).toBe('VOE reserve: policy keeps 2 of 8 VOEs free (6 used)');
  });

  it('honours the injector budget', () => {
    const prof = mkProfile({ name: 'inj', injectorBudgetFps: 300 });
    const p = plan(mkModel([mkMep({ mepId: 1, interval: 1 }), mkMep({ mepId: 2, interval: 2 })]), hwResources(prof));
    expect(p.meps[0].ccm).toBe('hardware');
    expect(p.meps[1].reason).toBe('injector budget 300 fps exceeded (300 used + 100 needed)');
    expect(p.meps[1].warnings[0]).toMatch(/software timers cannot keep 10ms/);
  });

  it('falls back for multipoint MEGs, up MEPs, VLAN MEPs and pins', () => {
    const p = plan(
      mkModel([
        mkMep({ mepId: 1, remoteMepIds: [2, 3] }),
        mkMep({ mepId: 4, direction: 'up' }),
        mkMep({ mepId: 5, vlan: 100 }),
        mkMep({ mepId: 6, placement: 'software' }),
        mkMep({ mepId: 7, enabled: false }),
      ]),
      hwResources(lan966xLike),
    );
    const reason = (id: number) => p.meps.find((m) => m.mepId === id)!.reason;
    expect(reason(1)).toBe('2 remote MEPs, hardware checks one peer per VOE');
    expect(reason(4)).toBe('up MEP not supported');
    expect(reason(5)).toBe('VLAN MEP (vlan 100) not supported');
    expect(reason(6)).toBe('pinned to software by config');
    expect(reason(7)).toBe('MEP not enabled');
    expect(p.violations).toEqual([]);
  });

  it('reports a hardware pin it cannot honour as a violation, and plans pins first', () => {
    const meps = [mkMep({ mepId: 1, interval: 1 }), mkMep({ mepId: 2, placement: 'hardware' }), mkMep({ mepId: 3, interval: 7, placement: 'hardware' })];
    const p = plan(mkModel(meps), hwResources(mkProfile({ voes: { port: 1, service: 0, up: 0, down: null, sharedTotal: null, perPort: null } })));
    expect(p.meps.map((m) => m.mepId)).toEqual([2, 3, 1]);
    expect(p.meps[0].ccm).toBe('hardware');
    expect(p.violations).toEqual(['md1/ma1/3 is pinned to hardware but interval 10min not in hardware intervals 3.33ms..1s']);
  });

  it('places other functions in hardware only where the profile offloads them', () => {
    const prof = mkProfile({ offload: { loopback: true, linktrace: false, aisLck: false, lm: false, dm: true } });
    const m = plan(mkModel([mkMep({ mepId: 1 })]), hwResources(prof)).meps[0];
    expect(m.functions.loopback).toEqual({ placement: 'hardware' });
    expect(m.functions.dm).toEqual({ placement: 'hardware' });
    expect(m.functions.linktrace).toEqual({ placement: 'software', reason: 'test-chip does not offload LTM/LTR' });
  });

  it('limits by backend capabilities at run time (stricter wins)', () => {
    const res = hwResources(lan966xLike, {
      kind: 'mock', description: '', portVoes: 2, serviceVoes: 0, txIntervals: [3, 4], rxIntervals: [1, 2, 3, 4],
      peersPerVoe: 1, upMep: false, vlanMep: false, ccmTxMode: 'injected', loopbackOffload: false, linktraceOffload: false,
      policers: 0, frameIo: true,
    });
    const p = plan(mkModel([mkMep({ mepId: 1, interval: 2 }), mkMep({ mepId: 2 }), mkMep({ mepId: 3 }), mkMep({ mepId: 4 })]), res);
    expect(p.meps[0].reason).toBe('interval 10ms not in hardware intervals 100ms..1s');
    expect(p.meps.filter((m) => m.ccm === 'hardware')).toHaveLength(2);
  });

  it('is deterministic and printable', () => {
    const meps = Array.from({ length: 12 }, (_, i) => mkMep({ mepId: 12 - i, interval: ((i % 4) + 3) as IntervalCode }));
    const a = plan(mkModel(meps), hwResources(lan966xLike));
    const b = plan(mkModel([...meps].reverse()), hwResources(lan966xLike));
    expect(JSON.stringify(planToJson(a))).toBe(JSON.stringify(planToJson(b)));
    const text = formatPlan(a);
    expect(text).toContain('interval 10s not in hardware intervals 3.33ms..1s');
    expect(text).toContain('6 of 12 MEPs in hardware');
  });
});
