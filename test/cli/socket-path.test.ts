/**
 * `cfm apply --follow --socket PATH` and `cfm run --socket PATH` check the path before anything is
 * programmed or opened. Found using the installed package: a socket in a missing directory was
 * noticed only after the apply (the mock programmed, then "listen EACCES" and a process that never
 * exited); a regular file given as --socket was deleted and replaced by the socket; a directory
 * gave an internal error with a stack trace.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-socket-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = join(__dirname, '..', '..', 'examples', 'demo.yaml');

describe('a bad --socket is refused before anything changes (exit 2, one line)', () => {
  const longDir = join(dir, 'd'.repeat(100));
  mkdirSync(longDir);
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'keep me\n');
  const cases: Array<[string, string, string]> = [
    ['a missing directory', join(dir, 'nodir', 'x.sock'), `cfm: --socket ${join(dir, 'nodir', 'x.sock')}: directory ${join(dir, 'nodir')} does not exist; nothing was changed`],
    ['a regular file', file, `cfm: --socket ${file}: exists and is not a socket (a file); nothing was changed`],
    ['a directory', dir, `cfm: --socket ${dir}: exists and is not a socket (a directory); nothing was changed`],
    ['a path longer than sun_path', join(longDir, 'x.sock'), `cfm: --socket ${join(longDir, 'x.sock')}: ${Buffer.byteLength(join(longDir, 'x.sock'))} bytes, a Unix socket path has at most 107; nothing was changed`],
  ];

  it.each(cases)('cfm apply --follow: %s', async (_what, socket, msg) => {
    const state = join(dir, `state-${Math.random().toString(36).slice(2)}.json`);
    const r = await runCfm('apply', DEMO, '--switch', 'sw1', '--backend', 'mock', '--state', state, '--follow', '--socket', socket);
    expect(r.code).toBe(2);
    expect(r.err).toBe(msg + '\n');
    expect(r.out).toBe(''); // no plan printed: nothing was applied
    expect(existsSync(state)).toBe(false); // the mock was never opened
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it.each(cases)('cfm run: %s', async (_what, socket, msg) => {
    const r = await runCfm('run', DEMO, '--switch', 'sw1', '--duration', '1', '--socket', socket);
    expect(r.code).toBe(2);
    expect(r.err).toBe(msg + '\n');
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });
});
