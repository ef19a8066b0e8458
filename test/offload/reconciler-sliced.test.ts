/**
 * diffVoes sliced (issue 16): the diff of thousands of VOEs yields to the event loop (timers run
 * in between) and gives exactly the ops of the one-piece diff.
 */
import { describe, expect, it } from 'vitest';
import type { VoeSpec, VoeState } from '../../src/backends/types.js';
import { diffVoes, diffVoesSliced } from '../../src/offload/reconciler.js';
import { Slicer } from '../../src/offload/slice.js';
import { voeSpecOf } from '../../src/offload/voe-spec.js';
import { mkMep } from './fixtures.js';

function spec(i: number, over: Partial<VoeSpec> = {}): VoeSpec {
  return { ...voeSpecOf(mkMep({ mepId: 1 + (i % 8000), associationId: `ma${i}`, port: 'swp1', vlan: 1 + (i % 4000) })), ...over };
}

describe('diffVoesSliced', () => {
  it('gives the ops of diffVoes for 6,000 VOEs (adopted, updated, recreated, deleted, created) and lets timers run meanwhile', async () => {
    const actual: VoeState[] = Array.from({ length: 5000 }, (_, i) => ({ handle: i + 1, spec: spec(i) }));
    const desired: VoeSpec[] = [];
    for (let i = 0; i < 6000; i++) {
      if (i % 7 === 3) continue; // deleted
      if (i % 11 === 5) desired.push(spec(i, { interval: 3 })); // update in place
      else if (i % 13 === 6) desired.push(spec(i, { port: 'swp2' })); // recreate
      else desired.push(spec(i)); // adopted, or created (i >= 5000)
    }
    const whole = diffVoes(desired, actual);
    let ticks = 0;
    const t = setInterval(() => ticks++, 0);
    // a budget of 0: yield at every step, so even a fast machine shows the yields
    const sliced = await diffVoesSliced(desired, actual, new Slicer(0));
    clearInterval(t);
    expect(sliced).toEqual(whole);
    expect(whole.ops.filter((o) => o.kind === 'create').length).toBeGreaterThan(900);
    expect(whole.ops.some((o) => o.kind === 'update')).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });
});
