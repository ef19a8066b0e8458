/**
 * The native-binary resolver (src/native/resolve.ts): a source build first, then
 * prebuilds/<platform>-<arch>/, skipping files that do not load, and an error listing the
 * platform, arch, glibc and every path tried when nothing loads.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAsicLib, mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { glibcVersion, nativeCandidates, NativeLoadError, platformTag, resolveNative } from '../../src/native/resolve.js';
import { addonPath } from '../../src/native/addon.js';
import { bpfModulePath, bpfUnavailableReason } from '../../src/native/bpf.js';
import { REPO } from './pack.js';

const roots: string[] = [];
function fakeRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'cfm-resolve-'));
  roots.push(r);
  return r;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('native resolver', () => {
  it('tries build/Release, build/Debug, then prebuilds/<platform>-<arch>', () => {
    expect(nativeCandidates('addon', '/pkg')).toEqual([
      '/pkg/build/Release/cfm_addon.node', '/pkg/build/Debug/cfm_addon.node', `/pkg/prebuilds/${platformTag()}/cfm_addon.node`,
    ]);
    expect(platformTag()).toBe(`${process.platform}-${process.arch}`);
    expect(nativeCandidates('bpf', '/pkg')).toEqual([
      '/pkg/build/Release/cfm_bpf.node', '/pkg/build/Debug/cfm_bpf.node', `/pkg/prebuilds/${platformTag()}/cfm_bpf.node`,
    ]);
  });

  it('skips a source build that does not load and takes the prebuild', () => {
    const root = fakeRoot();
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(join(root, 'build', 'Release', 'libcfm_mock_asic.so'), 'not an ELF file');
    const pre = join(root, 'prebuilds', platformTag());
    mkdirSync(pre, { recursive: true });
    copyFileSync(mockAsicLibPath(), join(pre, 'libcfm_mock_asic.so'));
    const r = resolveNative('mock-asic', (p) => loadAsicLib(p), { root });
    expect(r.path).toBe(join(pre, 'libcfm_mock_asic.so'));
    expect(r.value.abiVersion).toBe(1);
  });

  it('says what it tried, with platform, arch and glibc, when nothing loads', () => {
    const root = fakeRoot();
    const pre = join(root, 'prebuilds', platformTag());
    mkdirSync(pre, { recursive: true });
    writeFileSync(join(pre, 'cfm_addon.node'), 'garbage');
    const req = createRequire(import.meta.url);
    let err: unknown;
    try {
      resolveNative('addon', (p) => req(p) as unknown, { root });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NativeLoadError);
    const e = err as NativeLoadError;
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.tried.map((t) => t.path)).toEqual(nativeCandidates('addon', root));
    expect(e.tried[0].error).toBe('not there');
    expect(e.tried[2].error).toMatch(/invalid ELF header|file too short/);
    expect(e.message).toContain(`platform ${process.platform}, arch ${process.arch}, glibc ${glibcVersion()}`);
    expect(e.message).toContain('npm run build:native');
    expect(e.message.split('\n')).toHaveLength(5);
  });

  it('uses only the override path when one is given (CFM_MOCK_ASIC_LIB / CFM_ADDON_PATH)', () => {
    expect(() => resolveNative('mock-asic', (p) => loadAsicLib(p), { override: '/nonexistent/lib.so', code: 'BACKEND' }))
      .toThrow(/tried:\n {2}\/nonexistent\/lib\.so: not there/);
  });

  it('finds the source build of this checkout first', () => {
    expect(addonPath()).toMatch(/build\/Release\/cfm_addon\.node$/);
    expect(mockAsicLibPath()).toMatch(/build\/Release\/libcfm_mock_asic\.so$/);
    // the eBPF module when this checkout built it (clang, bpftool, libbpf-dev: always in CI)
    if (bpfUnavailableReason() === undefined || process.env.CI === 'true') expect(bpfModulePath()).toMatch(/build\/Release\/cfm_bpf\.node$/);
  });

  it('the eBPF module\'s failure is one line naming the file and why (or that it is not installed)', () => {
    // a fresh module instance (the loader caches its result): a child process with CFM_BPF_PATH
    const bad = join(fakeRoot(), 'cfm_bpf.node');
    writeFileSync(bad, 'not an ELF file');
    const code = "import('./src/native/bpf.ts').then((m) => console.log(JSON.stringify(m.bpfUnavailableReason())))";
    const run = (path: string) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: REPO, env: { ...process.env, CFM_BPF_PATH: path }, encoding: 'utf8' })) as string;
    expect(run(bad)).toBe(`cannot load the eBPF module ${bad}: ${bad}: file too short`);
    expect(run('/nonexistent/cfm_bpf.node')).toMatch(/^the eBPF module cfm_bpf\.node is not installed \(tried \/nonexistent\/cfm_bpf\.node\): .*build from source with clang, bpftool and libbpf-dev/);
  });
});
