import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { ensureStateDir } from '../../src/common/state-dir.js';

// The one state-dir helper behind debug tags, PM history and the kernel backend's key map: the
// recursive mkdirSync it replaces spins forever under /proc on Node 20, so these calls must
// return (vitest's timeout would catch a hang) with a typed error.
describe('ensureStateDir', () => {
  const base = mkdtempSync(join(tmpdir(), 'cfm-state-dir-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('creates missing components one at a time', () => {
    const d = join(base, 'a', 'b', 'c');
    ensureStateDir(d);
    expect(statSync(d).isDirectory()).toBe(true);
    ensureStateDir(d); // exists: nothing to do
  });

  it('refuses a directory on a pseudo filesystem, naming it', () => {
    expect(() => ensureStateDir('/proc/cfm-offload-test/x')).toThrow(CfmError);
    expect(() => ensureStateDir('/proc/cfm-offload-test/x')).toThrow(/proc pseudo filesystem/);
  });

  it('refuses a path under a regular file', () => {
    const f = join(base, 'file');
    writeFileSync(f, 'x');
    expect(() => ensureStateDir(join(f, 'sub'))).toThrow(/is not a directory/);
  });
});
