/**
 * The precompiled schema validators (src/config/generated/, ajv standalone code made by
 * scripts/gen-validators.ts): they are what the generator writes from today's schema/ (a schema
 * edit without `npm run gen:validators` fails here), ajv.ts really uses them, and they report
 * exactly the errors ajv's run-time compile of the same schema reports, on valid documents and
 * on every value of a valid document replaced by wrong ones.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import { generateValidators, staleGenerated } from '../../scripts/gen-validators.js';
import { AJV_OPTIONS, PRECOMPILED } from '../../src/config/ajv-options.js';
import { PACKAGE_ROOT, schemaIssues, schemaPath } from '../../src/config/ajv.js';
import { GENERATED } from '../../src/config/generated/index.js';
import { ITEM_SCHEMA } from '../../src/config/stream.js';
import { base } from './fixtures.js';

describe('generated validators', () => {
  it('are what scripts/gen-validators.ts writes from schema/ today (else: npm run gen:validators)', () => {
    expect(staleGenerated()).toEqual([]);
    expect([...generateValidators().keys()].sort()).toEqual(readdirSync(join(PACKAGE_ROOT, 'src/config/generated')).map((f) => `src/config/generated/${f}`).sort());
  });

  it('cover every shipped schema and every part the streaming loader checks on its own', () => {
    const shipped = readdirSync(join(PACKAGE_ROOT, 'schema')).filter((f) => f.endsWith('.schema.json'));
    expect(Object.keys(GENERATED).sort()).toEqual(shipped.sort());
    expect(Object.keys(PRECOMPILED).sort()).toEqual(shipped.sort());
    const parts = Object.keys(GENERATED['cfm-config.schema.json'].validators);
    for (const p of [...Object.values(ITEM_SCHEMA), '/$defs/association']) expect(parts).toContain(p);
  });

  it('are the ones ajv.ts runs: built from the shipped file, so nothing is compiled at launch', async () => {
    const { createHash } = await import('node:crypto');
    for (const file of Object.keys(GENERATED)) {
      expect(createHash('sha256').update(readFileSync(schemaPath(file))).digest('hex')).toBe(GENERATED[file].SCHEMA_SHA256);
    }
    // A wrong document goes through the generated function: its errors are the ones ajv.ts read.
    const bad = { cfm: { 'maintenance-domain': [{ 'md-id': 'x', 'md-level': 9 }] } };
    const issues = schemaIssues('cfm-config.schema.json', bad);
    const gen = GENERATED['cfm-config.schema.json'].validators[''];
    expect(gen(bad)).toBe(false);
    expect(issues.map((i) => i.pointer)).toEqual(gen.errors!.map((e) => e.instancePath));
  });
});

/** Every path to a value in `doc` (arrays and objects included). */
function paths(doc: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(doc)) doc.forEach((v, i) => paths(v, [...at, i], out));
  else if (doc !== null && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) paths(v, [...at, k], out);
  return out;
}

function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]] = value;
  return copy;
}

const WRONG: unknown[] = [null, -1, 0, 70000, 2.5, '', 'x y', 'bogus', true, [], [1, 'a'], {}, { unknown: 1 }];

/** A valid document, then each of its values replaced by each wrong value, and an unknown key added to each object. */
function mutations(doc: unknown): unknown[] {
  const out: unknown[] = [doc];
  for (const p of paths(doc)) {
    for (const w of WRONG) out.push(replaced(doc, p, w));
    let at: unknown = doc;
    for (const k of p) at = (at as Record<string | number, unknown>)[k];
    if (at !== null && typeof at === 'object' && !Array.isArray(at)) out.push(replaced(doc, p, { ...at, 'no-such-key': 1 }));
  }
  return out;
}

function runtimeCompiled(file: string): { whole: ValidateFunction; at(pointer: string): ValidateFunction } {
  const schema = JSON.parse(readFileSync(schemaPath(file), 'utf8')) as { $id: string };
  const ajv = new Ajv2020(AJV_OPTIONS);
  const whole = ajv.compile(schema);
  return { whole, at: (p) => ajv.getSchema(`${schema.$id}#${p}`)! };
}

/** What a validator says about `data`: the answer and its errors, as plain data. */
function verdict(v: ValidateFunction, data: unknown): unknown {
  const ok = v(data);
  return { ok, errors: structuredClone(v.errors ?? null) };
}

describe('generated validators report what the run-time compile reports', () => {
  it('config: the fixture and the examples, each value replaced by wrong ones; each list entry against its part', () => {
    const file = 'cfm-config.schema.json';
    const rt = runtimeCompiled(file);
    const gen = GENERATED[file].validators;
    const docs: unknown[] = [base()];
    for (const f of ['demo.yaml', 'board-8-down-meps.yaml', 'nested-domains.yaml']) docs.push(parseYaml(readFileSync(join(PACKAGE_ROOT, 'examples', f), 'utf8')));
    let n = 0;
    let failing = 0;
    for (const doc of docs) {
      for (const m of mutations(doc)) {
        const want = verdict(rt.whole, m) as { ok: boolean };
        expect(verdict(gen[''], m)).toEqual(want);
        n++;
        if (!want.ok) failing++;
      }
    }
    // Entries on their own, as the streaming loader checks them (src/config/stream.ts).
    const cfm = (base() as { cfm: Record<string, unknown[]> }).cfm;
    const entries: [string, unknown][] = [
      ['/$defs/domain', cfm['maintenance-domain'][0]],
      ['/$defs/association', (cfm['maintenance-domain'][0] as Record<string, unknown[]>)['maintenance-association'][0]],
      ['/$defs/group', cfm['maintenance-group'][0]],
      ['/$defs/mip', { interface: 'p0', 'md-level': 3 }],
      ['/$defs/cpuProtection/properties/binding/items', { interface: 'p0', 'cpu-protection': 1 }],
    ];
    for (const [p, entry] of entries) {
      for (const m of mutations(entry)) {
        expect(verdict(gen[p], m)).toEqual(verdict(rt.at(p), m));
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
    expect(failing).toBeGreaterThan(500);
  });

  it('hardware profiles: three shipped profiles, each value replaced by wrong ones', () => {
    const file = 'hw-profile.schema.json';
    const rt = runtimeCompiled(file);
    const gen = GENERATED[file].validators[''];
    const dir = join(PACKAGE_ROOT, 'hw-profiles');
    let failing = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).slice(0, 3)) {
      const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown;
      expect(verdict(gen, doc)).toEqual({ ok: true, errors: null });
      for (const m of mutations(doc)) {
        const want = verdict(rt.whole, m) as { ok: boolean };
        expect(verdict(gen, m)).toEqual(want);
        if (!want.ok) failing++;
      }
    }
    expect(failing).toBeGreaterThan(100);
  });
});
