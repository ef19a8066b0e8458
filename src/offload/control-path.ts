/**
 * The path of a manager's control socket (control.ts): checks before a manager starts, and the
 * claim before it listens. Only a stale socket (one nothing answers on) is ever removed.
 */
import { existsSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import net from 'node:net';
import { CfmError } from '../common/errors.js';

/** Whether something answers on the unix socket at `path`. */
export function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Before a manager opens or programs anything: fail when another manager serves `path` (a second
 * manager would otherwise program its backend, or send CCMs, and only then find the socket taken).
 */
export async function assertSocketFree(path: string): Promise<void> {
  if (existsSync(path) && (await probe(path))) {
    throw new CfmError('USAGE', `a manager is already serving ${path}: nothing was changed (stop it first, or give another --socket)`);
  }
}

/** What a non-socket at a socket path is, for the error naming it. */
function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'another kind of file';
}

/**
 * Makes `path` free for the control socket: nothing there, or a stale socket (one nothing answers
 * on: a manager that died), which is removed. Anything else is refused with a typed error naming
 * the path: a regular file, directory or link there is the user's, never deleted unasked; a
 * socket that answers is another manager's. lstat, so a link is not followed to what it names.
 */
export async function claimSocketPath(path: string): Promise<void> {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new CfmError('USAGE', `control socket ${path}: cannot check it (${(e as NodeJS.ErrnoException).code ?? String(e)}); nothing was removed`);
  }
  if (!st.isSocket()) throw new CfmError('USAGE', `control socket ${path}: exists and is ${kindOf(st)}, not a socket; nothing was removed (remove it or choose another path)`);
  if (await probe(path)) throw new CfmError('USAGE', `a manager is already serving ${path}`);
  unlinkSync(path); // stale socket of a manager that died
}

