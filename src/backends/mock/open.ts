/**
 * The backend factory for the ASIC-type backends, as named on the command line:
 *   'mock'            the mock ASIC (options: profile limits, state file, instance name)
 *   'vendor:PATH'     a vendor shim implementing the C ABI, opened with `args`
 * (The Linux backends have their own factories; src/backends/index.ts is shared.)
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CfmError, UsageError } from '../../common/errors.js';
import type { HwProfile } from '../../profiles/types.js';
import type { Backend } from '../types.js';
import { VendorBackend } from '../vendor/backend.js';
import { MockAsicBackend } from './backend.js';
import { mockOptionsFromProfile, type MockAsicOptions } from './options.js';

export interface OpenBackendOptions {
  /** Open string for a vendor shim ('vendor:PATH'). */
  args?: string;
  /** Mock: make it look like this hardware profile. */
  profile?: HwProfile;
  /** Mock: options (override what the profile gives). */
  mock?: MockAsicOptions;
  /** Mock: persist the ASIC state in this file (`cfm apply --backend mock --state F`). */
  statePath?: string;
  /** Port names (vendor shims; the mock takes them from the profile or mock.ports). */
  portNames?: string[];
}

export type AsicBackendKind = MockAsicBackend | VendorBackend;

/**
 * The mock writes its state back on close: a state file in a missing directory would be lost
 * after a successful apply (cfm_asic_close: EIO). Say so before anything is programmed.
 */
function checkStatePath(path: string): void {
  const dir = dirname(resolve(path));
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new CfmError('BACKEND', `mock state file ${path}: directory ${dir} does not exist`);
  if (existsSync(path) && !statSync(path).isFile()) throw new CfmError('BACKEND', `mock state file ${path} is not a regular file`);
  probeStateWrite(path);
}

/**
 * Do now what the mock does at close (native/asic/mock_state.c: write PATH.tmp, rename it over
 * PATH), with a probe file, so a directory that takes no new file (a pseudo filesystem such as
 * /proc, a read-only mount, no permission) fails before anything is applied, not as an EIO at
 * close after "applied ...". The state file itself is not touched.
 */
function probeStateWrite(path: string): void {
  const tmp = `${path}.tmp`;
  const probe = `${path}.probe-${process.pid}`;
  try {
    writeFileSync(probe, 'cfm-offload state probe\n');
    renameSync(probe, tmp);
    rmSync(tmp, { force: true });
  } catch (e) {
    try {
      rmSync(probe, { force: true });
    } catch {
      // nothing was created
    }
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    const why = WRITE_ERRORS[code] ? `${WRITE_ERRORS[code]}, ${code}` : code;
    throw new CfmError('BACKEND', `mock state file ${path}: cannot be written in ${dirname(resolve(path))} (${why}); nothing was applied`);
  }
}

const WRITE_ERRORS: Record<string, string> = {
  ENOENT: 'the directory takes no new files', // procfs / sysfs answer a create with ENOENT
  EROFS: 'read-only filesystem',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOSPC: 'no space left',
};

/** `openBackend('vendor:/usr/lib/libshim.so', 'unit=0')` or `openBackend('mock', { statePath })`. */
export function openBackend(spec: string, argsOrOpts: string | OpenBackendOptions = {}): Backend & AsicBackendKind {
  const opts: OpenBackendOptions = typeof argsOrOpts === 'string' ? { args: argsOrOpts } : argsOrOpts;
  if (spec === 'mock') {
    if (opts.args) throw new UsageError(`backend 'mock' takes options, not an open string ('${opts.args}')`);
    let o: MockAsicOptions = opts.profile ? mockOptionsFromProfile(opts.profile) : {};
    o = { ...o, ...(opts.mock ?? {}) };
    if (opts.statePath) {
      checkStatePath(opts.statePath);
      o.statePath = opts.statePath;
    }
    return new MockAsicBackend(o);
  }
  if (spec.startsWith('vendor:')) {
    const libPath = spec.slice('vendor:'.length);
    if (!libPath) throw new UsageError(`backend '${spec}': give the shim path, e.g. vendor:/usr/lib/libcfm_shim.so`);
    return new VendorBackend({ libPath, args: opts.args ?? '', ...(opts.portNames ? { portNames: opts.portNames } : {}) });
  }
  throw new UsageError(`unknown backend '${spec}' (expected 'mock' or 'vendor:PATH')`);
}
