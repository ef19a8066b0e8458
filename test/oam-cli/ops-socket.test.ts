/**
 * Issue 11 item 9: `cfm debug dump`, `cfm cpu-protection counters` and `cfm debug tag` work
 * against a `cfm apply --follow` manager, through its control socket ("ops" request) and the
 * state dir it now re-reads tags from. Everything runs in-process through main().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, startFollow, clearErr, clearOut, err, out } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-ops-sock-'));
const stateDirPath = join(dir, 'state');
const savedEnv = process.env.CFM_STATE_DIR;
beforeAll(() => {
  process.env.CFM_STATE_DIR = stateDirPath;
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env.CFM_STATE_DIR;
  else process.env.CFM_STATE_DIR = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;

captureCliOutput();

describe('operator commands against cfm apply --follow', () => {
  it('debug dump and cpu-protection counters answer through the socket; debug tag takes effect', async () => {
    const sock = join(dir, 'm.sock');
    const follow = await startFollow(sock, BOARD, '--backend', 'mock', '--json');
    try {
      clearOut();
      clearErr();
      expect(await cfm('debug', 'dump', '--socket', sock)).toBe(0);
      expect(err).toBe('');
      expect(out).toMatch(new RegExp(`^eth-cfm debug-packet queues of pid ${process.pid} at \\S+ \\(1 tagged MP\\(s\\)\\)\\nrx  limit 64 `));
      clearOut();
      expect(await cfm('cpu-protection', 'counters', '--socket', sock, '--json')).toBe(0);
      const c = JSON.parse(out) as { pid: number; snapshots: Array<{ enforcement: string }> };
      expect(c.pid).toBe(process.pid);
      expect(c.snapshots.length).toBeGreaterThan(0); // the board's CPU-protection bindings
      clearOut();
      // a tag written by `cfm debug tag` reaches the following manager (it re-reads the state dir)
      expect(await cfm('debug', 'tag', 'mep', '2', 'domain', 'links', 'association', 'link1')).toBe(0);
      let tagged = '';
      for (let i = 0; i < 60 && !tagged.includes('(2 tagged MP(s))'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        clearOut();
        await cfm('debug', 'dump', '--socket', sock);
        tagged = out;
      }
      expect(tagged).toContain('(2 tagged MP(s))');
    } finally {
      await follow.stop();
    }
  });

  it('with no manager on the socket and no statistics: one clear error', async () => {
    clearErr();
    const code = await cfm('debug', 'dump', '--socket', join(dir, 'nobody.sock'), '--state-dir', join(dir, 'empty'));
    expect(code).toBe(1);
    expect(err).toMatch(/^cfm: no statistics in .*empty/);
  });
});
