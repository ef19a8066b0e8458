/**
 * The memory measures of the loader (issue 11 item 25) keep its behaviour: a consumed raw tree
 * gives the same model, compaction keeps values and object identity, and a file whose text was
 * dropped after parsing still gets file:line:column on its issues (the file is read again).
 * The memory figures themselves are measured by `npm run bench -- config`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Compactor, fit } from '../../src/config/compact.js';
import { loadConfig } from '../../src/config/index.js';
import { normalize } from '../../src/config/normalize.js';
import type { RawConfig } from '../../src/config/raw.js';
import { base } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-config-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loader memory measures', () => {
  it('normalize with consume: the same model, and the raw lists are let go', () => {
    const kept = normalize(base() as RawConfig);
    const raw = base() as RawConfig;
    const consumed = normalize(raw, { consume: true });
    expect(consumed.issues).toEqual(kept.issues);
    expect(consumed.model).toEqual(kept.model);
    const cfm = raw.cfm!;
    expect(cfm['maintenance-domain']!.every((x) => x === undefined)).toBe(true);
    expect(cfm['maintenance-group']!.every((x) => x === undefined)).toBe(true);
    // the pointer map still knows where each model object came from
    const mep = consumed.model.domains[0].associations[0].meps[0];
    expect(consumed.pointers.get(mep)).toBe('/cfm/maintenance-group/0/mep/0');
  });

  it('compaction keeps every value and every object, and shares equal strings', () => {
    const c = new Compactor();
    const shared = { name: 'b' };
    const doc = { a: ['x'.repeat(20), { p: 'ge1' }], b: shared, c: shared, d: new Uint8Array([1, 2]), n: null, k: 7 };
    const before = structuredClone(doc);
    const inner = doc.a[1];
    expect(c.compact(doc)).toBe(doc);
    expect(doc).toEqual(before);
    expect(doc.a[1]).toBe(inner);
    expect(doc.b).toBe(doc.c);
    expect(c.string('ge' + String(1))).toBe('ge1');
    const pushed: number[] = [];
    pushed.push(1, 2);
    expect(fit(pushed)).toEqual([1, 2]);
  });

  it('issues of a loaded file carry file:line:column although the text was dropped after parsing', () => {
    const doc = base();
    doc.cfm['maintenance-domain'][0]['md-level'] = 9; // schema
    const y = join(dir, 'bad.yaml');
    writeFileSync(y, stringify(doc));
    const ry = loadConfig(y);
    expect(ry.model).toBeNull();
    expect(ry.errors[0]).toMatchObject({ pointer: '/cfm/maintenance-domain/0/md-level', rule: 'schema.maximum' });
    expect(ry.errors[0].location).toMatch(new RegExp(`^${y.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+$`));

    const d2 = base();
    d2.cfm['maintenance-group'][0].mep[0].interface = 'p9'; // semantic (after normalize)
    const j = join(dir, 'bad.json');
    writeFileSync(j, JSON.stringify(d2, null, 2));
    const rj = loadConfig(j);
    expect(rj.model).toBeNull();
    const port = rj.errors.find((e) => e.rule === 'port.unknown')!;
    expect(port.pointer).toBe('/cfm/maintenance-group/0/mep/0/interface');
    const text = JSON.stringify(d2, null, 2).split('\n');
    const line = text.findIndex((l) => l.includes('"p9"')) + 1;
    expect(port.location).toBe(`${j}:${line}:${text[line - 1].indexOf('"interface"') + 1}`);
  });
});
