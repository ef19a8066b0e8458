/** validateModel on models built in code, and the number-set helpers. */
import { describe, expect, it } from 'vitest';
import { formatNumberSet, parseNumberSet, validateModel } from '../../src/config/index.js';
import { base, load } from './fixtures.js';

describe('validateModel', () => {
  it('accepts a loaded model and reports rules broken in code with export-layout pointers', () => {
    const m = load(base()).model!;
    expect(validateModel(m)).toEqual([]);
    const mep = m.domains[0].associations[0].meps[0];
    mep.fngAlarmTimeMs = 100;
    mep.ccmLtmPriority = 9;
    m.domains[1].associations[1].mepIds.push(9000);
    const issues = validateModel(m);
    expect(issues.map((i) => [i.pointer, i.rule])).toEqual(expect.arrayContaining([
      ['/cfm/maintenance-group/0/mep/0/continuity-check/fng-alarm-time', 'range.fng-time'],
      ['/cfm/maintenance-group/0/mep/0/ccm-ltm-priority', 'range.priority'],
      ['/cfm/maintenance-domain/1/maintenance-association/1/maintenance-association-mep', 'range.mep-id'],
    ]));
  });

  it('finds a duplicate MEP added in code', () => {
    const m = load(base()).model!;
    const a = m.domains[1].associations[0];
    a.meps.push({ ...a.meps[0], port: 'p3' });
    expect(validateModel(m).map((i) => i.rule)).toContain('mep.duplicate-id');
  });

  // checkModel skips its set of every MEP key and map of every MA key when the keys are plain
  // (every loaded model); models built in code with other keys take the general way.
  it('MEP identity with keys that are not md-id/ma-id/mep-id: equal keys in two MAs, a MEP naming another MA', () => {
    const m = load(base()).model!;
    const [evc, link] = m.domains[1].associations;
    link.meps[0].key = evc.meps[0].key; // the same key in another MA
    let rules = validateModel(m).filter((i) => i.rule === 'mep.duplicate-id');
    expect(rules).toHaveLength(1);
    expect(rules[0].message).toContain("MEP 20 is configured twice in 'prov/link'");

    const m2 = load(base()).model!;
    const [evc2, link2] = m2.domains[1].associations;
    evc2.meps[0].associationId = link2.id; // names 'link', whose MEP list is [20, 21]
    rules = validateModel(m2).filter((i) => i.rule === 'mep.not-in-ma');
    expect(rules.map((i) => i.message)).toEqual(["local MEP 10 is not in the MEP list of 'prov/link' (20, 21)"]);

    const m3 = load(base()).model!;
    m3.domains[1].associations[0].meps.push({ ...m3.domains[1].associations[0].meps[0], port: 'p3' });
    m3.domains[1].associations[0].meps.push({ ...m3.domains[1].associations[0].meps[0], port: 'p0' });
    expect(validateModel(m3).filter((i) => i.rule === 'mep.duplicate-id')).toHaveLength(2);
    expect(validateModel(load(base()).model!)).toEqual([]);
  });

  it('duplicate MAIDs: each later MA names the first with its MAID and level; all-zero MAIDs are never duplicates', () => {
    const m = load(base()).model!;
    const [evc, link] = m.domains[1].associations;
    const cust = m.domains[0].associations[0];
    link.maid = evc.maid.slice();
    const third = { ...link, key: 'prov/third', id: 'third', meps: [] };
    m.domains[1].associations.push(third);
    cust.maid = evc.maid.slice(); // same octets, another level: not a duplicate
    const zero = new Uint8Array(48);
    m.domains[0].associations.push({ ...cust, key: 'cust/z1', id: 'z1', maid: zero, meps: [] }, { ...cust, key: 'cust/z2', id: 'z2', maid: zero, meps: [] });
    const dups = validateModel(m).filter((i) => i.rule === 'ma.duplicate-maid').map((i) => i.message.split(';')[0]);
    expect(dups).toEqual([
      "'prov/link' has the same MAID and MD level as 'prov/evc1'",
      "'prov/third' has the same MAID and MD level as 'prov/evc1'",
    ]);
  });

  it('per-port rules report places in the order they first occur (not in the order of port or VLAN)', () => {
    const m = load(base()).model!;
    const svc = m.domains[0].associations[0];
    const link = m.domains[1].associations[1];
    svc.meps.push({ ...svc.meps[0], key: 'cust/svc100/2', mepId: 2, port: 'p1', remoteMepIds: [1] }); // p1 VLAN 100: down level 6 over an up level 3
    link.meps.push({ ...link.meps[0], key: 'prov/link/21', mepId: 21, port: 'p0', remoteMepIds: [20] }); // p0 VLAN 0, after p0 VLAN 100 and p1
    m.mips.push({ key: 'default/p0/0/3', switch: 'default', port: 'p0', vlan: 0, level: 3, placement: 'auto' });
    const issues = validateModel(m).filter((i) => i.rule.startsWith('mp.') || i.rule === 'mep.conflict' || i.rule === 'mip.below-mep');
    // p1 VLAN 100 (first at the second MEP; the base config's MIP is there too), then p0 VLAN 0
    expect(issues.map((i) => [i.rule, /on (port \S+(?: VLAN \d+)?)/.exec(i.message)?.[1]])).toEqual([
      ['mp.nesting', 'port p1 VLAN 100'], ['mp.same-level', 'port p1 VLAN 100'], ['mp.same-level', 'port p0'],
    ]);
  });
});

describe('number sets', () => {
  it('expands ranges, lists and numbers', () => {
    expect(parseNumberSet('5-7', 0, 7)).toEqual([5, 6, 7]);
    expect(parseNumberSet('3,5', 0, 255)).toEqual([3, 5]);
    expect(parseNumberSet(' 0 - 2 , 7,1', 0, 7)).toEqual([0, 1, 2, 7]);
    expect(parseNumberSet([7, 5, 5], 0, 7)).toEqual([5, 7]);
    expect(parseNumberSet(4, 0, 7)).toEqual([4]);
    expect((parseNumberSet('0-255', 0, 255) as number[]).length).toBe(256);
  });
  it('rejects malformed or out-of-range sets with a reason', () => {
    expect(parseNumberSet('7-5', 0, 7)).toMatch(/backwards/);
    expect(parseNumberSet('8', 0, 7)).toMatch(/outside/);
    expect(parseNumberSet('a', 0, 7)).toMatch(/not a number/);
    expect(parseNumberSet([], 0, 7)).toBe('empty set');
  });
  it('formats compactly and round-trips', () => {
    expect(formatNumberSet([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(formatNumberSet([3])).toBe(3);
    for (const s of ['5-7', '3,5', '0-255', '0,2,4-6']) {
      const v = parseNumberSet(s, 0, 255) as number[];
      expect(parseNumberSet(formatNumberSet(v), 0, 255)).toEqual(v);
    }
  });
});
