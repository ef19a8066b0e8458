/**
 * Run the `cfm` CLI in-process through main(), capturing stdout and stderr.
 *
 * Two styles: `captureCliOutput()` installs hooks for a whole file, after which `cfm(...)` returns
 * the exit code and the live bindings `out` / `err` hold what the last commands printed; or
 * `runCfm(...)` captures one call and returns `{ code, out, err }`.
 */
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
