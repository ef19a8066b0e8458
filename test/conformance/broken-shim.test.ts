/**
 * One broken call fails one rule: a shim that forgets the NUL check on the VOE key (it allocates
 * a VOE the ABI says to refuse, and leaks it) fails only `voe.invalid-conf`, with the ABI rule and
 * the status codes by name; every other rule passes because each runs on a fresh device and the
 * runner frees what a rule left. (Before the runner, this one bug gave four failures.)
 * The shim is built (shim.ts) from test/conformance/fixtures/shim_no_nul_check.c with the C compiler
 * `npm install` needs anyway, linked against the mock ASIC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABI_RULES, MOCK_SHAPES, formatResult, runTarget, type TargetReport } from '../../src/conformance/index.js';
import { buildShim, type BuiltShim } from './shim.js';

let shim: BuiltShim | undefined;
let report: TargetReport;

beforeAll(async () => {
  shim = buildShim('shim_no_nul_check');
  report = await runTarget(ABI_RULES, { label: 'broken shim', libPath: shim.libPath, openArgs: MOCK_SHAPES.big });
});

afterAll(() => shim?.remove());

describe('a shim with one broken call', () => {
  it('fails exactly the rule about that call', () => {
    const failed = report.results.filter((r) => r.outcome === 'fail');
    expect(failed.map((r) => r.id), failed.map(formatResult).join('\n')).toEqual(['voe.invalid-conf']);
    expect(report.passed).toBe(ABI_RULES.length - 1 - report.skipped);
  });

  it('says which ABI rule, which call and what it returned, by status name', () => {
    const r = report.results.find((x) => x.id === 'voe.invalid-conf')!;
    expect(r.reason).toBe('cfm_voe_alloc(key of 64 bytes without NUL): expected CFM_EINVAL, got CFM_OK');
    const text = formatResult(r);
    expect(text).toContain('ABI rule: cfm_voe_alloc() returns CFM_EINVAL for');
    expect(text).toContain('a key without NUL in its 64 bytes');
    expect(r.cleanup).toBeUndefined(); // the leaked VOE was freed without trouble
  });
});
