/**
 * Helpers of the package tests (test/package/e2e, test/arm): pack the package as npm publishes
 * it, make a PATH with only node/npm and basic tools (no C/C++ compiler, no cmake), install the
 * tarball into a fresh project the way a user does.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Tools a board image has; anything that could compile (cc, gcc, g++, clang, cmake, make) is left out. */
const BASIC_TOOLS = ['node', 'npm', 'npx', 'sh', 'bash', 'env', 'ls', 'cat', 'mkdir', 'rm', 'cp', 'mv', 'tar', 'gzip', 'uname', 'sed', 'grep', 'head', 'tail', 'dirname', 'basename', 'readlink', 'chmod', 'ln', 'true', 'false'];
export const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'cmake', 'make', 'ninja'];

function which(cmd: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return null;
}

/** A directory of symlinks to the basic tools only; its path is the whole PATH of the user's shell. */
export function boardPath(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const t of BASIC_TOOLS) {
    const p = t === 'node' ? process.execPath : which(t);
    if (p && !existsSync(join(bin, t))) symlinkSync(p, join(bin, t));
  }
  return bin;
}

export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `cfm-${name}-`));
}

export interface PackResult {
  tarball: string;
  bytes: number;
  files: { path: string; size: number }[];
}

/** `npm pack` of the repo (dist/ and prebuilds/ as they are; --ignore-scripts: no rebuild). */
export function packRepo(dest: string): PackResult {
  if (!existsSync(join(REPO, 'dist', 'index.js'))) throw new Error('dist/ is not built: npm run build:ts');
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const j = (JSON.parse(out) as { filename: string; size: number; files: { path: string; size: number }[] }[])[0];
  return { tarball: join(dest, j.filename), bytes: j.size, files: j.files };
}

export function run(cmd: string, args: string[], o: { cwd: string; path: string; env?: Record<string, string>; timeoutMs?: number }): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd: o.cwd, encoding: 'utf8', timeout: o.timeoutMs ?? 300_000,
    env: { HOME: process.env.HOME ?? '/root', npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm'), ...o.env, PATH: o.path },
  });
}

/** A fresh project with the tarball (and `extra` packages) installed through npm, as a user does. */
export function installProject(
  dir: string, tarball: string, path: string, extra: string[] = [], npmArgs: string[] = [], env: Record<string, string> = {},
): SpawnSyncReturns<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'board-project', version: '1.0.0', private: true, type: 'module' }, null, 2));
  return run('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', ...npmArgs, tarball, ...extra], { cwd: dir, path, env, timeoutMs: 600_000 });
}

export function output(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
