/** Shipped hardware profiles: all valid, the facts the planner relies on, and broken profiles rejected. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProfiles, loadProfile, PROFILE_DIR, ProfileError, validateProfileText } from '../../src/profiles/index.js';
import { formatProfile } from '../../src/profiles/table.js';

const SHIPPED = ['broadcom-xgs', 'jaguar-2', 'lan966x', 'lan969x', 'linux-bridge', 'marvell-cpss', 'mock-default', 'ocelot', 'serval-1', 'serval-t', 'software', 'sparx-5'];

function rawOf(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROFILE_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

describe('shipped profiles', () => {
  it('lists every required profile', () => {
    expect(listProfiles()).toEqual(expect.arrayContaining(SHIPPED));
  });

  it.each(listProfiles())('%s validates and every unknown number has a note', (name) => {
    const p = loadProfile(name);
    expect(p.name).toBe(name);
    expect(Object.keys(p.sources).length).toBeGreaterThan(0);
    const nulls: Array<[string, number | null]> = [
      ['/voes/port', p.voes.port], ['/voes/service', p.voes.service], ['/voes/up', p.voes.up], ['/voes/down', p.voes.down],
      ['/mips/down', p.mips.down], ['/mips/up', p.mips.up], ['/remote-mep-table', p.remoteMepTable], ['/port-count', p.portCount],
    ];
    for (const [ptr, v] of nulls) {
      if (v === null) expect(p.notes[ptr] ?? p.notes[ptr.slice(0, ptr.lastIndexOf('/'))], `${name} ${ptr}`).toBeTruthy();
    }
    expect(p.txIntervals.length).toBeGreaterThan(0);
    expect([...p.txIntervals].sort((a, b) => a - b)).toEqual(p.txIntervals);
    expect(formatProfile(p)).toContain('CCM TX intervals');
  });

  it('MESA VOP chips: 3.33 ms..1 s (10 s on V2), one peer per VOE, AFI 300 fps, capacities of vtss_vop_api.h', () => {
    const lan966x = loadProfile('lan966x');
    expect(lan966x).toMatchObject({ txIntervals: [1, 2, 3, 4], rxIntervals: [1, 2, 3, 4], peersPerVoe: 1, ccmTx: 'injected', injectorBudgetFps: 300, upMep: false, vlanMep: false });
    expect(lan966x.voes).toMatchObject({ port: 8, service: 0 });
    expect(lan966x.mips).toEqual({ down: 0, up: 0 });
    expect(lan966x.offload.loopback).toBe(false);
    for (const [name, port, service, down, up] of [['ocelot', 11, 32, 0, 0], ['serval-t', 11, 192, 128, 127], ['jaguar-2', 53, 1024, 1024, 1023], ['sparx-5', 65, 1024, 1024, 1023], ['lan969x', 30, 32, 32, 31]] as const) {
      const p = loadProfile(name);
      expect(p.voes).toMatchObject({ port, service });
      expect(p.mips).toEqual({ down, up });
      expect(p.peersPerVoe).toBe(1);
      expect(p.txIntervals).toEqual(p.generation === 'VOP_V2' ? [1, 2, 3, 4, 5] : [1, 2, 3, 4]);
      expect(p.txIntervals).not.toContain(6);
      expect(p.offload.loopback).toBe(true);
    }
  });

  it('Broadcom XGS: all 7 intervals in hardware, many peers, unknown capacities said explicitly', () => {
    const p = loadProfile('broadcom-xgs');
    expect(p.txIntervals).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(p.ccmTx).toBe('hardware');
    expect(p.peersPerVoe).toBe(Number.POSITIVE_INFINITY);
    expect(p.voes.port).toBeNull();
    expect(p.notes['/voes']).toMatch(/device specific/);
    expect(rawOf('broadcom-xgs')['peers-per-voe']).toBe('many');
  });

  it('Linux bridge: down port MEPs only, one per port, CCM only, 100 ms..10 min', () => {
    const p = loadProfile('linux-bridge');
    expect(p).toMatchObject({ upMep: false, vlanMep: false, ccmTx: 'software', txIntervals: [3, 4, 5, 6, 7] });
    expect(p.voes).toMatchObject({ service: 0, up: 0, perPort: 1 });
    expect(Object.values(p.offload).every((x) => x === false)).toBe(true);
  });

  it('mock-default: ports p0..p7, 8 + 32 VOEs, MESA-like intervals, injector budget', () => {
    const p = loadProfile('mock-default');
    expect(p.ports).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(p.voes).toMatchObject({ port: 8, service: 32 });
    expect(p).toMatchObject({ txIntervals: [1, 2, 3, 4], peersPerVoe: 1, ccmTx: 'injected', backend: 'mock' });
    expect(p.injectorBudgetFps).toBeGreaterThanOrEqual(300);
    expect(p.policers).not.toBeNull();
  });

  it('unknown profile name: a ProfileError naming the known ones', () => {
    expect(() => loadProfile('tofino')).toThrow(ProfileError);
    expect(() => loadProfile('tofino')).toThrow(/known: .*lan966x/);
  });
});

describe('broken profiles', () => {
  const cases: Array<{ name: string; mutate: (p: Record<string, any>) => void; pointer: string; rule: string }> = [
    { name: 'unknown key', mutate: (p) => { p.speed = 1; }, pointer: '/speed', rule: 'schema.additionalProperties' },
    { name: 'missing voes', mutate: (p) => { delete p.voes; }, pointer: '', rule: 'schema.required' },
    { name: 'negative VOE count', mutate: (p) => { p.voes.port = -1; }, pointer: '/voes/port', rule: 'schema.minimum' },
    { name: 'bad interval', mutate: (p) => { p['tx-intervals'].push('2s'); }, pointer: '/tx-intervals/4', rule: 'schema.enum' },
    { name: 'bad ccm-tx', mutate: (p) => { p['ccm-tx'] = 'magic'; }, pointer: '/ccm-tx', rule: 'schema.enum' },
    { name: 'null without a note', mutate: (p) => { p.voes.service = null; }, pointer: '/voes/service', rule: 'profile.null-without-note' },
    { name: 'ports disagree with port-count', mutate: (p) => { p['port-count'] = 9; }, pointer: '/ports', rule: 'profile.port-count' },
    { name: 'up-mep without up VOEs', mutate: (p) => { p.voes.up = 0; }, pointer: '/up-mep', rule: 'profile.contradiction' },
    { name: 'no sources', mutate: (p) => { p.sources = {}; }, pointer: '/sources', rule: 'profile.sources' },
    { name: 'name differs from the file', mutate: (p) => { p.name = 'other'; }, pointer: '/name', rule: 'profile.name-file' },
  ];
  it.each(cases)('$name -> $rule at $pointer', ({ mutate, pointer, rule }) => {
    const p = rawOf('mock-default');
    mutate(p);
    const { profile, issues } = validateProfileText(JSON.stringify(p, null, 2), '/tmp/mock-default.json');
    expect(profile).toBeUndefined();
    expect(issues.find((i) => i.pointer === pointer && i.rule === rule), JSON.stringify(issues)).toBeDefined();
    for (const i of issues) expect(i.location).toMatch(/^\/tmp\/mock-default\.json:\d+:\d+$/);
  });
});
