/**
 * The conformance runner itself: a failing rule names the ABI rule and the status codes by name,
 * a rule that leaks VOEs or handles is cleaned up so the next rule starts clean, skips carry
 * their reason, and `cfm conformance` reports and exits accordingly.
 */
import { describe, expect, it } from 'vitest';
import { ASIC_STATUS, mockAsicLibPath, type AsicDevice } from '../../src/backends/asic-binding/index.js';
import { MOCK_SHAPES, check, formatResult, runRule, runTarget, type ConformanceRule } from '../../src/conformance/index.js';
import { voeConf } from '../../src/conformance/fixtures.js';

const target = { label: 'mock', libPath: mockAsicLibPath(), openArgs: MOCK_SHAPES.big };

describe('conformance runner', () => {
  it('names the ABI rule and the statuses by name in a failure', async () => {
    const rule: ConformanceRule = {
      id: 'test.wrong-status', title: 'expects the wrong status', abiRule: 'cfm_voe_free of an unknown id is CFM_ENOENT',
      run(c) {
        check.status(c.dev.raw('voeFree', 0x7fffffff), ASIC_STATUS.ENOTSUP, 'cfm_voe_free(0x7fffffff)');
      },
    };
    const r = await runRule(rule, target);
    expect(r.outcome).toBe('fail');
    expect(r.reason).toBe('cfm_voe_free(0x7fffffff): expected CFM_ENOTSUP, got CFM_ENOENT');
    const text = formatResult(r);
    expect(text).toContain('ABI rule: cfm_voe_free of an unknown id is CFM_ENOENT');
    expect(text).not.toMatch(/-4\b/);
  });

  it('turns a throwing wrapped call into a failure with the C call and status name', async () => {
    const rule: ConformanceRule = {
      id: 'test.throws', title: 'calls with a bad level', abiRule: 'x',
      run(c) {
        c.dev.voeAlloc(voeConf({ level: 9 }));
      },
    };
    const r = await runRule(rule, target);
    expect(r.outcome).toBe('fail');
    expect(r.reason).toMatch(/^cfm_voe_alloc \(key 'conformance\/voe'\): expected CFM_OK, got CFM_EINVAL/);
  });

  it('frees what a failed rule leaked, runs its deferred clean-ups and closes its device, so the next rule passes', async () => {
    let seen: AsicDevice | undefined;
    let deferredRan = false;
    const leaky: ConformanceRule = {
      id: 'test.leaky', title: 'leaks VOEs then fails', abiRule: 'x',
      run(c) {
        seen = c.dev;
        c.defer(() => {
          deferredRan = true;
        });
        for (let level = 0; level < 4; level++) c.dev.voeAlloc(voeConf({ level, key: `leak/${level}` }));
        check.ok(false, 'deliberate failure');
      },
    };
    const clean: ConformanceRule = {
      id: 'test.clean', title: 'starts with no VOE', abiRule: 'x',
      run(c) {
        check.equal(c.dev.voeList(), [], 'VOEs at the start of a rule');
        c.dev.voeAlloc(voeConf({ level: 0 })); // the slot the leaky rule used
      },
    };
    const report = await runTarget([leaky, clean], target);
    expect(report.results.map((r) => r.outcome)).toEqual(['fail', 'pass']);
    expect(report.results[0].reason).toBe('deliberate failure');
    expect(deferredRan).toBe(true);
    expect(seen?.isOpen).toBe(false);
  });

  it('reports a skip with its reason', async () => {
    const r = await runRule({ id: 'test.skip', title: 'n/a', abiRule: 'x', run: (c) => c.skip('no such capability') }, target);
    expect(r).toMatchObject({ outcome: 'skip', reason: 'no such capability' });
    expect(formatResult(r)).toContain('skipped: no such capability');
  });

  it('fails the rule (not the next one) when its clean-up fails', async () => {
    const r = await runRule({
      id: 'test.cleanup', title: 'bad clean-up', abiRule: 'x',
      run(c) {
        c.defer(() => c.dev.setPortFlags(99, 0));
      },
    }, target);
    expect(r.outcome).toBe('fail');
    expect(r.reason).toMatch(/^cleaning up after the rule failed: cfm_port_flags_set \(port 99\): expected CFM_OK, got CFM_EINVAL/);
  });
});
