/**
 * A small runner of named conformance rules against one library implementing the vendor C ABI
 * (native/asic/cfm_asic.h). Each rule gets its own freshly opened device and leaves nothing
 * behind: after the rule (passed or not) every VOE still listed is freed, the handles the rule
 * opened are closed, so one broken call fails exactly one rule instead of leaking into the next.
 * Used by `cfm conformance` and by test/conformance (vitest) alike.
 */
import { AsicDevice, type RawCaps } from '../backends/asic-binding/index.js';
import { RuleFailure, RuleSkip, describeThrown } from './check.js';

/** A library and the open string of one device on it. */
export interface ConformanceTarget {
  label: string;
  libPath: string;
  openArgs: string;
}

/** What a rule body works with. */
export interface RuleContext {
  readonly target: ConformanceTarget;
  readonly dev: AsicDevice;
  readonly caps: RawCaps;
  /** Stop here: the rule does not apply to this library (the reason is printed, never silent). */
  skip(reason: string): never;
  /** Run `fn` after the rule, even when it fails (e.g. close a second handle it opened). */
  defer(fn: () => void): void;
}

export interface ConformanceRule {
  /** Stable id, e.g. 'voe.lifecycle': what a shim author greps for. */
  id: string;
  /** One line: what the library must do. */
  title: string;
  /** The rule of the ABI being checked, as docs/vendor-abi.md and cfm_asic.h state it. */
  abiRule: string;
  run(c: RuleContext): void | Promise<void>;
}

export type RuleOutcome = 'pass' | 'fail' | 'skip';

export interface RuleResult {
  id: string;
  title: string;
  abiRule: string;
  outcome: RuleOutcome;
  /** Why it failed (fail) or does not apply (skip). */
  reason?: string;
  /** Problems cleaning up after the rule (they fail the rule, not the next one). */
  cleanup?: string[];
  durationMs: number;
}

export interface TargetReport {
  target: ConformanceTarget;
  results: RuleResult[];
  passed: number;
  failed: number;
  skipped: number;
}

function cleanupDevice(dev: AsicDevice, deferred: (() => void)[]): string[] {
  const problems: string[] = [];
  for (const fn of deferred.reverse()) {
    try {
      fn();
    } catch (e) {
      problems.push(describeThrown(e));
    }
  }
  if (!dev.isOpen) return problems;
  try {
    for (const id of dev.voeList()) {
      try {
        dev.voeFree(id);
      } catch (e) {
        problems.push(`freeing VOE ${id} left by the rule: ${describeThrown(e)}`);
      }
    }
  } catch (e) {
    problems.push(`listing the VOEs left by the rule: ${describeThrown(e)}`);
  }
  try {
    dev.close();
  } catch (e) {
    problems.push(describeThrown(e));
  }
  return problems;
}

/** Run one rule on a fresh device; never throws (a failure is the result). */
export async function runRule(rule: ConformanceRule, target: ConformanceTarget): Promise<RuleResult> {
  const started = performance.now();
  const base = { id: rule.id, title: rule.title, abiRule: rule.abiRule };
  const done = (outcome: RuleOutcome, reason?: string, cleanup?: string[]): RuleResult => ({
    ...base, outcome, ...(reason !== undefined ? { reason } : {}), ...(cleanup?.length ? { cleanup } : {}),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
  let dev: AsicDevice;
  try {
    dev = AsicDevice.open(target.libPath, target.openArgs);
  } catch (e) {
    return done('fail', `opening the device with '${target.openArgs}': ${describeThrown(e)}`);
  }
  const deferred: (() => void)[] = [];
  let outcome: RuleOutcome = 'pass';
  let reason: string | undefined;
  try {
    // a library that keeps state across handles must not hand this rule another rule's VOEs
    for (const id of dev.voeList()) dev.voeFree(id);
    const caps = dev.caps();
    const ctx: RuleContext = {
      target, dev, caps,
      skip(why: string): never {
        throw new RuleSkip(why);
      },
      defer(fn) {
        deferred.push(fn);
      },
    };
    await rule.run(ctx);
  } catch (e) {
    if (e instanceof RuleSkip) {
      outcome = 'skip';
      reason = e.reason;
    } else {
      outcome = 'fail';
      reason = describeThrown(e);
    }
  }
  const cleanup = cleanupDevice(dev, deferred);
  if (cleanup.length && outcome !== 'fail') {
    outcome = 'fail';
    reason = `cleaning up after the rule failed: ${cleanup[0]}`;
  }
  return done(outcome, reason, cleanup);
}

export async function runTarget(
  rules: readonly ConformanceRule[], target: ConformanceTarget, onResult?: (r: RuleResult) => void,
): Promise<TargetReport> {
  const results: RuleResult[] = [];
  for (const rule of rules) {
    const r = await runRule(rule, target);
    results.push(r);
    onResult?.(r);
  }
  const count = (o: RuleOutcome): number => results.filter((r) => r.outcome === o).length;
  return { target, results, passed: count('pass'), failed: count('fail'), skipped: count('skip') };
}

/** Human-readable lines of one result: PASS/FAIL/SKIP, id, title; for a failure the ABI rule. */
export function formatResult(r: RuleResult): string {
  const head = `${r.outcome.toUpperCase().padEnd(4)}  ${r.id.padEnd(24)} ${r.title}`;
  if (r.outcome === 'pass') return head;
  if (r.outcome === 'skip') return `${head}\n      skipped: ${r.reason}`;
  const lines = [head, `      ABI rule: ${r.abiRule}`, `      failed:   ${r.reason}`];
  for (const c of (r.cleanup ?? []).slice(r.reason?.startsWith('cleaning up') ? 1 : 0)) lines.push(`      cleanup:  ${c}`);
  return lines.join('\n');
}

export { RuleFailure };
