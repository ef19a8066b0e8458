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
