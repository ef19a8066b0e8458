/** `cfm profile list|show|validate`, in-process through main(). */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, err, out, clearOut } from '../helpers/cli.js';
import { PROFILE_DIR } from '../../src/profiles/index.js';

captureCliOutput();
const tmp = mkdtempSync(join(tmpdir(), 'cfm-profile-cli-'));

describe('cfm profile', () => {
  it('list', async () => {
    expect(await cfm('profile', 'list')).toBe(0);
    expect(out).toMatch(/^lan966x\s+Microchip LAN966x/m);
    expect(out.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(11);
  });

  it('show: a capability table with unknowns spelled out', async () => {
    expect(await cfm('profile', 'show', 'broadcom-xgs')).toBe(0);
    expect(out).toMatch(/CCM TX intervals\s+3\.33ms 10ms 100ms 1s 10s 1min 10min/);
    expect(out).toMatch(/port VOEs\s+unknown\s+capacity = sizes/);
    expect(out).toMatch(/peers per VOE\s+many/);
  });

  it('show --json prints the typed profile', async () => {
    expect(await cfm('profile', 'show', 'lan966x', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ name: 'lan966x', txIntervals: [1, 2, 3, 4], peersPerVoe: 1 });
  });

  it('show of an unknown profile: exit 1, message, no stack', async () => {
    expect(await cfm('profile', 'show', 'nope')).toBe(1);
    expect(err).toMatch(/^cfm: no hardware profile 'nope'/);
  });

  it('validate: an integrator profile, valid and broken', async () => {
    const good = join(tmp, 'my-chip.json');
    const raw = JSON.parse(readFileSync(join(PROFILE_DIR, 'lan966x.json'), 'utf8')) as Record<string, unknown>;
    raw.name = 'my-chip';
    writeFileSync(good, JSON.stringify(raw, null, 2));
    expect(await cfm('profile', 'validate', good)).toBe(0);
    expect(out).toContain("valid profile 'my-chip'");
    const bad = join(tmp, 'bad-chip.json');
    raw.name = 'bad-chip';
    (raw.voes as Record<string, unknown>).service = 'lots';
    writeFileSync(bad, JSON.stringify(raw, null, 2));
    clearOut();
    expect(await cfm('profile', 'validate', bad)).toBe(1);
    expect(err).toMatch(/bad-chip\.json:\d+:\d+ \/voes\/service: "lots" must be integer or null \[schema\.type\]/);
  });
});
