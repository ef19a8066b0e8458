/**
 * The validate-only path (src/config/validate.ts, issue 11 item 25): `validateConfig` gives the
 * answer, issues (pointer, rule, message, location) and summary of `loadConfig` on the examples,
 * the fixture, generated configs and broken ones (MEP rules it checks itself, errors in the middle
 * of big lists, seeded random mutations), and valid configs really take the path without a model.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/config/ajv.js';
import { generateSpConfig } from '../../src/config/generate.js';
import { loadConfig, summarize, validateConfig } from '../../src/config/index.js';
import { streamLoad } from '../../src/config/stream.js';
import { fileSource } from '../../src/config/text-source.js';
import { MepValidator } from '../../src/config/validate.js';
import { base } from './fixtures.js';
import type { Doc } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-config-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const examples = join(PACKAGE_ROOT, 'examples');

function write(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** validateConfig(f) is what loadConfig(f) says; returns it. */
function same(f: string): ReturnType<typeof validateConfig> {
  const v = validateConfig(f);
  const l = loadConfig(f);
  expect(v).toEqual(l.model ? { valid: true, errors: [], summary: summarize(l.model) } : { valid: false, errors: l.errors });
  return v;
}

/** Whether the validate-only path alone answers "valid" (no model of MEPs, no fallback). */
function validatesWithoutModel(f: string): boolean {
  const src = fileSource(f);
  try {
    const v = new MepValidator();
    const m = streamLoad(src, { format: f.endsWith('.json') ? 'json' : 'yaml', fileName: f, baseDir: dir }, v);
    if (m) expect(m.domains.every((d) => d.associations.every((a) => a.meps.length === 0))).toBe(true);
    return m !== undefined;
  } finally {
    src.close();
  }
}

const both = (name: string, doc: Doc): string[] => [write(`${name}.yaml`, stringify(doc, { lineWidth: 0 })), write(`${name}.json`, JSON.stringify(doc))];

describe('validateConfig: the same answer as loadConfig, without keeping a model', () => {
  const repoConfigs = readdirSync(examples).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

  it.each(repoConfigs)('examples/%s as written and as JSON', (f) => {
    const text = readFileSync(join(examples, f), 'utf8');
    expect(same(join(examples, f)).valid).toBe(true);
    const doc = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Doc;
    for (const g of both(`ex-${f}`, doc)) expect(same(g).valid).toBe(true);
  });

  it('generated service-provider configs and the fixture (its MEP debug tag is left to the loader) validate alike', () => {
    for (const f of [...both('sp-2000', generateSpConfig({ meps: 2000 })), ...both('sp-64', generateSpConfig({ meps: 64 }))]) {
      expect(same(f).valid).toBe(true);
      expect(validatesWithoutModel(f)).toBe(true);
    }
    for (const f of both('base', base())) {
      expect(same(f).valid).toBe(true);
      expect(validatesWithoutModel(f)).toBe(false); // declined: debug tag on a MEP
    }
    const noTag = base();
    noTag['debug-tags'] = noTag['debug-tags'].filter((t: Doc) => !t.mep);
    for (const f of both('base-notag', noTag)) expect(validatesWithoutModel(f)).toBe(true);
  });

  it('missing files and unreadable text: the loader\'s issues', () => {
    expect(same(join(dir, 'nope.yaml')).valid).toBe(false);
    expect(same(write('syntax.yaml', 'cfm: [\n')).valid).toBe(false);
    expect(same(write('syntax.json', '{"cfm": ')).valid).toBe(false);
  });
});

/** The fixture without its MEP debug tag, so that the validate-only path takes it. */
function fixture(): Doc {
  const d = base();
  d['debug-tags'] = d['debug-tags'].filter((t: Doc) => !t.mep);
  return d;
}

const mep = (d: Doc, g: number, k = 0): Doc => d.cfm['maintenance-group'][g].mep[k];

describe('validateConfig: broken configs get the loader\'s issues', () => {
  const cases: Array<[string, (d: Doc) => void, string]> = [
    ['duplicate local MEP id in an MA', (d) => { d.cfm['maintenance-group'].push({ 'maintenance-group-id': 'g2', 'md-id': 'cust', 'ma-id': 'svc100', mep: [{ 'mep-id': 1, interface: 'p3', direction: 'down' }] }); }, 'mep.duplicate-id'],
    ['local MEP not in the MA list', (d) => { mep(d, 0)['mep-id'] = 3; }, 'mep.not-in-ma'],
    ['two MEPs on a port, VLAN, level and direction', (d) => { d.cfm['maintenance-group'][0].mep.push({ 'mep-id': 2, interface: 'p0', direction: 'down' }); }, 'mep.conflict'],
    ['up and down MEP at one level on a port', (d) => { d.cfm['maintenance-group'][0].mep.push({ 'mep-id': 2, interface: 'p0', direction: 'up' }); }, 'mp.same-level'],
    ['MIP at a MEP\'s level', (d) => { d.cfm.mip.push({ interface: 'p0', 'md-level': 6, vid: 100 }); }, 'mp.same-level'],
    ['MIP below a MEP', (d) => { d.cfm.mip.push({ interface: 'p0', 'md-level': 5, vid: 100 }); }, 'mip.below-mep'],
    ['down MEP above an up MEP', (d) => { mep(d, 1).interface = 'p0'; mep(d, 1).direction = 'up'; d.cfm['maintenance-domain'][1]['maintenance-association'][0]['primary-vid'] = 100; }, 'mp.nesting'],
    ['MEP port not on the board', (d) => { mep(d, 2).interface = 'p9'; }, 'port.unknown'],
    ['group MAC address on a MEP', (d) => { mep(d, 0)['mac-address'] = '01:00:00:00:00:01'; }, 'mep.mac-multicast'],
    ['inactive remote MEP not in the MA', (d) => { mep(d, 0)['inactive-remote-mep'] = [{ 'inactive-rmep-id': 9 }]; }, 'mep.inactive-not-remote'],
    ['switch not declared', (d) => { d.switches = [{ name: 'a' }]; mep(d, 0).switch = 'b'; }, 'switch.unknown'],
  ];
  it.each(cases)('%s', (_name, mutate, rule) => {
    const d = fixture();
    mutate(d);
    for (const f of both(`broken-${rule}`, d)) {
      const v = same(f);
      expect(v.valid).toBe(false);
      expect(v.errors.map((e) => e.rule)).toContain(rule);
      if (f.endsWith('.yaml')) expect(v.errors.every((e) => e.location?.startsWith(f))).toBe(true);
    }
  });

  it('errors in the middle of big lists (schema, reference, MEP rules between entries)', () => {
    const mutations: Array<[string, (d: Doc) => void]> = [
      ['schema', (d) => { d.cfm['maintenance-group'][1000].mep[0]['ccm-ltm-priority'] = 9; }],
      ['unknown-ma', (d) => { d.cfm['maintenance-group'][1200]['ma-id'] = 'nope'; }],
      ['conflict', (d) => { const g = d.cfm['maintenance-group']; g[1500].mep[0].interface = g[700].mep[0].interface; g[1500]['md-id'] = g[700]['md-id']; g[1500]['ma-id'] = g[700]['ma-id']; }],
      ['md-level', (d) => { d.cfm['maintenance-domain'][1]['md-level'] = 9; }],
    ];
    for (const [name, mutate] of mutations) {
      const d = generateSpConfig({ meps: 2000 }) as Doc;
      mutate(d);
      for (const f of both(`mid-${name}`, d)) {
        expect({ name, valid: same(f).valid }).toEqual({ name, valid: false });
      }
    }
  });

  it('seeded random changes to MEPs and MIPs (ports, directions, levels, VLANs): always the loader\'s answer', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let invalid = 0;
    for (let t = 0; t < 40; t++) {
      const d = generateSpConfig({ meps: 64 }) as Doc;
      const groups = d.cfm['maintenance-group'];
      const ports: string[] = d.board.ports;
      for (let c = 0; c < 1 + rnd(3); c++) {
        const g = groups[rnd(groups.length)];
        const m = g.mep[rnd(g.mep.length)];
        const what = rnd(5);
        if (what === 0) m.interface = ports[rnd(4)];
        else if (what === 1) m.direction = m.direction === 'up' ? 'down' : 'up';
        else if (what === 2 && d.cfm.mip.length) d.cfm.mip[rnd(d.cfm.mip.length)]['md-level'] = rnd(8);
        else if (what === 3 && d.cfm.mip.length) d.cfm.mip[rnd(d.cfm.mip.length)].interface = m.interface;
        else {
          const other = groups[rnd(groups.length)];
          g['md-id'] = other['md-id'];
          g['ma-id'] = other['ma-id'];
        }
      }
      const f = write(`rnd-${t}.json`, JSON.stringify(d));
      if (!same(f).valid) invalid++;
    }
    expect(invalid).toBeGreaterThan(5); // the changes do break rules
    expect(invalid).toBeLessThan(40);
  });
});
