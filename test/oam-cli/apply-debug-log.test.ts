/**
 * `cfm apply --follow --debug-log FILE` (found by QA: under `cfm apply --follow` a `cfm debug tag`
 * counted decodes in `cfm debug dump` but the operator could read them nowhere but in
 * `cfm status --json`; `cfm run` had --debug-log). In-process through main().
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, err } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-apply-debug-'));
const savedStateDir = process.env.CFM_STATE_DIR;
afterAll(() => {
  if (savedStateDir === undefined) delete process.env.CFM_STATE_DIR;
  else process.env.CFM_STATE_DIR = savedStateDir;
  rmSync(dir, { recursive: true, force: true });
});
const DEMO = new URL('../../examples/demo.yaml', import.meta.url).pathname;

captureCliOutput();

describe('cfm apply --debug-log', () => {
  it('needs --follow (exit 2, one line)', async () => {
    expect(await cfm('apply', DEMO, '--switch', 'sw1', '--backend', 'mock', '--debug-log', join(dir, 'x.log'))).toBe(2);
    expect(err).toBe('cfm: --debug-log needs --follow (decoding runs while the manager does)\n');
  });

  it('with --follow, the CCMs a tagged software MEP sends are decoded into FILE', async () => {
    process.env.CFM_STATE_DIR = join(dir, 'state');
    const sock = join(dir, 'sw1.sock');
    const log = join(dir, 'decode.log');
    expect(await cfm('debug', 'tag', 'mep', '81', 'domain', 'demo', 'association', 'svc-multi', 'direction', 'tx')).toBe(0);
    const follow = cfm('apply', DEMO, '--switch', 'sw1', '--backend', 'mock', '--follow', '--socket', sock, '--debug-log', log, '--json');
    try {
      // 1 s CCMs; the tags file is read at start and within a second of a change
      for (let i = 0; i < 80 && !(existsSync(log) && readFileSync(log, 'utf8').includes('CCM')); i++) await new Promise((r) => setTimeout(r, 50));
      const text = readFileSync(log, 'utf8');
      expect(text).toMatch(/ tx CCM /);
      expect(text).toContain('mep-id 81');
    } finally {
      process.emit('SIGTERM');
      await follow;
    }
  });
});
