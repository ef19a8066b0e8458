/**
 * npm 11's install-script policy as docs/install.md describes it: the packed tarball installed
 * with `--ignore-scripts` on a board PATH (no compiler) still uses the prebuild (`npx cfm demo`
 * passes, nothing built); without the flag npm lists cfm-offload and koffi as "not covered by
 * allowScripts", and `npm install-scripts approve cfm-offload koffi` covers both.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardPath, installProject, output, packRepo, run, tempDir, type PackResult } from '../pack.js';

// `npm install-scripts` came with npm 11.19; an older npm has no policy to test (the
// --ignore-scripts case above still runs everywhere).
const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
const [npmMajor = 0, npmMinor = 0] = npmVersion.split('.').map(Number);
const npmHasPolicy = npmMajor > 11 || (npmMajor === 11 && npmMinor >= 19);
if (!npmHasPolicy) console.warn(`[install-scripts] npm ${npmVersion} has no "npm install-scripts" (npm >= 11.19): the allowScripts case does not apply`);

let work: string;
let path: string;
let pack: PackResult;

beforeAll(() => {
  work = tempDir('install-scripts');
  path = boardPath(work);
  pack = packRepo(work);
});

afterAll(() => {
  if (work && !process.env.CFM_KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

describe('install scripts and npm 11 allowScripts', () => {
  it('--ignore-scripts: the prebuild is used when the library loads; cfm demo passes, nothing built', () => {
    const proj = join(work, 'ignored');
    const r = installProject(proj, pack.tarball, path, [], ['--ignore-scripts']);
    expect(r.status, output(r)).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('cfm-offload: native parts');
    const demo = run('npx', ['--no-install', 'cfm', 'demo'], { cwd: proj, path, timeoutMs: 180_000 });
    expect(demo.status, output(demo)).toBe(0);
    expect(demo.stdout).toMatch(/demo ok: \d+ checks passed/);
    expect(existsSync(join(proj, 'node_modules', 'cfm-offload', 'build'))).toBe(false);
  });

  it.skipIf(!npmHasPolicy)('the warning names cfm-offload and koffi; npm install-scripts approve covers both', () => {
    const proj = join(work, 'approved');
    const r = installProject(proj, pack.tarball, path);
    expect(r.status, output(r)).toBe(0);
    const pending = run('npm', ['install-scripts', 'ls'], { cwd: proj, path });
    expect(pending.status, output(pending)).toBe(0);
    expect(pending.stdout).toMatch(/cfm-offload@[\d.]+ \(install: node scripts\/install\.mjs/);
    expect(pending.stdout).toMatch(/koffi@[\d.]+ \(install: /);
    const ok = run('npm', ['install-scripts', 'approve', 'cfm-offload', 'koffi'], { cwd: proj, path });
    expect(ok.status, output(ok)).toBe(0);
    const allow = (JSON.parse(readFileSync(join(proj, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect(Object.keys(allow).some((k) => k.includes('cfm-offload'))).toBe(true);
    expect(Object.keys(allow).some((k) => k.startsWith('koffi'))).toBe(true);
    const after = run('npm', ['install-scripts', 'ls'], { cwd: proj, path });
    expect(after.stdout).toContain('No packages with unreviewed install scripts.');
  });
});
