/**
 * Bad input from a hidden corpus of broken configurations (issue 11 items 23-25): duplicate keys,
 * deep nesting and huge values each give a typed issue with a JSON pointer and a bounded
 * message, never an internal error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { ConfigIssue } from '../../src/config/index.js';
import { captureCliOutput, cfm, err } from '../helpers/cli.js';

captureCliOutput();
const tmp = mkdtempSync(join(tmpdir(), 'cfm-bad-input-'));

function issues(text: string, fileName: string): ConfigIssue[] {
  const r = parseConfig(text, { fileName });
  expect(r.model).toBeNull();
  return r.errors;
}

describe('duplicate keys (item 23)', () => {
  it('JSON: a syntax error at the second key, naming the key and the first one', () => {
    const text = '{"cfm": {"maintenance-domain": [\n  {"md-id": "a", "md-level": 3,\n   "md-level": 5}]}}';
    const [e, ...rest] = issues(text, 'dup.json');
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ rule: 'syntax', pointer: '/cfm/maintenance-domain/0/md-level', location: 'dup.json:3:4' });
    expect(e.message).toBe("duplicate key 'md-level' (first at dup.json:2:18)");
  });

  it('JSON: keys written with escapes are the same key; the same key in sibling objects is fine', () => {
    const [e] = issues('{"cfm": {"maintenance-domain": [{"md-id": "a", "md-\\u006cevel": 1, "md-level": 2}]}}', 'esc.json');
    expect(e).toMatchObject({ rule: 'syntax', pointer: '/cfm/maintenance-domain/0/md-level' });
    const ok = parseConfig('{"cfm": {"maintenance-domain": [{"md-id": "a", "md-level": 1}, {"md-id": "b", "md-level": 2}]}}', { fileName: 'ok.json' });
    expect(ok.errors).toEqual([]);
  });

  it('YAML: the error names the key and its pointer', () => {
    const [e] = issues('cfm:\n  maintenance-domain:\n    - md-id: a\n      md-level: 3\n      md-level: 5\n', 'dup.yaml');
    expect(e).toMatchObject({ rule: 'syntax', pointer: '/cfm/maintenance-domain/0/md-level', location: 'dup.yaml:5:7' });
    expect(e.message).toBe("duplicate key 'md-level'");
  });
});

describe('deep nesting (item 24)', () => {
  const deepPointer = new RegExp(`^/cfm/maintenance-domain(/0)+$`);

  it('JSON: 6,000 nested [ under maintenance-domain (12 kB) is a syntax error with a pointer', () => {
    const text = '{"cfm":{"maintenance-domain":' + '['.repeat(6000) + ']'.repeat(6000) + '}}';
    const [e, ...rest] = issues(text, 'deep.json');
    expect(rest).toEqual([]);
    expect(e.rule).toBe('syntax');
    expect(e.message).toBe('nested more than 64 levels deep');
    expect(e.pointer).toMatch(deepPointer);
    expect(e.location).toMatch(/^deep\.json:1:\d+$/);
  });

  it.each([
    ['flow sequences', 'cfm:\n  maintenance-domain: ' + '['.repeat(1000) + ']'.repeat(1000) + '\n'],
    ['block sequences', 'cfm:\n  maintenance-domain:\n    ' + '- '.repeat(1000) + 'x\n'],
  ])('YAML: %s 1,000 deep is a syntax error with a pointer', (_name, text) => {
    const [e] = issues(text, 'deep.yaml');
    expect(e.rule).toBe('syntax');
    expect(e.message).toBe('nested more than 64 levels deep');
    expect(e.pointer).toMatch(deepPointer);
    expect(e.location).toMatch(/^deep\.yaml:\d+:\d+$/);
  });

  it('YAML: mappings 1,000 deep', () => {
    const text = 'cfm:\n' + Array.from({ length: 1000 }, (_, i) => '  '.repeat(i + 1) + `k${i}:\n`).join('') + '  '.repeat(1001) + 'v\n';
    const [e] = issues(text, 'deepmap.yaml');
    expect(e).toMatchObject({ rule: 'syntax', message: 'nested more than 64 levels deep' });
    expect(e.pointer).toMatch(/^\/cfm\/k0\/k1\/.*\/k62$/);
  });

  it('cfm validate: exit 1 with the issue, never an internal error (exit 70)', async () => {
    const f = join(tmp, 'deep.json');
    writeFileSync(f, '{"cfm":{"maintenance-domain":' + '['.repeat(6000) + ']'.repeat(6000) + '}}');
    expect(await cfm('validate', f)).toBe(1);
    expect(err).toContain('nested more than 64 levels deep [syntax]');
    expect(err).not.toMatch(/RangeError|internal error/);
  });
});

describe('huge values in messages (item 25)', () => {
  it('10 kB of binary garbage is cut in the message', () => {
    const garbage = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(1 + (i * 7919) % 250)).join('');
    const [e] = issues(JSON.stringify({ cfm: { 'maintenance-domain': [garbage] } }), 'garbage.json');
    expect(e).toMatchObject({ rule: 'schema.type', pointer: '/cfm/maintenance-domain/0' });
    expect(e.message).toMatch(/\.\.\. \(10000 characters\) must be object$/);
    expect(e.message.length).toBeLessThan(500);
  });

  it('a 2.4 MB string value and a 100,000-item array give one short line each', () => {
    const doc = {
      cfm: { 'maintenance-domain': [{ 'md-id': 'a', 'char-string': 'x'.repeat(2_400_000), 'md-level': Array.from({ length: 100_000 }, (_, i) => i) }] },
    };
    const errs = issues(JSON.stringify(doc), 'big.json');
    expect(errs.length).toBeGreaterThan(0);
    for (const e of errs) expect(e.message.length).toBeLessThan(300);
    expect(errs.map((e) => e.message)).toContain('an array of 100000 item(s) must be integer');
  });

  it('an unknown 10 kB key is cut too', () => {
    const [e] = issues(JSON.stringify({ cfm: { ['k'.repeat(10_000)]: 1 } }), 'key.json');
    expect(e.rule).toBe('schema.additionalProperties');
    expect(e.message).toBe(`unknown property '${'k'.repeat(64)}...' (10000 characters)`);
  });
});

describe('YAML through the light parser (item 25)', () => {
  const plain = 'cfm:\n  maintenance-domain:\n    - md-id: a\n      md-level: 3\n      maintenance-association:\n        - ma-id: m\n          char-string: MA1\n          maintenance-association-mep: [1, 2]\n';

  it('anchors and aliases still work (through the yaml library, which bounds them)', () => {
    const aliased = 'x-meps: &meps [1, 2]\n' + plain.replace('[1, 2]', '*meps');
    const [e] = issues(aliased, 'alias.yaml'); // x-meps is not a config key: the point is the location
    expect(e).toMatchObject({ rule: 'schema.additionalProperties', pointer: '/x-meps', location: 'alias.yaml:1:1' });
    const ok = parseConfig(plain.replace('[1, 2]', '&m [1, 2]'), { fileName: 'anchor.yaml' });
    expect(ok.errors).toEqual([]);
    expect(ok.model).toEqual(parseConfig(plain, { fileName: 'anchor.yaml' }).model);
  });

  it('an alias bomb is refused, not expanded', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n' + Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill('*' + String.fromCharCode(97 + i)).join(', ')}]`).join('\n') + '\ncfm: {}\n';
    const [e] = issues(bomb, 'bomb.yaml');
    expect(e.rule).toBe('syntax');
    expect(e.message).toMatch(/alias/i);
  });

  it('YAML 1.2 core schema on both paths: 0b101 is a string, not 5', () => {
    const [e] = issues(plain.replace('md-level: 3', 'md-level: 0b11'), 'bin.yaml');
    expect(e).toMatchObject({ rule: 'schema.type', pointer: '/cfm/maintenance-domain/0/md-level', message: '"0b11" must be integer' });
  });

  it('a YAML text over 4 MB: no node tree; schema issues by pointer, syntax errors with js-yaml positions', () => {
    const pad = '# ' + 'x'.repeat(4.5e6) + '\n';
    const [schema] = issues(pad + plain.replace('md-level: 3', 'md-level: 9'), 'big.yaml');
    expect(schema).toMatchObject({ rule: 'schema.maximum', pointer: '/cfm/maintenance-domain/0/md-level' });
    expect(schema.location).toBeUndefined();
    const [dup] = issues(pad + plain + '    - md-id: b\n      md-level: 1\n      md-level: 2\n', 'big.yaml');
    expect(dup).toMatchObject({ rule: 'syntax', message: "duplicate key 'md-level'", location: 'big.yaml:12:7' });
    expect(parseConfig(pad + plain, { fileName: 'big.yaml' }).errors).toEqual([]);
  });

  it('schema issues of a YAML file still carry line and column', () => {
    const [e] = issues(plain.replace('md-level: 3', 'md-level: 9'), 'loc.yaml');
    expect(e).toMatchObject({ rule: 'schema.maximum', pointer: '/cfm/maintenance-domain/0/md-level', location: 'loc.yaml:4:7' });
  });
});
