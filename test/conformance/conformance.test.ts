/**
 * The vendor C ABI conformance rules (src/conformance) inside `npm test`, one vitest test per
 * rule, against the mock ASIC (the reference implementation) in two shapes, or against a shim
 * when CFM_CONFORMANCE_SDK is set. `cfm conformance` runs the same rules without vitest.
 * A rule that does not apply is skipped with its reason printed.
 */
import { describe, expect, it } from 'vitest';
import { ABI_RULES, conformanceTargets, formatResult, runRule } from '../../src/conformance/index.js';

for (const target of conformanceTargets(process.env.CFM_CONFORMANCE_SDK, process.env.CFM_CONFORMANCE_ARGS)) {
  describe(`vendor C ABI conformance: ${target.label}`, () => {
    for (const rule of ABI_RULES) {
      it(`${rule.id}: ${rule.title}`, async (ctx) => {
        const r = await runRule(rule, target);
        if (r.outcome === 'skip') {
          console.warn(`[ABI conformance ${target.label}] skipped ${rule.id}: ${r.reason}`);
          ctx.skip(r.reason);
        }
        expect(r.outcome, formatResult(r)).toBe('pass');
      });
    }
  });
}
