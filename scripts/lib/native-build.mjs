// Building the native parts (N-API addon, mock ASIC library) with cmake-js, shared by
// build-native.mjs (npm install in a checkout, or an installed package without a usable
// prebuild), prebuild.mjs (cross builds) and install.mjs.
// cmake-js and node-addon-api are found wherever npm put them (require.resolve from this
// package, not ./node_modules), Node's headers come from the local Node install (no download),
// and a failure says its real cause: a missing tool, missing headers, or the compile itself.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'package.json'));

/** Absolute path of an executable on PATH, or null. */
export function which(cmd) {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

/** Where the Node headers (include/node/node_api.h and uv.h) are: nodedir, else the running node's prefix. */
export function nodeHeadersDir() {
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..'), '/usr', '/usr/local'].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, 'include', 'node', 'node_api.h')) && existsSync(join(d, 'include', 'node', 'uv.h'))) ?? null;
}

function resolvePackageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/** The cmake-js command line entry (node script), or null. */
export function cmakeJsBin() {
  const dir = resolvePackageDir('cmake-js');
  if (!dir) return null;
  const pkg = require(join(dir, 'package.json'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['cmake-js'];
  return bin ? join(dir, bin) : null;
}

/** What is missing for a build (empty when everything is there). `cross` = compilers come from a toolchain file. */
export function missingForBuild({ cross = false } = {}) {
  const missing = [];
  if (!cmakeJsBin()) missing.push('the npm package cmake-js (a dependency of cfm-offload: reinstall without --omit=optional / --ignore-scripts tricks)');
  if (!resolvePackageDir('node-addon-api')) missing.push('the npm package node-addon-api (a dependency of cfm-offload)');
  if (!which('cmake')) missing.push('cmake (Debian: apt-get install cmake)');
  if (!cross) {
    if (!which(process.env.CC || 'cc') && !which('gcc')) missing.push('a C compiler (Debian: apt-get install gcc)');
    if (!which(process.env.CXX || 'c++') && !which('g++')) missing.push('a C++ compiler (Debian: apt-get install g++)');
  }
  if (!nodeHeadersDir()) missing.push(`Node's headers (include/node/node_api.h and uv.h under ${join(dirname(process.execPath), '..')} or npm_config_nodedir)`);
  return missing;
}

/**
 * Build into `out` (build/ by default: build/Release/...). `defines` are extra CMake variables,
 * e.g. { CMAKE_TOOLCHAIN_FILE: '...', CFM_BPF: 'OFF' }. Returns { ok, cause }.
 */
export function buildNative({ out = 'build', defines = {}, debug = false, cross = false, stdio = 'inherit', env = {} } = {}) {
  const missing = missingForBuild({ cross });
  if (missing.length) return { ok: false, cause: `missing: ${missing.join('; ')}` };
  const args = [cmakeJsBin(), 'compile', '--out', out];
  if (debug) args.push('--debug');
  const all = { NODE_ADDON_API_DIR: resolvePackageDir('node-addon-api'), ...defines };
  for (const [k, v] of Object.entries(all)) args.push(`--CD${k}=${v}`);
  // cmake-js takes the headers' location from npm's nodedir setting (nothing is downloaded)
  const r = spawnSync(process.execPath, args, {
    cwd: root, stdio, env: { ...process.env, npm_config_nodedir: nodeHeadersDir(), ...env }, encoding: 'utf8',
  });
  if (r.error) return { ok: false, cause: `cmake-js did not start: ${r.error.message}` };
  if (r.status !== 0) {
    const output = typeof r.stdout === 'string' ? `${r.stdout}\n${r.stderr}` : '';
    return { ok: false, cause: `cmake-js exited with ${r.status ?? r.signal}: the configure or compile step failed (see the output above)`, output };
  }
  return { ok: true };
}
