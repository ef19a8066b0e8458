/**
 * The "clock" group's rule catches a shim that answers cfm_asic_time_get from another clock than
 * the one stamping frames and events (here the host's CLOCK_MONOTONIC over the mock in virtual
 * time): only optional.clock fails, saying which stamp was outside which reads. Built like
 * broken-shim.test.ts (shim.ts) from test/conformance/fixtures/shim_wrong_clock.c, linked to the mock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { ABI_RULES, MOCK_SHAPES, formatResult, runTarget, type TargetReport } from '../../src/conformance/index.js';
import { buildShim, type BuiltShim } from './shim.js';

let shim: BuiltShim | undefined;
let report: TargetReport;

beforeAll(async () => {
  shim = buildShim('shim_wrong_clock');
  report = await runTarget(ABI_RULES, { label: 'wrong-clock shim', libPath: shim.libPath, openArgs: MOCK_SHAPES.big });
});

afterAll(() => shim?.remove());

describe('a shim whose device time is not the stamps\' clock', () => {
  it('fails optional.clock only, naming the stamp and the reads', () => {
    const failed = report.results.filter((r) => r.outcome === 'fail');
    expect(failed.map((r) => r.id), failed.map(formatResult).join('\n')).toEqual(['optional.clock']);
    expect(failed[0].reason).toMatch(/punted frame time_ns \d+ within the reads around it \[\d+, \d+\]/);
  });
});

describe('the mock in real time', () => {
  it('passes optional.clock: its counter follows CLOCK_MONOTONIC and is the one stamping frames and the LOC', async () => {
    const rules = ABI_RULES.filter((r) => r.id === 'optional.clock');
    const real = await runTarget(rules, { label: 'mock (real time)', libPath: mockAsicLibPath(), openArgs: `${MOCK_SHAPES.big};clock=real;time0_s=3600` });
    expect(real.results.map((r) => [r.id, r.outcome, r.reason])).toEqual([['optional.clock', 'pass', undefined]]);
  });
});
