/**
 * serveControl (the library function, not only the CLI) removes only a stale socket at its path.
 * Before: a regular file there was deleted and replaced by the socket; a directory gave a raw
 * EISDIR from unlinkSync.
 */
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { controlRequest, serveControl } from '../../src/offload/control.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-ctl-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const handlers = { status: async () => ({ ok: 1 }), subscribe: () => () => undefined };

async function refusal(path: string): Promise<CfmError> {
  const e: unknown = await serveControl(path, handlers).then(async (s) => { await s.close(); return null; }, (x: unknown) => x);
  expect(e).toBeInstanceOf(CfmError);
  return e as CfmError;
}

describe('serveControl claims only a stale socket', () => {
  it('a regular file is refused, named and kept', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'keep me\n');
    const e = await refusal(file);
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe(`control socket ${file}: exists and is a regular file, not a socket; nothing was removed (remove it or choose another path)`);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });

  it('a directory is refused with a typed error (not a raw EISDIR) and kept', async () => {
    const d = join(dir, 'adir');
    mkdirSync(d);
    const e = await refusal(d);
    expect(e.message).toMatch(new RegExp(`^control socket ${d}: exists and is a directory, not a socket`));
    expect(lstatSync(d).isDirectory()).toBe(true);
  });

  it('a symbolic link is not followed nor removed', async () => {
    const target = join(dir, 'target.txt');
    writeFileSync(target, 'x');
    const link = join(dir, 'link.sock');
    symlinkSync(target, link);
    const e = await refusal(link);
    expect(e.message).toMatch(/exists and is a symbolic link, not a socket/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('a socket something answers on is refused; a stale one (its server killed) is replaced', async () => {
    const live = join(dir, 'live.sock');
    const srv = await serveControl(live, handlers);
    try {
      const e = await refusal(live);
      expect(e.message).toBe(`a manager is already serving ${live}`);
      expect(await controlRequest(live, 'status')).toEqual({ ok: 1 });
    } finally {
      await srv.close();
    }
    const stale = join(dir, 'stale.sock');
    // a process that dies by SIGKILL while listening leaves its socket file behind
    spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(lstatSync(stale).isSocket()).toBe(true);
    const s2 = await serveControl(stale, handlers);
    try {
      expect(await controlRequest(stale, 'status')).toEqual({ ok: 1 });
    } finally {
      await s2.close();
    }
  });
});
