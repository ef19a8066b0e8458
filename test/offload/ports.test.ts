/**
 * Issue 11 item 1: a backend opens with the port names the config was checked against (board
 * ports, else the profile's), so a plan that passes applies: the project's SP example, every
 * generate-sp output, a board config under another profile, and a vendor shim.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { generateSpConfigYaml } from '../../src/config/generate.js';
import { openSwitch } from '../../src/offload/api.js';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-ports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SP = new URL('../../examples/sp-1000-meps.yaml', import.meta.url).pathname;
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;

describe('port names when a backend opens (a plan that passes applies)', () => {
  it('examples/sp-1000-meps.yaml applies on --backend mock (board ports ge0.., xe0..)', async () => {
    const r = await runCfm('apply', SP, '--backend', 'mock', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as { ops: Array<{ kind: string }> };
    expect(rep.ops.filter((o) => o.kind === 'create').length).toBeGreaterThan(0);
  });

  it('a generate-sp output applies on --backend mock', async () => {
    const f = join(dir, 'sp.yaml');
    writeFileSync(f, generateSpConfigYaml({ meps: 120 }));
    expect((await runCfm('plan', f)).code).toBe(0);
    const r = await runCfm('apply', f, '--backend', 'mock');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('a board config applies under --profile lan966x (profile without a port list) after a clean plan', async () => {
    expect((await runCfm('plan', BOARD, '--profile', 'lan966x')).code).toBe(0);
    const r = await runCfm('apply', BOARD, '--backend', 'mock', '--profile', 'lan966x');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('8 create');
  });

  it('a config without any port list applies on the mock (the mock takes the ports the config uses)', async () => {
    const f = join(dir, 'noboard.yaml');
    writeFileSync(f, [
      'cfm:',
      '  maintenance-domain:',
      '    - md-id: d',
      '      md-level: 3',
      '      maintenance-association:',
      '        - ma-id: a',
      '          char-string: A',
      '          ccm-interval: 1sec',
      '          maintenance-association-mep: [1, 2]',
      '  maintenance-group:',
      '    - { maintenance-group-id: g, md-id: d, ma-id: a, mep: [ { mep-id: 1, interface: eth7, direction: down, enabled: true, mac-address: 02-00-00-00-00-01, continuity-check: { ccm-enabled: true } } ] }',
      '',
    ].join('\n'));
    const r = await runCfm('apply', f, '--backend', 'mock', '--profile', 'lan966x');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  it('a vendor shim is opened with the board port names (p0..p7), not swp1..N', async () => {
    const sw = openSwitch({ config: BOARD, backend: `vendor:${mockAsicLibPath()}`, vendorArgs: 'ports=8;port_voes=8;service_voes=8' });
    try {
      expect(sw.backend.ports()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
      const rep = await sw.apply();
      expect(rep.ops.filter((o) => o.kind === 'create')).toHaveLength(8);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});
