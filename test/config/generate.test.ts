/**
 * `cfm config generate-sp` (issue 11 item 2): every count up to 8,192 MEPs gives a valid
 * configuration (VLAN ids 1..4094: 7,991..8,000 MEPs used to write VIDs 4095..4099), larger counts
 * are refused with a message, and the 8,192-MEP file validates and plans.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSpConfig, MAX_SP_MEPS } from '../../src/config/generate.js';
import { parseConfig } from '../../src/config/index.js';
import type { CfmModel } from '../../src/config/index.js';
import { captureCliOutput, cfm, clearOut, err, out } from '../helpers/cli.js';

captureCliOutput();
const tmp = mkdtempSync(join(tmpdir(), 'cfm-gen-sp-'));

function load(meps: number): CfmModel {
  const r = parseConfig(JSON.stringify(generateSpConfig({ meps })), { fileName: `sp-${meps}.json` });
  expect(r.errors).toEqual([]);
  return r.model!;
}

describe('generate-sp sizes', () => {
  it.each([7991, 7999, 8000, 8188, 8189, 8192])('%i MEPs: valid, VLAN ids 1..4094, exactly that many MEPs', (n) => {
    const m = load(n);
    const assocs = m.domains.flatMap((d) => d.associations);
    const meps = assocs.flatMap((a) => a.meps);
    expect(meps.length).toBe(n);
    for (const a of assocs) if (a.meps.length) expect(a.vlan).toBeGreaterThanOrEqual(1);
    expect(Math.max(...assocs.map((a) => a.vlan))).toBeLessThanOrEqual(4094);
    // one VLAN per MA at each level: two MAs sharing a VLAN and level would cross-connect
    for (const d of m.domains) {
      const vids = d.associations.map((a) => a.vlan);
      expect(new Set(vids).size).toBe(vids.length);
    }
  }, 60_000);

  it('odd counts and small counts keep their exact size', () => {
    expect(load(3).domains.flatMap((d) => d.associations.flatMap((a) => a.meps)).length).toBe(3);
  });

  it('more than 8,192 MEPs is refused with a message (library and CLI, exit 2)', async () => {
    expect(MAX_SP_MEPS).toBe(8192);
    expect(() => generateSpConfig({ meps: 8193 })).toThrow(/2\.\.8192/);
    expect(await cfm('config', 'generate-sp', '--meps', '8193')).toBe(2);
    expect(err).toMatch(/--meps 8193: at most 8192 MEPs/);
    expect(out).toBe('');
  });

  it('the 8,192-MEP file from the CLI validates and plans', async () => {
    expect(await cfm('config', 'generate-sp', '--meps', '8192')).toBe(0);
    const f = join(tmp, 'sp-8192.yaml');
    writeFileSync(f, out);
    clearOut();
    expect(await cfm('validate', f)).toBe(0);
    expect(out).toContain('8192 MEPs (8192 enabled)');
    clearOut();
    expect(await cfm('plan', '--json', f)).toBe(0);
    const plan = JSON.parse(out) as { meps: unknown[]; violations: unknown[] };
    expect(plan.meps).toHaveLength(8192);
    expect(plan.violations).toEqual([]);
  }, 120_000);
});
