/**
 * A config file named on the command line that is not there (or is a directory): one line naming
 * it, exit 1, in every command that loads a config to act on it. Found using the installed
 * package: `cfm plan missing.yaml` said "invalid configuration, 1 problem(s): (document): cannot
 * read missing.yaml: ENOENT [file]", and `cfm cpu-protection show` spread an invalid config over
 * several lines. (`cfm validate` lists it as an issue, as it lists every problem of a config.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-config-arg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const missing = join(dir, 'missing.yaml');
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'cfm:\n  maintenance-domain:\n    - md-id: x\n      md-level: 9\n');

describe('config file arguments', () => {
  const commands: string[][] = [
    ['plan', '%'], ['apply', '%', '--backend', 'mock'], ['apply', '%', '--dry-run'], ['run', '%', '--no-socket', '--duration', '1'],
    ['config', 'export', '%'], ['cpu-protection', 'show', '%'],
  ];
  const withFile = (args: string[], f: string) => args.map((a) => (a === '%' ? f : a));

  it.each(commands)('cfm %s ... on a missing file: "<file>: no such file", exit 1', async (...args: string[]) => {
    const r = await runCfm(...withFile(args, missing));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`cfm: ${missing}: no such file\n`);
  });

  it.each(commands)('cfm %s ... on a directory: exit 1, one line', async (...args: string[]) => {
    const r = await runCfm(...withFile(args, dir));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`cfm: ${dir}: is a directory, not a config file\n`);
  });

  it('an invalid config is one line naming file:line:column and the rule (cpu-protection show as plan)', async () => {
    for (const args of [['plan', bad], ['cpu-protection', 'show', bad]]) {
      const r = await runCfm(...args);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`cfm: ${bad}: invalid configuration, 1 problem(s): ${bad}:4:7 /cfm/maintenance-domain/0/md-level: 9 must be <= 7 [schema.maximum] (hint: use a value <= 7)\n`);
    }
  });
});
