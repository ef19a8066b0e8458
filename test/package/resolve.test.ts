/**
 * The native-binary resolver (src/native/resolve.ts): a source build first, then
 * prebuilds/<platform>-<arch>/, skipping files that do not load, and an error listing the
 * platform, arch, glibc and every path tried when nothing loads.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAsicLib, mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { glibcVersion, nativeCandidates, NativeLoadError, platformTag, resolveNative } from '../../src/native/resolve.js';
import { addonPath } from '../../src/native/addon.js';

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
  });
});
