/**
 * Argument checks shared by the commands that talk to a running manager (oam.ts, y1731.ts) and
 * the ones that serve its control socket (offload.ts `apply --follow`, linux.ts `cfm run`): each
 * names the flag and the value that is wrong, as a UsageError (exit 2, one line, no stack).
 * Plus the Ctrl-C handling of the commands that wait for a manager's answer.
 */
import { lstatSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CfmError, UsageError } from '../../common/errors.js';

/** An integer flag value in min..max, or undefined when the flag was not given. */
export function intArg(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer ${min}..${max}, not '${v}'`);
  return n;
}

/** A MEP key as `cfm status` shows it: `<md>/<ma>/<mepid>`. */
export function mepKeyArg(k: string): string {
  if (!/^[^/\s]+\/[^/\s]+\/\d+$/.test(k)) throw new UsageError(`MEP '${k}' is not a MEP key "<md>/<ma>/<mepid>" (as cfm status shows it)`);
  return k;
}

/** A unicast or multicast MAC (colons or dashes, any case), normalised to aa:bb:cc:dd:ee:ff. */
export function macArg(flag: string, v: string): string {
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(v)) throw new UsageError(`${flag} '${v}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return v.toLowerCase().replace(/-/g, ':');
}

/** Y.1731 Test TLV pattern types (Y.1731 9.3, Table 9-1): --test-pattern NAME -> code. */
export const TEST_PATTERNS: Readonly<Record<string, number>> = { null: 0, 'null-crc': 1, prbs: 2, 'prbs-crc': 3 };

const MAX_SOCKET_PATH = 107;

/**
 * The control socket a manager is about to serve: a path that fits sun_path, in an existing
 * directory, and not a file or directory of someone else's (the server replaces a stale socket
 * by unlinking it: a regular file there would be deleted). Checked before the backend is
 * programmed or an interface opened, so a typo in --socket changes nothing (listen(2) would fail
 * late, after the apply, with a misleading EACCES or EADDRINUSE).
 */
export function checkSocketPath(path: string): void {
  // sun_path is 108 bytes with the terminating NUL (unix(7)); Node cuts a longer one and listen
  // then fails with an unrelated error (EADDRINUSE on the cut name)
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH) throw new UsageError(`--socket ${path}: ${bytes} bytes, a Unix socket path has at most ${MAX_SOCKET_PATH}; nothing was changed`);
  const dir = dirname(resolve(path));
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // missing: said below
  }
  if (!isDir) throw new UsageError(`--socket ${path}: directory ${dir} does not exist; nothing was changed`);
  let st: Stats | undefined;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there yet: the server creates it
  }
  if (!st.isSocket()) throw new UsageError(`--socket ${path}: exists and is not a socket (${st.isDirectory() ? 'a directory' : 'a file'}); nothing was changed`);
}

/**
 * A config file named on the command line: a missing one (or a directory) is one line naming it,
 * as `cfm decode` says it, instead of the config component's "invalid configuration, 1
 * problem(s): (document): cannot read F: ENOENT". Exit 1 (a failure of the input, not of the
 * command line: docs/oam-cli.md "Exit codes").
 */
export function configFileArg(path: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CfmError('CONFIG', `${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`}`);
  }
  if (isDir) throw new CfmError('CONFIG', `${path}: is a directory, not a config file`);
  return path;
}

/**
 * A `--profile` / `cfm profile show|validate` argument: a shipped profile name, or a file. A
 * directory there was read as a file and failed with an internal error (EISDIR and a stack).
 */
export function profileFileArg(nameOrPath: string, alwaysFile = false): string {
  // a shipped name (src/profiles/load.ts resolvePath), unless the command takes only files
  if (!alwaysFile && !nameOrPath.includes('/') && !nameOrPath.endsWith('.json')) return nameOrPath;
  let isDir = false;
  try {
    isDir = statSync(nameOrPath).isDirectory();
  } catch {
    // a profile name, or a missing file: the profile loader says which
  }
  if (isDir) throw new CfmError('PROFILE', `${nameOrPath}: is a directory, not a hardware profile (a name such as lan966x, or a .json file)`);
  return nameOrPath;
}

/**
 * A file the command will write (`craft -o`, `--debug-log`): its directory must exist and the
 * path must not be a directory. Checked up front: a debug log is appended to only when a tagged
 * MP is decoded, minutes later, inside the manager.
 */
export function outputFileArg(flag: string, path: string): string {
  const dir = dirname(resolve(path));
  let dirOk = false;
  try {
    dirOk = statSync(dir).isDirectory();
  } catch {
    // missing: said below
  }
  if (!dirOk) throw new UsageError(`${flag} ${path}: directory ${dir} does not exist`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // not there yet: created on the first write
  }
  if (isDir) throw new UsageError(`${flag} ${path}: is a directory`);
  return path;
}

/** Ctrl-C while waiting for a manager's answer: stop waiting (the manager ends the session on its own). */
export function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  return run(ac.signal).finally(() => process.off('SIGINT', onSig));
}
