/**
 * A mock state file whose directory takes no new file (/proc, a read-only directory) fails before
 * anything is applied, in one line. Before, `cfm apply --state /proc/cfm.json` printed "applied
 * ..." and then failed at close with EIO: the state was never persisted.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { openBackend } from '../../src/backends/mock/open.js';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-state-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;

describe('mock state file that cannot be written', () => {
  it('cfm apply --state /proc/cfm.json: one line, exit 1, nothing applied (no "applied")', async () => {
    const r = await runCfm('apply', BOARD, '--backend', 'mock', '--state', '/proc/cfm.json');
    expect(r.out).toBe('');
    expect(r.err).toBe('cfm: mock state file /proc/cfm.json: cannot be written in /proc (the directory takes no new files, ENOENT); nothing was applied\n');
    expect(r.code).toBe(1);
  });

  it('library openBackend: a typed BACKEND error; a writable directory is left as it was (no probe file)', async () => {
    let e: unknown = null;
    try {
      openBackend('mock', { statePath: '/proc/cfm.json' });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CfmError);
    expect((e as CfmError).code).toBe('BACKEND');
    const ok = join(dir, 'ok');
    mkdirSync(ok);
    const b = openBackend('mock', { statePath: join(ok, 'st.bin') });
    expect(readdirSync(ok)).toEqual([]); // the probe is gone, the state file not yet written
    await b.close();
    expect(existsSync(join(ok, 'st.bin'))).toBe(true); // written at close, as before
  });
});
