import { describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/index.js';
import { listProfiles, loadProfile } from '../../src/profiles/index.js';
import { plan } from '../../src/offload/planner.js';
import { hwResources } from '../../src/offload/resources.js';
import type { Plan } from '../../src/offload/types.js';

const demo = loadConfigOrThrow(new URL('../../examples/demo.yaml', import.meta.url).pathname);
const board = loadConfigOrThrow(new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname);

function reasons(p: Plan): Record<string, string> {
  return Object.fromEntries(p.meps.map((m) => [m.key, m.ccm === 'hardware' ? 'hardware' : m.reason!]));
}

describe('planner on every shipped profile', () => {
  const names = listProfiles();
  it('ships the expected profiles', () => {
    expect(names).toEqual(expect.arrayContaining(['mock-default', 'lan966x', 'ocelot', 'serval-t', 'jaguar-2', 'sparx-5', 'lan969x', 'broadcom-xgs', 'marvell-cpss', 'linux-bridge', 'software']));
  });

  for (const name of names) {
    it(`${name}: every placement is consistent with the profile and every fallback has a reason`, () => {
      const prof = loadProfile(name);
      for (const [model, sw] of [[demo, 'sw1'], [demo, 'sw2'], [board, 'default']] as const) {
        const p = plan(model, hwResources(prof), { switch: sw });
        expect(p.meps.length).toBeGreaterThan(0);
        for (const m of p.meps) {
          if (m.ccm === 'software') {
            expect(m.reason, m.key).toBeTruthy();
            expect(m.voe).toBeUndefined();
            expect(Object.values(m.functions).every((f) => f.placement === 'software' && f.reason)).toBe(true);
          } else {
            expect(prof.txIntervals).toContain(m.interval);
            expect(prof.rxIntervals).toContain(m.interval);
            expect(m.remoteMepIds.length).toBeLessThanOrEqual(prof.peersPerVoe);
            if (m.direction === 'up') expect(prof.upMep).toBe(true);
            if (m.vlan !== 0) expect(prof.vlanMep).toBe(true);
            expect(m.voe?.key).toBe(m.key);
            for (const [f, fp] of Object.entries(m.functions)) {
              const full = prof.offload[f as keyof typeof prof.offload];
              expect(fp.placement, `${m.key} ${f}`).toBe(full ? 'hardware' : 'software');
            }
          }
        }
        expect(p.usage.portVoes.used).toBeLessThanOrEqual(p.usage.portVoes.total);
        expect(p.usage.serviceVoes.used).toBeLessThanOrEqual(p.usage.serviceVoes.total);
        if (prof.injectorBudgetFps !== null && prof.ccmTx === 'injected') expect(p.usage.injectorFps.used).toBeLessThanOrEqual(prof.injectorBudgetFps);
      }
    });
  }

  it('mock-default on the demo: intervals, multipoint and pins', () => {
    const r = reasons(plan(demo, hwResources(loadProfile('mock-default')), { switch: 'sw1' }));
    expect(r).toEqual({
      'demo/svc-3ms/11': 'hardware',
      'demo/svc-10ms/21': 'hardware',
      'demo/svc-100ms/31': 'hardware',
      'link/sw1-sw2/1': 'hardware',
      'demo/svc-1s/41': 'hardware',
      'demo/svc-multi/81': '2 remote MEPs, hardware checks one peer per VOE',
      'demo/svc-multi/83': '2 remote MEPs, hardware checks one peer per VOE',
      'demo/svc-pinned/91': 'pinned to software by config',
      'demo/svc-10s/51': 'interval 10s not in hardware intervals 3.33ms..1s',
      'demo/svc-1min/61': 'interval 1min not in hardware intervals 3.33ms..1s',
      'demo/svc-10min/71': 'interval 10min not in hardware intervals 3.33ms..1s',
    });
  });

  it('lan966x: port MEPs only; VLAN and up MEPs fall back; the board fits the 300 fps injector', () => {
    const r = reasons(plan(demo, hwResources(loadProfile('lan966x')), { switch: 'sw1' }));
    expect(r['link/sw1-sw2/1']).toBe('hardware');
    expect(r['demo/svc-3ms/11']).toBe('VLAN MEP (vlan 10) not supported');
    expect(r['demo/svc-multi/81']).toBe('up MEP not supported');
    const b = plan(board, hwResources(loadProfile('lan966x')));
    expect(b.meps.every((m) => m.ccm === 'hardware')).toBe(true);
    expect(b.usage.portVoes).toEqual({ used: 8, total: 8 });
  });

  it('jaguar-2: the 300 fps injector budget goes to the fastest MEP first', () => {
    const p = plan(demo, hwResources(loadProfile('jaguar-2')), { switch: 'sw1' });
    const r = reasons(p);
    expect(r['demo/svc-3ms/11']).toBe('hardware');
    expect(r['demo/svc-10ms/21']).toBe('injector budget 300 fps exceeded (300 used + 100 needed)');
    // the 3.33 ms MEP takes the whole budget: even a 10 s MEP (0.1 fps) no longer fits
    expect(r['demo/svc-10s/51']).toBe('injector budget 300 fps exceeded (300 used + 0.1 needed)');
    expect(r['link/sw1-sw2/1']).toBe('injector budget 300 fps exceeded (300 used + 10 needed)');
    expect(r['demo/svc-1min/61']).toBe('interval 1min not in hardware intervals 3.33ms..10s');
  });

  it('profiles without public VOE counts plan 0 VOEs and say so', () => {
    for (const name of ['broadcom-xgs', 'marvell-cpss']) {
      const p = plan(demo, hwResources(loadProfile(name)), { switch: 'sw1' });
      expect(p.meps.every((m) => m.ccm === 'software'), name).toBe(true);
      expect(p.notes, name).toContain('port VOE count unknown in the profile: planned as 0');
      expect(reasons(p)['link/sw1-sw2/1'], name).toBe(`no port VOEs in ${name}`);
    }
    // with a backend that reports its table sizes, the same profile places MEPs in hardware
    const caps = { kind: 'vendor', description: 'xgs shim', portVoes: 64, serviceVoes: 1024, txIntervals: [1, 2, 3, 4, 5, 6, 7] as const, rxIntervals: [1, 2, 3, 4, 5, 6, 7] as const, peersPerVoe: 32, upMep: true, vlanMep: true, ccmTxMode: 'hardware' as const, loopbackOffload: true, linktraceOffload: false, policers: 0, frameIo: true };
    const p = plan(demo, hwResources(loadProfile('broadcom-xgs'), { ...caps, txIntervals: [...caps.txIntervals], rxIntervals: [...caps.rxIntervals] }), { switch: 'sw1' });
    expect(p.meps.filter((m) => m.ccm === 'software').map((m) => [m.key, m.reason])).toEqual([['demo/svc-pinned/91', 'pinned to software by config']]);
  });

  it('software and linux-bridge profiles', () => {
    const s = reasons(plan(board, hwResources(loadProfile('software'))));
    expect(Object.values(s).every((x) => x === 'no port VOEs in software' || x.startsWith('interval'))).toBe(true);
    // linux-bridge: the kernel runs down port MEPs (one per port) at 100 ms..10 min (issue 11
    // item 19: the profile gives the kernel's count, so offline plans match the apply)
    const lb = plan(board, hwResources(loadProfile('linux-bridge')));
    expect(reasons(lb)['links/link0/1']).toBe('interval 10ms not in hardware intervals 100ms..10min');
    expect(reasons(lb)['links/link1/2']).toBe('interval 10ms not in hardware intervals 100ms..10min');
    expect(lb.meps.filter((m) => m.ccm === 'hardware').map((m) => m.port).sort()).toEqual(['p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  });
});
