/** `cfm validate` / `cfm config` exit codes and output, run in-process through main(). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, err, out, clearOut } from '../helpers/cli.js';
import { PACKAGE_ROOT } from '../../src/config/ajv.js';

captureCliOutput();
const tmp = mkdtempSync(join(tmpdir(), 'cfm-config-cli-'));

describe('cfm validate', () => {
  it('valid config: one-line summary, exit 0', async () => {
    const f = join(PACKAGE_ROOT, 'examples', 'nested-domains.yaml');
    expect(await cfm('validate', f)).toBe(0);
    expect(out).toBe(`${f}: valid: 3 domains, 4 associations, 8 MEPs (8 enabled), 4 MIPs, 5 switches\n`);
    expect(err).toBe('');
  });

  it('invalid config: every issue on stderr with location, exit 1', async () => {
    const f = join(tmp, 'bad.yaml');
    writeFileSync(f, 'cfm:\n  maintenance-domain:\n    - md-id: d1\n      md-level: 8\n    - md-id: d1\n');
    expect(await cfm('validate', f)).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`${f}:4:7 /cfm/maintenance-domain/0/md-level: 8 must be <= 7 [schema.maximum]`);
    expect(err).toContain(`${f}: 1 problem(s)`);
    expect(err).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it('semantic issues after a valid schema; --json output', async () => {
    const f = join(tmp, 'dup.yaml');
    writeFileSync(f, 'cfm:\n  maintenance-domain:\n    - md-id: d1\n    - md-id: d1\n');
    expect(await cfm('validate', '--json', f)).toBe(1);
    const doc = JSON.parse(out) as { valid: boolean; errors: Array<{ rule: string; pointer: string; location: string }> };
    expect(doc.valid).toBe(false);
    expect(doc.errors[0]).toMatchObject({ rule: 'md.duplicate-id', pointer: '/cfm/maintenance-domain/1/md-id', location: `${f}:4:7` });
  });

  it('missing file: exit 1 with a message', async () => {
    expect(await cfm('validate', join(tmp, 'none.yaml'))).toBe(1);
    expect(err).toMatch(/cannot read .*none\.yaml: ENOENT/);
  });

  it('missing argument is a usage error (exit 2)', async () => {
    expect(await cfm('validate')).toBe(2);
  });

  it('cfm config export prints YAML that validates again', async () => {
    expect(await cfm('config', 'export', join(PACKAGE_ROOT, 'examples', 'demo.yaml'))).toBe(0);
    const f = join(tmp, 'exported.yaml');
    writeFileSync(f, out);
    clearOut();
    expect(await cfm('validate', f)).toBe(0);
    expect(out).toContain('21 MEPs (21 enabled)');
  });

  it('cfm config generate-sp checks --meps', async () => {
    expect(await cfm('config', 'generate-sp', '--meps', 'lots')).toBe(2);
    expect(err).toContain('--meps must be an integer');
    expect(await cfm('config', 'generate-sp', '--meps', '4')).toBe(0);
    expect(out).toContain('evc-00002');
  });
});
