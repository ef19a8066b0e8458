/**
 * `cfm loopback --target-mep` to a remote MEP whose MAC is not known yet (no CCM from it): the
 * manager refuses the session, and the CLI prints only that error (exit 2), no "Loopback from"
 * header for a loopback that never started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, startFollow, clearErr, clearOut, err, out } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-oam-nomac-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = new URL('../../examples/demo.yaml', import.meta.url).pathname;

captureCliOutput();

describe('cfm loopback to a remote MEP with no known MAC', () => {
  it('prints only the error, exit 2', async () => {
    const sock = join(dir, 'sw1.sock');
    const follow = await startFollow(sock, DEMO, '--switch', 'sw1', '--backend', 'mock', '--json');
    try {
      clearOut();
      clearErr();
      // sw2 does not run: MEP 52 never sent a CCM to MEP 51
      const code = await cfm('loopback', 'demo/svc-10s/51', '--target-mep', '52', '--count', '1', '--socket', sock);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/remote MEP 52 has no MAC/);
      expect(err).not.toContain('Loopback from');
    } finally {
      await follow.stop();
    }
  });
});
