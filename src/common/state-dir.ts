/**
 * Making a state directory exist without the traps of mkdirSync(..., { recursive: true }): used
 * by every file the kit persists (debug tags, PM history, the kernel backend's MEP keys).
 */
import { mkdirSync, statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CfmError } from './errors.js';

/**
 * Kernel pseudo filesystems (statfs f_type, linux/magic.h): no state file can live there, and
 * Node 20's mkdirSync(..., { recursive: true }) spins at 100 % CPU under /proc (mkdir answers
 * ENOENT, Node retries the parent, which exists, and the child again, forever).
 */
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x64626720, 'debugfs'], [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'],
  [0x1cd1, 'devpts'], [0x62656570, 'configfs'], [0x6165676c, 'pstore'], [0xf97cff8c, 'selinuxfs'],
]);

/**
 * Makes the state directory `dir` exist: refused on a pseudo filesystem (checked at its nearest
 * existing ancestor, before any mkdir); missing components created one at a time (never the
 * recursive mkdir that spins); every failure a typed error naming the directory.
 */
export function ensureStateDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) throw new CfmError('USAGE', `state dir ${dir}: cannot check ${at} (${code ?? String(e)})`);
      missing.unshift(at);
      at = dirname(at);
      continue;
    }
    if (!isDir) throw new CfmError('USAGE', `state dir ${dir}: ${at} is not a directory`);
    break;
  }
  const fs = PSEUDO_FS.get(Number(statfsSync(at).type) >>> 0);
  if (fs) throw new CfmError('USAGE', `state dir ${dir}: ${at} is on the ${fs} pseudo filesystem, which holds no files; choose a directory such as /run or /tmp (--state-dir, CFM_STATE_DIR)`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new CfmError('USAGE', `state dir ${dir}: cannot create ${d} (${code ?? String(e)})`);
    }
  }
}
