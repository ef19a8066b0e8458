import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import { intervalNs, parseInterval, remoteMepTimeoutNs, INTERVAL_CODES, intervalName } from '../../src/common/interval.js';

describe('VirtualClock', () => {
  it('fires timers in time order, ties in creation order, and nested timers within the advance', () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.setTimer(20, () => seen.push('b@' + c.nowNs()));
    c.setTimer(10, () => {
      seen.push('a@' + c.nowNs());
      c.setTimer(5, () => seen.push('nested@' + c.nowNs()));
    });
    c.setTimer(20, () => seen.push('c@' + c.nowNs()));
    const cancelled = c.setTimer(12, () => seen.push('never'));
    cancelled.cancel();
    expect(c.pending()).toBe(3);
    expect(c.advance(100)).toBe(4);
    expect(seen).toEqual(['a@10', 'nested@15', 'b@20', 'c@20']);
    expect(c.nowNs()).toBe(100);
    expect(c.pending()).toBe(0);
  });

  it('does not fire timers beyond the target', () => {
    const c = new VirtualClock();
    let n = 0;
    c.setTimer(1000, () => n++);
    c.advance(999);
    expect(n).toBe(0);
    expect(c.nextAtNs()).toBe(1000);
    c.advance(1);
    expect(n).toBe(1);
  });
});

describe('interval codes', () => {
  it('maps every code to its period and names, and parses every spelling back', () => {
    expect(INTERVAL_CODES.map(intervalNs)).toEqual([3_333_333, 1e7, 1e8, 1e9, 1e10, 6e10, 6e11]);
    for (const code of INTERVAL_CODES) expect(parseInterval(intervalName(code))).toBe(code);
    expect(parseInterval('1sec')).toBe(4);
    expect(parseInterval('300hz')).toBe(1);
    expect(parseInterval('3ms3')).toBe(1);
    expect(parseInterval('2s')).toBeUndefined();
    expect(parseInterval(0)).toBeUndefined();
    expect(remoteMepTimeoutNs(4)).toBe(3_500_000_000);
  });
});
