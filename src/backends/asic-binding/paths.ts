/**
 * Where the mock ASIC library is: $CFM_MOCK_ASIC_LIB when set (only that path), else the first of
 * build/Release, build/Debug (`npm run build:native`) and prebuilds/<platform>-<arch>/ (shipped in
 * the package) that loads as an ABI library (src/native/resolve.ts); the error lists every path
 * tried with the platform, arch and glibc when none does.
 */
import { resolveNative, NATIVE_FILES } from '../../native/resolve.js';
import { loadAsicLib } from './abi.js';

export const MOCK_LIB_NAME = NATIVE_FILES['mock-asic'];

let resolved: { override: string | undefined; path: string } | undefined;

/** The mock library's path, or a NativeLoadError (CfmError 'BACKEND') saying what was tried. */
export function mockAsicLibPath(): string {
  const override = process.env.CFM_MOCK_ASIC_LIB || undefined;
  if (resolved && resolved.override === override) return resolved.path;
  const { path } = resolveNative('mock-asic', (p) => loadAsicLib(p), { code: 'BACKEND', override });
  resolved = { override, path };
  return path;
}

/** The mock library's path, or null when none loads. */
export function findMockAsicLib(): string | null {
  try {
    return mockAsicLibPath();
  } catch {
    return null;
  }
}
