/**
 * `cfm sim` scenarios run every Y.1731 test (`y1731` step: dmm, 1dm, lmm, slm, tst) and assert on
 * its result, and on what the receiving MEP counted (`test-rx`).
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from '../../src/sim/index.js';
import { runCfm } from '../helpers/cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scenario = (steps: string) => `
name: y1731 tests
seed: 3
topology:
  switches:
    - { name: sw1, ports: [p1] }
    - { name: sw2, ports: [p1] }
  links:
    - { a: "sw1:p1", b: "sw2:p1", delay: 1ms }
config:
  switches: [ { name: sw1 }, { name: sw2 } ]
  cfm:
    maintenance-domain:
      - md-id: md1
        char-string: MD1
        md-level: 4
        maintenance-association:
          - { ma-id: ma1, primary-vid: 10, ccm-interval: 1sec, maintenance-association-mep: [1, 2] }
    maintenance-group:
      - maintenance-group-id: g
        md-id: md1
        ma-id: ma1
        mep:
          - { mep-id: 1, switch: sw1, interface: p1, direction: down, enabled: true, continuity-check: { ccm-enabled: true } }
          - { mep-id: 2, switch: sw2, interface: p1, direction: down, enabled: true, continuity-check: { ccm-enabled: true } }
steps:
${steps}
`;

const STEPS = `
  - { at: 0s, link: { link: sw1-sw2, from: sw2, delay: 3ms } }
  - { at: 2s, y1731: { test: dmm, mep: md1/ma1/1, target-mep-id: 2, count: 5, interval: 100ms, data-size: 32, expect: { completed: true, received: 5, errored: 0, delay: 4ms, ifdv-max: 0 } } }
  - { at: 3s, y1731: { test: 1dm, mep: md1/ma1/1, target-mep-id: 2, count: 4, interval: 50ms, expect: { completed: true } } }
  - { at: 4s, test-rx: { mep: md1/ma1/2, expect: { one-way-received: 4, one-way-delay: 1ms } } }
  - { at: 5s, y1731: { test: tst, mep: md1/ma1/1, target-mep-id: 2, count: 8, interval: 10ms, test-pattern: prbs-crc, test-size: 200, expect: { completed: true } } }
  - { at: 6s, test-rx: { mep: md1/ma1/2, expect: { tst-received: 8, tst-errored: 0, tst-out-of-order: 0 } } }
  - { at: 7s, y1731: { test: slm, mep: md1/ma1/1, target-mep-id: 2, count: 20, interval: 10ms, test-id: 3, timeout: 100ms, expect: { completed: true, far-end-loss: 0, near-end-loss: 0 } } }
  - { at: 8s, y1731: { test: lmm, mep: md1/ma1/1, target-mep-id: 2, count: 5, interval: 100ms, timeout: 100ms, expect: { completed: true, far-end-ratio: 0 } } }
`;

describe('cfm sim: y1731 and test-rx steps', () => {
  it('every test runs and its expectations hold (one-way 1 ms there, 3 ms back)', () => {
    const out = runScenario(parseScenario(scenario(STEPS)));
    expect(out.failures).toEqual([]);
    const results = out.records.filter((r) => 'type' in r && r.type === 'result' && 'ok' in r);
    expect(results).toHaveLength(7);
    expect(results.every((r) => (r as { ok?: boolean }).ok === true)).toBe(true);
  });

  it('a failed expectation says what was measured; bad steps name the field', () => {
    const out = runScenario(parseScenario(scenario(`
  - { at: 2s, y1731: { test: dmm, mep: md1/ma1/1, target-mep-id: 2, count: 2, interval: 10ms, expect: { delay: [0, 1ms], completed: true } } }
  - { at: 2.5s, cut: sw1-sw2 }
  - { at: 3s, y1731: { test: slm, mep: md1/ma1/1, target-mep-id: 2, count: 2, interval: 10ms, timeout: 100ms, expect: { completed: true } } }
  - { at: 4s, test-rx: { mep: md1/ma1/2, expect: { tst-received: 3 } } }`)));
    expect(out.failures).toEqual([
      'steps[0] (2s): dmm delay 2ms, expected 0ms..1ms',
      'steps[0] (2s): dmm delay 2ms, expected 0ms..1ms',
      'steps[2] (3s): slm did not complete, expected completed',
      'steps[3] (4s): TST received 0, expected 3',
    ]);
    expect(() => parseScenario(scenario('  - { at: 1s, y1731: { test: ping, mep: md1/ma1/1, target-mep-id: 2 } }'))).toThrow(/steps\[0\]\.y1731\.test.*one of dmm, 1dm, lmm, slm, tst/);
    expect(() => parseScenario(scenario('  - { at: 1s, y1731: { test: dmm, mep: md1/ma1/1 } }'))).toThrow(/give target \(MAC\) or target-mep-id/);
  });

  it('cfm sim FILE runs the steps and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-y1731-sim-'));
    try {
      const f = join(dir, 'y1731.yaml');
      writeFileSync(f, scenario(STEPS));
      const r = await runCfm('sim', f);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('dmm: sent 5, received 5 [0 out-of-order, 0 errored]; FD 4ms/4ms/4ms, IFDV max 0ms; completed');
      expect(r.out).toMatch(/received at md1\/ma1\/2: TST 8 \[0 out-of-order, 0 errored\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
