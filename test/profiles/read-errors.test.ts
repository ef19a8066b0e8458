/**
 * A profile path that exists but cannot be read (a directory, a file whose read fails) is a
 * ProfileError / an issue naming the path, like the config loader's errors; before, the raw
 * EISDIR / EIO of readFileSync came out of loadProfile and validateProfileFile.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProfile, ProfileError, validateProfileFile } from '../../src/profiles/load.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-profile-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe('unreadable profile paths', () => {
  const d = join(dir, 'board.json'); // a directory with a profile-like name: taken as a path
  mkdirSync(d);

  it('a directory: ProfileError naming the path (loadProfile), one issue (validateProfileFile)', () => {
    const e = thrown(() => loadProfile(d));
    expect(e).toBeInstanceOf(ProfileError);
    expect((e as ProfileError).code).toBe('PROFILE');
    expect((e as ProfileError).message).toBe(`cannot read hardware profile ${d}: is a directory (EISDIR)`);
    expect(validateProfileFile(d)).toEqual([{ pointer: '', rule: 'file', message: `cannot read hardware profile ${d}: is a directory (EISDIR)` }]);
  });

  it('a file whose read fails with EIO (/proc/self/mem): ProfileError naming the path', () => {
    const e = thrown(() => loadProfile('/proc/self/mem'));
    expect(e).toBeInstanceOf(ProfileError);
    expect((e as ProfileError).message).toBe('cannot read hardware profile /proc/self/mem: input/output error (EIO)');
    expect(validateProfileFile('/proc/self/mem')[0].message).toMatch(/^cannot read hardware profile \/proc\/self\/mem: /);
  });
});
