/**
 * Files a command writes: `cfm craft -o` into a missing directory was an internal error with a
 * stack trace (exit 70); `--debug-log` into a missing directory was accepted and would fail inside
 * the manager at the first decoded frame. Now one line naming the flag, exit 2, before anything runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-output-arg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = join(__dirname, '..', '..', 'examples', 'demo.yaml');
const nodir = join(dir, 'nodir', 'x.out');

describe('output file arguments', () => {
  it('cfm craft -o into a missing directory or onto a directory: exit 2, one line; a good path is written', async () => {
    let r = await runCfm('craft', 'ccm', '-o', nodir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cfm: -o ${nodir}: directory ${join(dir, 'nodir')} does not exist\n`);
    r = await runCfm('craft', 'ccm', '-o', dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cfm: -o ${dir}: is a directory\n`);
    const good = join(dir, 'ccm.pcap');
    r = await runCfm('craft', 'ccm', '-o', good);
    expect(r.code).toBe(0);
    expect(readFileSync(good).readUInt32LE(0)).toBe(0xa1b23c4d); // nanosecond pcap magic
  });

  it.each([
    ['apply', DEMO, '--switch', 'sw1', '--backend', 'mock', '--follow', '--socket', join(dir, 'a.sock')],
    ['run', DEMO, '--switch', 'sw1', '--no-socket', '--duration', '1'],
  ])('cfm %s ... --debug-log into a missing directory: exit 2 before anything runs', async (...args: string[]) => {
    const r = await runCfm(...args, '--debug-log', nodir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`cfm: --debug-log ${nodir}: directory ${join(dir, 'nodir')} does not exist\n`);
    expect(r.out).toBe('');
    expect(existsSync(join(dir, 'a.sock'))).toBe(false);
  });
});
