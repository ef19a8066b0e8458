/**
 * Inputs the commands read, given wrong: a directory where a file belongs was an internal error
 * with a stack trace (exit 70) in `cfm decode DIR`, `cfm profile show|validate DIR` and `--profile
 * DIR`; so was any file the system refuses to read. Now one line, exit 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = join(__dirname, '..', '..', 'examples', 'demo.yaml');
const notProfile = `${dir}: is a directory, not a hardware profile (a name such as lan966x, or a .json file)`;

describe('input files', () => {
  it.each([
    [['decode', dir], `${dir}: is a directory, not a capture file`],
    [['profile', 'show', dir], notProfile],
    [['profile', 'validate', dir], notProfile],
    [['plan', DEMO, '--profile', dir], notProfile],
    [['apply', DEMO, '--switch', 'sw1', '--profile', dir], notProfile],
  ])('cfm %j: one line, exit 1', async (args, msg) => {
    const r = await runCfm(...args);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`cfm: ${msg}\n`);
  });

  it('a shipped profile name is still a name, whatever is in the current directory', async () => {
    const r = await runCfm('profile', 'show', 'lan966x');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^lan966x: Microchip LAN966x/);
  });

  it('a read the system refuses (EIO on /proc/self/mem) is one line naming the path, exit 1, not an internal error', async () => {
    const r = await runCfm('profile', 'show', '/proc/self/mem');
    expect(r.code).toBe(1);
    expect(r.err).toBe('cfm: cannot read hardware profile /proc/self/mem: input/output error (EIO)\n');
  });
});
