/**
 * A target without a prebuild (simulated: the tarball repacked without prebuilds/): installing
 * builds from source only then, with the machine's compiler; on a board PATH without one the
 * install fails saying what it tried and what is missing, CFM_SKIP_NATIVE=1 installs without
 * native parts, and the CLI then reports the resolver's error (paths, platform, glibc) cleanly.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardPath, installProject, output, packRepo, run, tempDir } from '../pack.js';

let work: string;
let path: string;
let tarball: string;

beforeAll(() => {
  work = tempDir('fallback');
  path = boardPath(work);
  const pack = packRepo(work);
  const x = join(work, 'x');
  mkdirSync(x);
  execFileSync('tar', ['xzf', pack.tarball, '-C', x]);
  rmSync(join(x, 'package', 'prebuilds'), { recursive: true, force: true });
  tarball = join(work, 'cfm-offload-noprebuilds.tgz');
  execFileSync('tar', ['czf', tarball, '-C', x, 'package']);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('installing where no prebuild loads', () => {
  it('fails on a PATH without a compiler, naming what it tried and what is missing', () => {
    const r = installProject(join(work, 'board'), tarball, path);
    expect(r.status).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toContain('cfm-offload: no prebuilt native parts load here; building from source:');
    expect(text).toContain(`prebuilds/linux-${process.arch}/cfm_addon.node: not there`);
    expect(text).toMatch(/no prebuild loads on linux-x64 and building from source failed: missing: cmake \(Debian: apt-get install cmake\); a C compiler/);
    expect(text).toContain('CFM_SKIP_NATIVE=1');
  });

  it('installs without native parts with CFM_SKIP_NATIVE=1; offline commands work, the mock reports what was tried', () => {
    const dir = join(work, 'skip');
    mkdirSync(dir);
    const r = run('sh', ['-c', `echo '{"name":"b","version":"1.0.0","private":true}' > package.json && npm install --no-audit --no-fund --foreground-scripts ${tarball}`],
      { cwd: dir, path, env: { CFM_SKIP_NATIVE: '1' }, timeoutMs: 600_000 });
    expect(r.status, output(r)).toBe(0);
    const v = run('npx', ['--no-install', 'cfm', 'validate', 'node_modules/cfm-offload/examples/demo.yaml'], { cwd: dir, path });
    expect(v.status, output(v)).toBe(0);
    const d = run('npx', ['--no-install', 'cfm', 'apply', 'node_modules/cfm-offload/examples/board-8-down-meps.yaml'], { cwd: dir, path });
    expect(d.status).toBe(1);
    expect(d.stderr).toMatch(/^cfm: cannot load the mock ASIC library \(libcfm_mock_asic\.so\) on linux-x64 \(platform linux, arch x64, glibc [0-9.]+, Node /);
    expect(d.stderr).toContain('build/Release/libcfm_mock_asic.so: not there');
    expect(d.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('builds from source with the machine\'s compiler, and the library then loads the source build', () => {
    const dir = join(work, 'dev');
    // CFM_NO_BPF: the eBPF path is not what this checks, and it would add clang's time
    const r = installProject(dir, tarball, `${path}:${process.env.PATH ?? ''}`, [], [], { CFM_NO_BPF: '1' });
    expect(r.status, output(r)).toBe(0);
    // cmake-js and node-addon-api were hoisted into the project, not under the package
    expect(existsSync(join(dir, 'node_modules', 'cmake-js'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'cfm-offload', 'node_modules', 'cmake-js'))).toBe(false);
    expect(r.stdout).toContain('cfm-offload: native parts built from source into build/Release');
    const which = run('node', ['--input-type=module', '-e', "import { addonPath } from 'cfm-offload/dist/native/addon.js'; console.log(addonPath());"], { cwd: dir, path });
    expect(which.stdout.trim()).toBe(join(dir, 'node_modules', 'cfm-offload', 'build', 'Release', 'cfm_addon.node'));
  });
});
