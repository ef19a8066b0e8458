/**
 * replan (one change without walking every MEP) must give exactly the full planner's plan
 * whenever it answers; it declines (null) when table pressure makes other MEPs' placement depend
 * on the change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IntervalCode } from '../../src/common/interval.js';
import type { LocalMep } from '../../src/config/model.js';
import { plan } from '../../src/offload/planner.js';
import { replan } from '../../src/offload/replan.js';
import { hwResources } from '../../src/offload/resources.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';

const profileArb = fc.record({
  port: fc.integer({ min: 0, max: 12 }),
  service: fc.integer({ min: 0, max: 12 }),
  perPort: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  budget: fc.option(fc.integer({ min: 1, max: 800 }), { nil: null }),
  reserve: fc.integer({ min: 0, max: 3 }),
});

const mepArb = (id: number) =>
  fc.record({
    interval: fc.integer({ min: 1, max: 7 }),
    vlan: fc.constantFrom(0, 0, 10),
    port: fc.constantFrom('p1', 'p2', 'p3'),
    placement: fc.constantFrom('auto', 'auto', 'auto', 'hardware', 'software'),
    enabled: fc.boolean(),
    ccmEnabled: fc.boolean(),
    peers: fc.integer({ min: 1, max: 2 }),
  }).map((r): LocalMep => mkMep({
    mepId: id, associationId: `ma${id}`, interval: r.interval as IntervalCode, vlan: r.vlan, port: r.port,
    placement: r.placement as LocalMep['placement'], enabled: r.enabled || r.placement === 'hardware', ccmEnabled: r.ccmEnabled,
    remoteMepIds: r.peers === 1 ? [1000 + id] : [1000 + id, 2000 + id],
  }));

describe('replan', () => {
  it('equals the full plan whenever it answers, on random models and changes', () => {
    let answered = 0;
    let declined = 0;
    fc.assert(
      fc.property(
        profileArb,
        fc.integer({ min: 1, max: 20 }).chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => mepArb(i + 1))), fc.array(fc.tuple(fc.nat(), mepArb(0)), { minLength: 1, maxLength: 4 }))),
        (p, [meps, edits]) => {
          const prof = mkProfile({ voes: { port: p.port, service: p.service, up: null, down: null, sharedTotal: null, perPort: p.perPort }, vlanMep: true, injectorBudgetFps: p.budget, txIntervals: [1, 2, 3, 4, 5], rxIntervals: [1, 2, 3, 4, 5] });
          const res = hwResources(prof);
          const policy = { reserveVoes: p.reserve };
          const before = plan(mkModel(meps), res, { policy });
          const now = meps.slice();
          const changes = new Map<string, { old: LocalMep; now: LocalMep }>();
          for (const [i, e] of edits) {
            const k = i % now.length;
            const old = meps[k];
            const next: LocalMep = { ...old, interval: e.interval, placement: e.placement, enabled: e.enabled, ccmEnabled: e.ccmEnabled, remoteMepIds: e.remoteMepIds.length === 1 ? [1000 + old.mepId] : [1000 + old.mepId, 2000 + old.mepId] };
            now[k] = next;
            changes.set(old.key, { old, now: next });
          }
          const byKey = new Map(now.map((m) => [m.key, m]));
          const fast = replan(before, [...changes.values()], (k) => byKey.get(k)!)?.plan ?? null;
          const full = plan(mkModel(now), res, { policy });
          if (fast === null) {
            declined++;
            return;
          }
          answered++;
          expect(JSON.parse(JSON.stringify(fast))).toEqual(JSON.parse(JSON.stringify(full)));
          // and the facts carried forward let a second change go on from there
          const again = replan(fast, [], (k) => byKey.get(k)!)?.plan;
          expect(again?.usage).toEqual(full.usage);
        },
      ),
      { numRuns: 400 },
    );
    // both paths must be exercised for the property to mean anything
    expect(answered).toBeGreaterThan(50);
    expect(declined).toBeGreaterThan(10);
  });

  it('declines under table pressure: a freed VOE would move another MEP', () => {
    const res = hwResources(mkProfile({ voes: { port: 1, service: 0, up: null, down: null, sharedTotal: null, perPort: null } }));
    const a = mkMep({ mepId: 1, associationId: 'ma1', port: 'p1' });
    const b = mkMep({ mepId: 2, associationId: 'ma2', port: 'p2' });
    const before = plan(mkModel([a, b]), res);
    expect(before.meps.map((m) => m.ccm)).toEqual(['hardware', 'software']);
    const a2 = { ...a, placement: 'software' as const };
    expect(replan(before, [{ old: a, now: a2 }], (k) => (k === a.key ? a2 : b))).toBeNull();
    expect(plan(mkModel([a2, b]), res).meps.find((m) => m.key === b.key)?.ccm).toBe('hardware');
  });
});
