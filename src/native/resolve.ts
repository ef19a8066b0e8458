/**
 * One resolver for the native binaries of the package: the N-API addon (cfm_addon.node), the
 * optional eBPF datapath module (cfm_bpf.node, the only one linking libbpf.so.1; loaded lazily by
 * src/native/bpf.ts) and the mock ASIC library (libcfm_mock_asic.so). Candidates, in order:
 *   1. a source build: build/Release/, then build/Debug/ (`npm run build:native`);
 *   2. the prebuild shipped in the package: prebuilds/<platform>-<arch>/ (`npm run prebuild`),
 *      e.g. prebuilds/linux-arm64/ on a SparX-5 board, prebuilds/linux-arm/ on a LAN966x one.
 * The first candidate that really loads wins (a file built for another architecture or a newer
 * glibc is skipped with its loader error); when none does, the error lists the platform, arch,
 * glibc, Node and every path tried with why it failed.
 * Both src/native (tsx, vitest) and dist/native (built) sit two folders below the package root.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfmError, type CfmErrorCode } from '../common/errors.js';

export type NativeKind = 'addon' | 'bpf' | 'mock-asic';

export const NATIVE_FILES: Record<NativeKind, string> = {
  addon: 'cfm_addon.node',
  bpf: 'cfm_bpf.node',
  'mock-asic': 'libcfm_mock_asic.so',
};

const WHAT: Record<NativeKind, string> = { addon: 'the native addon', bpf: 'the eBPF datapath module', 'mock-asic': 'the mock ASIC library' };

/** The platforms `npm run prebuild` makes binaries for (prebuilds/<tag>/). */
export const PREBUILD_TAGS = ['linux-x64', 'linux-arm64', 'linux-arm'] as const;
/** The platforms whose prebuild has the eBPF module (cross builds would need the target's libbpf). */
export const BPF_PREBUILD_TAGS = ['linux-x64'] as const;

/** The package root (where package.json, build/ and prebuilds/ are). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `<platform>-<arch>` as Node names them (linux-arm = 32-bit ARM, armv7 hard-float for our prebuilds). */
export function platformTag(): string {
  return `${process.platform}-${process.arch}`;
}

/** The running glibc version ('2.36'), or null on another C library. */
export function glibcVersion(): string | null {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/** Paths tried for `kind`, in order. */
export function nativeCandidates(kind: NativeKind, root = PACKAGE_ROOT): string[] {
  const file = NATIVE_FILES[kind];
  return [join(root, 'build', 'Release', file), join(root, 'build', 'Debug', file), join(root, 'prebuilds', platformTag(), file)];
}

export interface NativeAttempt {
  path: string;
  error: string;
}

/** Nothing loadable was found; `tried` says where and why. */
export class NativeLoadError extends CfmError {
  readonly kind: NativeKind;
  readonly tried: readonly NativeAttempt[];
  constructor(kind: NativeKind, tried: NativeAttempt[], code: CfmErrorCode) {
    const glibc = glibcVersion();
    const lines = [
      `cannot load ${WHAT[kind]} (${NATIVE_FILES[kind]}) on ${platformTag()} `
        + `(platform ${process.platform}, arch ${process.arch}, ${glibc ? `glibc ${glibc}` : 'no glibc'}, Node ${process.versions.node}, N-API ${process.versions.napi}); tried:`,
      ...tried.map((t) => `  ${t.path}: ${t.error}`),
      kind === 'bpf'
        ? `the prebuild exists for ${BPF_PREBUILD_TAGS.join(', ')} and needs libbpf.so.1 (Debian: apt-get install libbpf1); elsewhere build from source `
          + 'in the package folder: `npm run build:native` with clang, bpftool and libbpf-dev installed'
        : `prebuilds exist for ${PREBUILD_TAGS.join(', ')} (glibc >= 2.34); elsewhere build from source in the package folder: `
          + '`npm run build:native` (needs cmake and a C/C++ compiler)',
    ];
    super(code, lines.join('\n'));
    this.name = 'NativeLoadError';
    this.kind = kind;
    this.tried = tried;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

export interface ResolveOptions {
  /** Package root to search (tests). */
  root?: string;
  /** Error code of the NativeLoadError (the mock ASIC reports 'BACKEND', the addon 'UNSUPPORTED'). */
  code?: CfmErrorCode;
  /** An explicit path (environment override): only this one is tried. */
  override?: string;
}

/**
 * Load the first candidate of `kind` that `load` accepts and return it with its path.
 * `load` throws when the file cannot be used (dlopen error, wrong ABI).
 */
export function resolveNative<T>(kind: NativeKind, load: (path: string) => T, options: ResolveOptions = {}): { path: string; value: T } {
  const candidates = options.override ? [options.override] : nativeCandidates(kind, options.root);
  const tried: NativeAttempt[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      tried.push({ path, error: 'not there' });
      continue;
    }
    try {
      return { path, value: load(path) };
    } catch (e) {
      tried.push({ path, error: firstLine(e) });
    }
  }
  throw new NativeLoadError(kind, tried, options.code ?? 'UNSUPPORTED');
}

