/**
 * Issue 11 item 7: a missing mock state file is one clear error, before anything is opened or
 * programmed (no empty table, no cfm_asic_close: EIO after a "successful" apply).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSpConfigYaml } from '../../src/config/generate.js';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;
const NO_MANAGER = join(dir, 'no-manager.sock');

describe('mock state file errors', () => {
  it('cfm status --backend mock --state in a missing directory: one line, exit 1, nothing printed to stdout', async () => {
    const r = await runCfm('status', '--backend', 'mock', '--state', '/nope/st.bin', '--socket', NO_MANAGER);
    expect(r.out).toBe('');
    expect(r.err).toBe(`cfm: no manager on ${NO_MANAGER} and no mock state file /nope/st.bin\n`);
    expect(r.code).toBe(1);
  });

  it('cfm status with a state file that does not exist does not create one', async () => {
    const f = join(dir, 'never.bin');
    const r = await runCfm('status', '--backend', 'mock', '--state', f, '--socket', NO_MANAGER);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(existsSync(f)).toBe(false);
  });

  it('status of a mock persisted from a config with other ports: a clear error, and --config reads it', async () => {
    const cfg = join(dir, 'sp.yaml');
    writeFileSync(cfg, generateSpConfigYaml({ meps: 20 }));
    const state = join(dir, 'sp.bin');
    expect((await runCfm('apply', cfg, '--backend', 'mock', '--state', state)).code).toBe(0);
    const bad = await runCfm('status', '--backend', 'mock', '--state', state, '--socket', NO_MANAGER);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`cfm: mock state file ${state} was written by a mock with other options (ports, tables) than profile mock-default: give the --config (or --profile) it was applied with\n`);
    const ok = await runCfm('status', '--backend', 'mock', '--state', state, '--socket', NO_MANAGER, '--config', cfg, '--json');
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { voes: unknown[] }).voes.length).toBeGreaterThan(0);
  });

  it('cfm apply --state in a missing directory is refused before anything is programmed', async () => {
    const r = await runCfm('apply', BOARD, '--backend', 'mock', '--state', '/nope/st.bin');
    expect(r.out).toBe('');
    expect(r.err).toBe('cfm: mock state file /nope/st.bin: directory /nope does not exist\n');
    expect(r.code).toBe(1);
  });
});
