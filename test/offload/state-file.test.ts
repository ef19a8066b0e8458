/**
 * Issue 11 item 7: a missing mock state file is one clear error, before anything is opened or
 * programmed (no empty table, no cfm_asic_close: EIO after a "successful" apply).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('cfm apply --state in a missing directory is refused before anything is programmed', async () => {
    const r = await runCfm('apply', BOARD, '--backend', 'mock', '--state', '/nope/st.bin');
    expect(r.out).toBe('');
    expect(r.err).toBe('cfm: mock state file /nope/st.bin: directory /nope does not exist\n');
    expect(r.code).toBe(1);
  });
});
