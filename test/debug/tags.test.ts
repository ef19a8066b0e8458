/** Debug tags resolve to the MP's port, VLAN and level (examples/demo.yaml); unknown MPs are errors. */
import { describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/index.js';
import { mergeTags } from '../../src/debug/runtime.js';
import { parseTagWords } from '../../src/debug/tag-words.js';
import { describeTag, resolveTags, tagMatches } from '../../src/debug/tags.js';

const model = loadConfigOrThrow('examples/demo.yaml');

describe('debug tags', () => {
  it('resolves a MEP tag from CLI words to its port, VLAN and level, per switch', () => {
    const t = parseTagWords(['mep', '41', 'domain', 'demo', 'association', 'svc-1s', 'direction', 'tx']);
    const r = resolveTags(model, [t]);
    expect(r).toEqual([{ kind: 'mep', key: 'demo/svc-1s/41', switch: 'sw1', port: 'p1', vlan: 40, level: 5, direction: 'tx' }]);
    expect(resolveTags(model, [t], 'sw2')).toEqual([]);
    expect(describeTag(r[0])).toBe('mep demo/svc-1s/41 on p1.40 level 5 (tx)');
    expect(tagMatches(r[0], 'tx', 'p1', 40, 5)).toBe(true);
    expect(tagMatches(r[0], 'rx', 'p1', 40, 5)).toBe(false);
    expect(tagMatches(r[0], 'tx', 'p1', 40, 4)).toBe(false);
  });

  it('names the MP that does not exist', () => {
    expect(() => resolveTags(model, [parseTagWords(['mep', '9', 'domain', 'demo', 'association', 'svc-1s'])])).toThrow('debug tag: MEP 9 of domain demo association svc-1s is not a local MEP');
    expect(() => parseTagWords(['mep', '0', 'domain', 'a', 'association', 'b'])).toThrow("mep-id must be an integer 1..8191, not '0'");
    expect(() => parseTagWords(['mip', 'p1', 'level', '3', 'colour', 'red'])).toThrow("unknown keyword 'colour'");
    expect(() => parseTagWords(['vlan'])).toThrow(/expected 'mep/);
  });

  it('a persisted tag overrides the config tag of the same MP', () => {
    const cfg = parseTagWords(['mep', '41', 'domain', 'demo', 'association', 'svc-1s']);
    const cli = parseTagWords(['mep', '41', 'domain', 'demo', 'association', 'svc-1s', 'direction', 'rx']);
    const other = parseTagWords(['mip', 'p2', 'level', '5', 'vlan', '80', 'switch', 'sw1']);
    expect(mergeTags([cfg], [cli, other])).toEqual([cli, other]);
  });
});
