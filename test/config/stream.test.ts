/**
 * The streaming loader (issue 11 item 25: one list entry at a time) against the whole-document
 * loader: the same result (model, or every issue with its pointer and location) for the repo's
 * configs in many layouts, and for errors in the middle of a big list; it really streams the
 * configs it should (else these comparisons would prove nothing), and it steps aside for the
 * documents it cannot split.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/config/ajv.js';
import { generateSpConfig, generateSpConfigYaml } from '../../src/config/generate.js';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import type { ConfigFormat, LoadResult } from '../../src/config/index.js';
import { splitJson } from '../../src/config/split-json.js';
import { splitYaml } from '../../src/config/split-yaml.js';
import { ITEM_SCHEMA, streamLoad } from '../../src/config/stream.js';
import { SPLIT_LISTS, stringSource } from '../../src/config/text-source.js';
import { base } from './fixtures.js';
import type { Doc } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-config-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const examples = join(PACKAGE_ROOT, 'examples');
const formatOf = (name: string): ConfigFormat => (name.endsWith('.json') ? 'json' : 'yaml');

/** Whether the streaming loader alone gives a model for this text. */
function streams(text: string, name: string): boolean {
  return streamLoad(stringSource(text), { format: formatOf(name), fileName: name, baseDir: dir }) !== undefined;
}

/**
 * parseConfig and loadConfig (file source: windows, block reads, UTF-8 per entry) with and without
 * streaming give the same result; returns the streamed one.
 */
function same(text: string, name: string): LoadResult {
  const whole = parseConfig(text, { fileName: join(dir, name), stream: false });
  const streamed = parseConfig(text, { fileName: join(dir, name) });
  expect(streamed).toEqual(whole);
  const f = join(dir, name);
  writeFileSync(f, text);
  const wholeFile = loadConfig(f, { stream: false });
  expect(loadConfig(f)).toEqual(wholeFile);
  expect(wholeFile).toEqual(whole);
  return streamed;
}

function sp(meps: number): Doc {
  return generateSpConfig({ meps }) as Doc;
}

describe('streaming loader: the same model as the whole-document loader', () => {
  const repoConfigs = readdirSync(examples).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

  it.each(repoConfigs)('examples/%s (as written, block YAML, pretty and compact JSON)', (f) => {
    const text = readFileSync(join(examples, f), 'utf8');
    const r = same(text, `ex-${f}`);
    expect(r.errors).toEqual([]);
    // the same configuration in the other layouts the loader meets
    const doc = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Doc;
    const variants: Array<[string, string]> = [
      [`b-${f}.yaml`, stringify(doc, { lineWidth: 0 })],
      [`p-${f}.json`, JSON.stringify(doc, null, 2)],
      [`c-${f}.json`, JSON.stringify(doc)],
    ];
    for (const [name, t] of variants) {
      expect(same(t, name).model).toEqual(r.model);
      if (doc.cfm?.['maintenance-domain']?.length) expect(streams(t, name)).toBe(true);
    }
  });

  it('the test fixture config and generated service-provider configs stream and match', () => {
    for (const [name, text] of [
      ['base.yaml', stringify(base())],
      ['base.json', JSON.stringify(base(), null, 1)],
      ['sp-300.yaml', generateSpConfigYaml({ meps: 300 })], // flow-style entries in a block list
      ['sp-2000.yaml', stringify(sp(2000), { lineWidth: 0 })], // entries across 64 kB windows
      ['sp-2000.json', JSON.stringify(sp(2000))],
    ] as const) {
      expect(streams(text, name)).toBe(true);
      expect(same(text, name).errors).toEqual([]);
    }
  });

  it('YAML layouts: indentless lists, comments and blank lines between entries, CRLF, block scalars, lists in any order, the RESTCONF container', () => {
    const y = stringify(base(), { lineWidth: 0 });
    const layouts: Array<[string, string]> = [
      ['indentless.yaml', stringify(base(), { lineWidth: 0, indentSeq: false })], // `key:` then `- ` at the key's column (PyYAML's style)
      ['comments.yaml', y.replace(/^( *)- md-id/gm, '\n# a domain\n$1  # indented comment\n$1- md-id').replace(/^( *)- maintenance-group-id/gm, '$1# group\n\n$1- maintenance-group-id')],
      ['crlf.yaml', y.replace(/\n/g, '\r\n')],
      ['folded.yaml', y.replace("char-string: Customer", 'char-string: >-\n            Customer')],
      ['restconf.yaml', y.replace(/^cfm:/m, 'ieee802-dot1q-cfm:cfm:')],
      ['comment-after-key.yaml', y.replace('maintenance-group:', 'maintenance-group:   # the groups')],
    ];
    const reordered = base();
    const { cfm, ...rest } = reordered;
    layouts.push(['order.yaml', stringify({ 'cpu-protection': rest['cpu-protection'], cfm: { mip: cfm.mip, 'maintenance-group': cfm['maintenance-group'], 'maintenance-domain': cfm['maintenance-domain'] }, board: rest.board, 'debug-tags': rest['debug-tags'] })]);
    layouts.push(['order.json', JSON.stringify({ cfm: { 'maintenance-group': cfm['maintenance-group'], 'maintenance-domain': cfm['maintenance-domain'], mip: cfm.mip }, ...rest })]);
    const model = parseConfig(y, { stream: false }).model;
    expect(model).not.toBeNull();
    for (const [name, text] of layouts) {
      expect({ name, streams: streams(text, name) }).toEqual({ name, streams: true });
      expect({ name, model: same(text, name).model }).toEqual({ name, model });
    }
  });

  it('non-ASCII text is decoded per entry as the whole file would be (UTF-8 across window and entry boundaries)', () => {
    const d = sp(1000);
    const ports: string[] = d.board.ports;
    d.board.ports = ports.map((p) => `ü${p}-π`);
    const rename = (x: Doc): void => { x.interface = `ü${String(x.interface)}-π`; };
    for (const g of d.cfm['maintenance-group']) g.mep.forEach(rename);
    d.cfm.mip.forEach(rename);
    d['cpu-protection'].binding.forEach(rename);
    for (const [name, text] of [['utf8.yaml', stringify(d, { lineWidth: 0 })], ['utf8.json', JSON.stringify(d)]] as const) {
      expect(streams(text, name)).toBe(true);
      const r = same(text, name);
      expect(r.model?.domains[1].associations[0].meps[0].port).toBe('üge0-π');
    }
  });
});

describe('streaming loader: errors in the middle of a big list are the whole loader\'s', () => {
  type Mutation = [string, (d: Doc) => void];
  const mid = (d: Doc, list: string): Doc => d.cfm[list][Math.floor(d.cfm[list].length / 2)];
  const mutations: Mutation[] = [
    ['schema error in a group entry', (d) => { mid(d, 'maintenance-group').mep[0]['ccm-ltm-priority'] = 9; }],
    ['unknown key in an association', (d) => { d.cfm['maintenance-domain'][1]['maintenance-association'][150].colour = 'red'; }],
    ['unknown md-id (leafref)', (d) => { mid(d, 'maintenance-group')['md-id'] = 'nowhere'; }],
    ['MEP not in its MA', (d) => { mid(d, 'maintenance-group').mep[0]['mep-id'] = 77; }],
    ['unknown port', (d) => { mid(d, 'mip').interface = 'ge999'; }],
    ['duplicate group entries (MEP conflict)', (d) => { d.cfm['maintenance-group'].push(structuredClone(mid(d, 'maintenance-group'))); }],
    ['duplicate MAID', (d) => { d.cfm['maintenance-domain'][2]['maintenance-association'][5]['primary-vid'] = d.cfm['maintenance-domain'][2]['maintenance-association'][6]['primary-vid']; }],
    ['a binding with an unknown policy', (d) => { d['cpu-protection'].binding[20]['cpu-protection'] = 3; }],
  ];

  it.each(mutations)('%s', (_name, mutate) => {
    const d = sp(500);
    mutate(d);
    for (const [name, text] of [['bad.yaml', stringify(d, { lineWidth: 0 })], ['bad.json', JSON.stringify(d, null, 2)]] as const) {
      expect(streams(text, name)).toBe(false);
      const r = same(text, name);
      expect(r.model).toBeNull();
      expect(r.errors.length).toBeGreaterThan(0);
      expect(r.errors[0].location).toMatch(/:\d+:\d+$/);
    }
  });

  it('syntax inside an entry: duplicate keys, nesting over 64 levels, a broken token, an alias to another entry', () => {
    const text = stringify(sp(400), { lineWidth: 0 });
    const json = JSON.stringify(sp(400), null, 2);
    const deep = '['.repeat(70) + ']'.repeat(70);
    const cases: Array<[string, string]> = [
      ['dup.yaml', text.replace('- maintenance-group-id: g-evc-00100\n', '- maintenance-group-id: g-evc-00100\n    md-id: provider\n')],
      ['dup.json', json.replace('"maintenance-group-id": "g-evc-00100",', '"maintenance-group-id": "g-evc-00100", "maintenance-group-id": "x",')],
      ['deep.json', json.replace('"maintenance-group-id": "g-evc-00100",', `"maintenance-group-id": "g-evc-00100", "deep": ${deep},`)],
      ['deep.yaml', text.replace('- maintenance-group-id: g-evc-00100\n', `- maintenance-group-id: g-evc-00100\n    deep: ${deep}\n`)],
      ['token.json', json.replace('"maintenance-group-id": "g-evc-00100",', '"maintenance-group-id": "g-evc-00100" "x": 1,')],
      ['token.yaml', text.replace('- maintenance-group-id: g-evc-00100\n', '- maintenance-group-id: g-evc-00100\n    md-id: [provider\n')],
      ['alias.yaml', text.replace('- maintenance-group-id: g-evc-00100\n', '- &g maintenance-group-id: g-evc-00100\n').replace('- maintenance-group-id: g-evc-00101\n', '- maintenance-group-id: *g\n')],
      ['trailing-comma.json', json.replace(/\}\s*\]\s*,\s*"mip"/, '},\n ],\n "mip"')],
      ['missing-comma.json', json.replace(/\},(\s*\{\s*"maintenance-group-id": "g-evc-00101")/, '}$1')],
    ];
    for (const [name, t] of cases) {
      expect({ name, changed: t !== (name.endsWith('.json') ? json : text) }).toEqual({ name, changed: true });
      expect({ name, streams: streams(t, name) }).toEqual({ name, streams: false });
      const r = same(t, name);
      if (name !== 'alias.yaml') expect({ name, valid: r.model !== null }).toEqual({ name, valid: false });
    }
  });
});

describe('streaming loader: what it does not split goes whole', () => {
  it.each([
    ['flow.yaml', `cfm: ${JSON.stringify(base().cfm)}\nboard: ${JSON.stringify(base().board)}\n`],
    ['markers.yaml', `---\n${stringify(base())}...\n`],
    ['directive.yaml', `%YAML 1.2\n---\n${stringify(base())}`],
    ['quoted-key.yaml', stringify(base()).replace(/^cfm:/m, '"cfm":')],
    ['array.json', JSON.stringify([base()])],
    ['bom.json', '\uFEFF' + JSON.stringify(base())],
  ])('%s', (name, text) => {
    expect(streams(text, name)).toBe(false);
    same(text, name);
  });

  it('the splitters find every entry and a skeleton that is the rest of the text', () => {
    const d = base();
    const text = JSON.stringify(d, null, 2);
    const s = splitJson(stringSource(text))!;
    expect([...s.lists.keys()]).toEqual(['cfm/maintenance-domain', 'cfm/maintenance-group', 'cfm/mip', 'cpu-protection/binding']);
    const entries = (path: string) => {
      const r = s.lists.get(path)!;
      return Array.from({ length: r.length / 2 }, (_, k) => JSON.parse(text.slice(r[2 * k], r[2 * k + 1])) as unknown);
    };
    expect(entries('cfm/maintenance-group')).toEqual(d.cfm['maintenance-group']);
    expect(entries('cpu-protection/binding')).toEqual(d['cpu-protection'].binding);
    let skel = '';
    for (let k = 0; k < s.skeleton.length; k += 2) skel += text.slice(s.skeleton[k], s.skeleton[k + 1]);
    expect(JSON.parse(skel)).toEqual({ ...d, cfm: { 'maintenance-domain': [], 'maintenance-group': [], mip: [] }, 'cpu-protection': { ...d['cpu-protection'], binding: [] } });

    const y = stringify(d);
    const sy = splitYaml(stringSource(y))!;
    expect([...sy.lists.keys()]).toEqual([...s.lists.keys()]);
    expect(sy.lists.get('cfm/maintenance-domain')!.length / 2).toBe(2);
  });

  it('the split lists carry no rule of their own in the schema (so entry-by-entry checks are the whole check)', () => {
    const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schema', 'cfm-config.schema.json'), 'utf8')) as Doc;
    const lists: Record<string, Doc> = {
      'maintenance-domain': schema.$defs.cfm.properties['maintenance-domain'],
      'maintenance-group': schema.$defs.cfm.properties['maintenance-group'],
      mip: schema.$defs.cfm.properties.mip,
      binding: schema.$defs.cpuProtection.properties.binding,
    };
    expect(new Set(Object.values(SPLIT_LISTS).flat())).toEqual(new Set(Object.keys(lists)));
    for (const [k, s] of Object.entries(lists)) {
      expect(Object.keys(s).filter((x) => x !== 'description').sort()).toEqual(['items', 'type']);
      expect(s.type).toBe('array');
      const ref = ITEM_SCHEMA[k].slice(1).split('/').reduce((o: Doc, seg: string) => o[seg], schema);
      expect(s.items.$ref ? s.items.$ref.slice(1) : ITEM_SCHEMA[k]).toBe(ITEM_SCHEMA[k]);
      expect(ref).toBeTruthy();
    }
    expect(schema.properties.cfm.$ref).toBe('#/$defs/cfm');
    expect(schema.properties['ieee802-dot1q-cfm:cfm'].$ref).toBe('#/$defs/cfm');
  });
});
