/** Every shipped example validates, and YAML -> model -> YAML -> model gives the same model. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportConfig, exportConfigText, loadConfig, parseConfig, summarize, validateModel } from '../../src/config/index.js';
import type { CfmModel } from '../../src/config/index.js';
import { PACKAGE_ROOT } from '../../src/config/ajv.js';
import { generateSpConfigYaml } from '../../src/config/generate.js';

const dir = join(PACKAGE_ROOT, 'examples');
const examples = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

function must(r: { model: CfmModel | null; errors: unknown[] }): CfmModel {
  expect(r.errors).toEqual([]);
  expect(r.model).not.toBeNull();
  return r.model!;
}

describe('examples', () => {
  it('ships the four required examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['nested-domains.yaml', 'board-8-down-meps.yaml', 'sp-1000-meps.yaml', 'demo.yaml']));
  });

  // The 1,000-MEP file round-trips through JSON below (YAML text of that size is slow to re-parse).
  it.each(examples.filter((f) => f !== 'sp-1000-meps.yaml'))('%s validates and round-trips through YAML and JSON', (f) => {
    const model = must(loadConfig(join(dir, f)));
    const yaml = exportConfigText(model, 'yaml');
    const again = must(parseConfig(yaml, { fileName: 'export.yaml' }));
    expect(again).toEqual(model);
    // second generation is textually stable
    expect(exportConfigText(again, 'yaml')).toBe(yaml);
    const json = must(parseConfig(exportConfigText(model, 'json'), { fileName: 'export.json' }));
    expect(json).toEqual(model);
    expect(validateModel(model)).toEqual([]);
  });

  it('nested-domains: customer 7 / provider 3 / operator 0 across five switches', () => {
    const m = must(loadConfig(join(dir, 'nested-domains.yaml')));
    expect(m.domains.map((d) => [d.id, d.level])).toEqual([['customer', 7], ['provider', 3], ['operator1', 0]]);
    expect(m.switches.map((s) => s.name)).toEqual(['ce1', 'ce2', 'p', 'pe1', 'pe2']);
    const pe1 = m.domains[1].associations[0].meps.find((x) => x.mepId === 1)!;
    expect(pe1).toMatchObject({ key: 'provider/vpls50/1', switch: 'pe1', direction: 'up', level: 3, vlan: 100, interval: 4, remoteMepIds: [2, 3], lowestAlarmPriority: 3 });
    // ports come from the board's profile (mock-default)
    expect(m.board).toEqual({ name: 'mock-8p', profile: 'mock-default', ports: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] });
    expect(m.cpuProtection.policies[0].ethCfm[0]).toEqual({ entry: 10, levels: [5, 6, 7], opcodes: [3, 5], ratePps: 1 });
    expect(m.cpuProtection.bindings[0]).toMatchObject({ switch: 'pe1', port: 'p1', vlan: 100, policy: 1, ethCfmMonitoring: true, aggregate: true });
  });

  it('board-8-down-meps: one down port MEP per port, ICC MEG IDs', () => {
    const m = must(loadConfig(join(dir, 'board-8-down-meps.yaml')));
    const meps = m.domains.flatMap((d) => d.associations.flatMap((a) => a.meps));
    expect(meps.map((x) => x.port).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(meps.every((x) => x.direction === 'down' && x.vlan === 0 && x.remoteMepIds.length === 1)).toBe(true);
    const a = m.domains[0].associations[0];
    expect(a.name).toEqual({ format: 32, name: 'BRDLINK0' });
    // MAID: MD format 1 (none), MA format 32, length 13, "BRDLINK0" NUL padded
    expect(Array.from(a.maid.subarray(0, 3))).toEqual([1, 32, 13]);
    expect(Buffer.from(a.maid.subarray(3, 16)).toString('latin1')).toBe('BRDLINK0\0\0\0\0\0');
    expect(m.domains[0].associations[6].name).toEqual({ format: 33, name: 'DEBRDLINK6' });
  });

  it('demo: two switches, intervals for both placements', () => {
    const m = must(loadConfig(join(dir, 'demo.yaml')));
    expect(m.switches.map((s) => s.name)).toEqual(['sw1', 'sw2']);
    const meps = m.domains.flatMap((d) => d.associations.flatMap((a) => a.meps));
    expect(new Set(meps.map((x) => x.interval))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    expect(meps.some((x) => x.remoteMepIds.length > 1)).toBe(true);
    expect(meps.find((x) => x.mepId === 91)!.placement).toBe('software');
    expect(meps.filter((x) => x.port === 'p1').every((x) => x.direction === 'down')).toBe(true);
  });

  it('sp-1000-meps: 1,000 MEPs, JSON round trip, and the committed file is what the generator writes', () => {
    const file = join(dir, 'sp-1000-meps.yaml');
    const m = must(loadConfig(file));
    expect(summarize(m)).toBe('3 domains, 1000 associations, 1000 MEPs (1000 enabled), 100 MIPs');
    expect(must(parseConfig(exportConfigText(m, 'json'), { fileName: 'sp.json' }))).toEqual(m);
    expect(validateModel(m)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe(generateSpConfigYaml({ meps: 1000 }));
  });

  it('a generated 60-MEP service-provider config round-trips through YAML', () => {
    const m = must(parseConfig(generateSpConfigYaml({ meps: 60 }), { fileName: 'sp60.yaml' }));
    expect(must(parseConfig(exportConfigText(m, 'yaml'), { fileName: 'x.yaml' }))).toEqual(m);
  });

  it('exportConfig gives the YANG-named document', () => {
    const m = must(loadConfig(join(dir, 'nested-domains.yaml')));
    const doc = exportConfig(m) as { cfm: { 'maintenance-domain': Array<Record<string, unknown>> } };
    const md = doc.cfm['maintenance-domain'][2];
    expect(md).toMatchObject({ 'md-id': 'operator1', 'dns-like-name': 'op1.example.net', 'md-level': 0, 'mhf-creation': 'mhf-none', 'id-permission': 'send-id-none' });
    expect((md['maintenance-association'] as Array<Record<string, unknown>>)[0]).toMatchObject({ 'ma-id': 'link-pe1-p', 'unsigned-int16': 1001, 'ccm-interval': '100ms' });
  });
});
