// Builds the native parts (mock ASIC shared library, N-API addon) with cmake-js.
// Runs from `npm install` (prepare). Node headers come from the local install (nodedir or
// the running node's prefix): nothing is downloaded.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'CMakeLists.txt'))) process.exit(0);

const prefix = join(dirname(process.execPath), '..');
const nodeDir = process.env.npm_config_nodedir || (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
const args = [cmakeJs, 'compile', '--out', 'build'];
if (process.env.CFM_DEBUG_NATIVE) args.push('--debug');
// cmake-js takes the headers' location from npm's nodedir setting
const env = { ...process.env };
if (nodeDir) env.npm_config_nodedir = nodeDir;
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
if (r.status !== 0) {
  console.error('cfm-offload: building the native parts failed (cmake and a C/C++ compiler are needed: apt-get install cmake g++)');
  process.exit(r.status ?? 1);
}
