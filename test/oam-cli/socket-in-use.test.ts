/**
 * Issue 11 item 8: a second manager on a socket in use checks first and touches nothing:
 * `cfm apply --follow` programs no backend, `cfm run` opens no interface (so sends no CCM).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveControl, type ControlServer } from '../../src/offload/control.js';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-sock-busy-'));
const sock = join(dir, 'busy.sock');
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;
let first: ControlServer;

beforeAll(async () => {
  // the first manager: anything that answers the control protocol
  first = await serveControl(sock, { status: async () => ({ meps: [] }), subscribe: () => () => undefined });
});
afterAll(async () => {
  await first.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a second manager on a socket in use', () => {
  it('cfm apply --follow fails before the backend is programmed', async () => {
    const state = join(dir, 'mock.bin');
    const r = await runCfm('apply', BOARD, '--backend', 'mock', '--state', state, '--follow', '--socket', sock);
    expect(r.err).toBe(`cfm: a manager is already serving ${sock}: nothing was changed (stop it first, or give another --socket)\n`);
    expect(r.code).toBe(2);
    expect(r.out).toBe(''); // no plan, no "applied on ..."
    expect(existsSync(state)).toBe(false); // the mock was never opened
  });

  it('cfm run fails before any interface is opened (no CCM on the wire)', async () => {
    const cfg = join(dir, 'run.yaml');
    writeFileSync(cfg, [
      'cfm:',
      '  maintenance-domain:',
      '    - md-id: d',
      '      md-level: 5',
      '      maintenance-association:',
      '        - { ma-id: a, char-string: A, ccm-interval: 1sec, maintenance-association-mep: [1, 2] }',
      '  maintenance-group:',
      // an interface that does not exist: opening it would fail with another error
      '    - { maintenance-group-id: g, md-id: d, ma-id: a, mep: [ { mep-id: 1, interface: nosuchif0, direction: down, enabled: true, continuity-check: { ccm-enabled: true } } ] }',
      '',
    ].join('\n'));
    const r = await runCfm('run', cfg, '--backend', 'software', '--socket', sock, '--duration', '1');
    expect(r.err).toBe(`cfm: a manager is already serving ${sock}: nothing was changed (stop it first, or give another --socket)\n`);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });
});
