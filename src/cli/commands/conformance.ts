/**
 * `cfm conformance [--sdk PATH] [--args STR] [--rule ID...] [--json]`: the vendor C ABI
 * conformance suite (src/conformance) against a shim, or against the packaged mock ASIC when no
 * --sdk is given. Prints one line per rule (PASS / FAIL with the ABI rule and the status codes by
 * name / SKIP with its reason); --json prints one report object instead. Exit 0 = conforms,
 * 1 = a rule failed, 2 = bad usage.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadAsicLib } from '../../backends/asic-binding/index.js';
import { UsageError } from '../../common/errors.js';
import { ABI_RULES, conformanceTargets, formatResult, runTarget, type TargetReport } from '../../conformance/index.js';

interface ConformanceOptions {
  sdk?: string;
  args?: string;
  rule?: string[];
  json?: boolean;
}

function selectRules(ids: string[] | undefined): typeof ABI_RULES {
  if (!ids?.length) return ABI_RULES;
  const known = new Set(ABI_RULES.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length) throw new UsageError(`--rule: unknown rule ${unknown.join(', ')} (rules: ${[...known].join(', ')})`);
  return ABI_RULES.filter((r) => ids.includes(r.id));
}

export function register(program: Command): void {
  program
    .command('conformance')
    .description('check a vendor shim (or the mock ASIC) against the vendor C ABI rules (docs/vendor-abi.md)')
    .option('--sdk <path>', 'shared library implementing native/asic/cfm_asic.h (default: the mock ASIC, in two shapes)')
    .option('--args <open>', "open string passed to cfm_asic_open ('key=value;...')")
    .option('--rule <id...>', 'run only these rules (ids as printed)')
    .option('--json', 'print one JSON report instead of lines')
    .action(async (opts: ConformanceOptions) => {
      const sdk = opts.sdk === undefined ? undefined : resolve(opts.sdk);
      if (sdk !== undefined && !existsSync(sdk)) throw new UsageError(`--sdk: no such file: ${sdk}`);
      const rules = selectRules(opts.rule);
      const out = (s: string): void => {
        process.stdout.write(s + '\n');
      };
      const reports: TargetReport[] = [];
      for (const target of conformanceTargets(sdk, opts.args)) {
        loadAsicLib(target.libPath); // not an ABI library at all: one clear error, not a failure per rule
        if (!opts.json) out(`# vendor C ABI conformance: ${target.label}${target.openArgs ? ` (open '${target.openArgs}')` : ''}`);
        reports.push(await runTarget(rules, target, opts.json ? undefined : (r) => out(formatResult(r))));
      }
      const failed = reports.reduce((n, r) => n + r.failed, 0);
      if (opts.json) {
        const total = (k: 'passed' | 'failed' | 'skipped'): number => reports.reduce((n, r) => n + r[k], 0);
        out(JSON.stringify({ ok: failed === 0, passed: total('passed'), failed, skipped: total('skipped'), targets: reports }, null, 2));
      } else {
        for (const r of reports) out(`${r.target.label}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (not applicable)`);
        out(failed ? `FAILED: ${failed} rule(s) broken` : 'conforms');
      }
      process.exitCode = failed ? 1 : 0;
    });
}
