/** Where software VOEs transmit in their interval: the phase grid (batched sends) or a phase each. */
import { describe, expect, it } from 'vitest';
import { txPlacement } from '../../src/backends/software/tx-grid.js';
import { intervalNs, type IntervalCode } from '../../src/common/interval.js';

describe('software backend transmit placement', () => {
  it('puts VOEs of 3.33 ms, 10 ms and 100 ms on a few shared phases inside the interval', () => {
    for (const [code, slots] of [[1, 2], [2, 5], [3, 16]] as [IntervalCode, number][]) {
      const period = intervalNs(code);
      const phases = new Set<number>();
      for (let h = 1; h <= 500; h++) {
        const p = txPlacement(h, period, true);
        expect('phaseNs' in p).toBe(true);
        const ph = (p as { phaseNs: number }).phaseNs;
        expect(ph).toBeGreaterThanOrEqual(0);
        expect(ph).toBeLessThan(period);
        phases.add(ph);
      }
      // every slot used, no other phase: VOEs of one slot share their deadlines
      expect(phases.size).toBe(slots);
    }
  });

  it('uses fewer slots for few VOEs: at least 8 per slot (16 MEPs at 100 ms: 2 slots, 1 MEP: 1)', () => {
    const phases = (n: number, code: IntervalCode) => new Set(Array.from({ length: n }, (_, i) => (txPlacement(i + 1, intervalNs(code), true, i + 1) as { phaseNs: number }).phaseNs));
    expect(phases(1, 3).size).toBe(1);
    expect(phases(8, 3).size).toBe(1);
    expect(phases(16, 3).size).toBeLessThanOrEqual(2);
    // placed one by one as VOEs come (the count growing): still only the interval's 16 positions
    expect(phases(500, 3).size).toBe(16);
    expect(phases(500, 1).size).toBe(2);
  });

  it('keeps one phase per VOE within 100 ms for long intervals and without the grid', () => {
    for (const code of [4, 5, 6, 7] as IntervalCode[]) {
      const p = txPlacement(7, intervalNs(code), true) as { startDelayNs: number };
      expect(p.startDelayNs).toBeGreaterThanOrEqual(0);
      expect(p.startDelayNs).toBeLessThan(100_000_000);
    }
    const delays = new Set(Array.from({ length: 50 }, (_, h) => (txPlacement(h + 1, intervalNs(2), false) as { startDelayNs: number }).startDelayNs));
    expect(delays.size).toBe(50);
  });
});
