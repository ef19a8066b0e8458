/**
 * Result protocol of the programs that run inside the qemu VM: one line per check on the serial
 * console, `CFM-RESULT {"name":...,"ok":true|false,"detail":...}`, parsed by the host test.
 */
import { execFileSync } from 'node:child_process';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: unknown;
}

export const results: CheckResult[] = [];

export class AssertError extends Error {}

export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new AssertError(msg);
}

export function assertEq<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertError(`${what}: expected ${e}, got ${a}`);
}

/** Runs one named check; a throw (assertion or anything else) marks it failed with the reason. */
export async function check(name: string, fn: () => Promise<unknown> | unknown): Promise<boolean> {
  const t0 = Date.now();
  let r: CheckResult;
  try {
    const detail = await fn();
    r = { name, ok: true, detail: detail ?? null };
  } catch (e) {
    const err = e as Error & { code?: string; errno?: number; extack?: string };
    r = { name, ok: false, detail: { error: err.message, code: err.code, errno: err.errno, extack: err.extack, stack: err.stack?.split('\n').slice(0, 6).join(' | ') } };
  }
  results.push(r);
  process.stdout.write(`CFM-RESULT ${JSON.stringify({ ...r, ms: Date.now() - t0 })}\n`);
  return r.ok;
}

/** Expect `p` to reject; returns the error for further checks. */
export async function rejects(p: Promise<unknown>, what: string): Promise<Error & { code?: string; errno?: number; extack?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string; errno?: number; extack?: string };
  }
  throw new AssertError(`${what}: expected a failure, it succeeded`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function sh(cmd: string, ...args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function waitFor<T>(fn: () => Promise<T>, timeoutMs: number, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let v = await fn();
  while (!v && Date.now() < end) {
    await sleep(stepMs);
    v = await fn();
  }
  return v;
}
