/**
 * Run the `cfm` CLI in-process through main(), capturing stdout and stderr.
 *
 * Two styles: `captureCliOutput()` installs hooks for a whole file, after which `cfm(...)` returns
 * the exit code and the live bindings `out` / `err` hold what the last commands printed; or
 * `runCfm(...)` captures one call and returns `{ code, out, err }`.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export let out = '';
export let err = '';

export function captureCliOutput(): void {
  beforeEach(() => {
    out = '';
    err = '';
    process.exitCode = undefined;
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });
}

export const cfm = (...args: string[]): Promise<number> => main(['node', 'cfm', ...args]);

export async function runCfm(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let o = '';
  let e = '';
  const so = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { o += String(s); return true; });
  const se = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { e += String(s); return true; });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'cfm', ...args]);
    return { code, out: o, err: e };
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.exitCode = saved;
  }
}

/** Forget what was captured so far (the bindings are read-only for importers). */
export function clearOut(): void {
  out = '';
}
export function clearErr(): void {
  err = '';
}

export interface Follow {
  /** Stop the manager as an operator's Ctrl-C does (SIGTERM) and wait for main() to return. */
  stop(): Promise<number>;
}

/**
 * Start `cfm apply ARGS --follow --socket SOCK` in-process and resolve once its control socket
 * exists (up to 5 s); the manager keeps running until `stop()`.
 */
export async function startFollow(sock: string, ...applyArgs: string[]): Promise<Follow> {
  const running = cfm('apply', ...applyArgs, '--follow', '--socket', sock);
  const stop = async (): Promise<number> => {
    process.emit('SIGTERM');
    return running;
  };
  for (let i = 0; i < 500 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 10));
  if (!existsSync(sock)) {
    await stop();
    throw new Error(`cfm apply ${applyArgs.join(' ')} --follow: no control socket at ${sock} after 5 s`);
  }
  return { stop };
}
