/**
 * The conformance scenarios of issue 12 (examples/scenarios/conformance/): each is written from
 * its 802.1Q / Y.1731 clause with the simulator's injection, frame and status expectations, and
 * every expectation must hold. A failing one prints its failures.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../src/sim/index.js';

const DIR = 'examples/scenarios/conformance';

describe('conformance scenarios', () => {
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.yaml')).sort()) {
    it(`${DIR}/${f}: every expectation holds`, () => {
      const r = runScenario(loadScenario(`${DIR}/${f}`));
      expect(r.failures).toEqual([]);
      // each scenario checks something: at least one expectation or result judged
      expect(r.records.filter((x) => 'type' in x && (x.type === 'expect' || (x.type === 'result' && 'ok' in x && x.ok !== undefined))).length).toBeGreaterThan(0);
    });
  }
});
