/**
 * Seed 002's example policy on a binding with a MIP: the six combinations of entry 10, the
 * rate-0 catch-all of entry 20, exact pass/drop counts for a traffic mix in virtual time, per
 * peer and aggregate.
 */
import { describe, expect, it } from 'vitest';
import { combinations, compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { summarize, totals } from '../../src/cpu-protection/summary.js';
import { PEERS, seedModel, trafficMix } from './fixtures.js';

const KEY = 'default/swp4/100';

function runTs(aggregate: boolean) {
  const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate })));
  for (const s of trafficMix()) eng.admit('swp4', s.frame, s.atNs);
  return eng.counters();
}

describe('seed 002 policy compile', () => {
  it('expands entry 10 (level 5-7 opcode 3,5) into the six combinations of the seed table', () => {
    const p = compileProtection(seedModel({ aggregate: true }));
    expect(p.bindings).toHaveLength(1);
    const b = p.bindings[0];
    expect(b).toMatchObject({ key: KEY, port: 'swp4', vlan: 100, monitoring: true, aggregate: true, hasMp: true, overallRatePps: null });
    expect(b.rules.map((r) => r.entry)).toEqual([10, 20]);
    expect(combinations(b.rules[0]).map((c) => [c.level, c.opcode, b.rules[0].ratePps])).toEqual([
      [5, 3, 1], [5, 5, 1], [6, 3, 1], [6, 5, 1], [7, 3, 1], [7, 5, 1],
    ]);
    expect(combinations(b.rules[1])).toHaveLength(8 * 256);
    expect(b.rules[1].ratePps).toBe(0);
  });

  it('ignores the entries without eth-cfm-monitoring (seed 002)', () => {
    const m = seedModel({ aggregate: false });
    m.cpuProtection.bindings[0].ethCfmMonitoring = false;
    const b = compileProtection(m).bindings[0];
    expect(b.rules).toEqual([]);
    const eng = new CpuProtectionEngine({ bindings: [b] });
    const mix = trafficMix();
    expect(mix.every((s) => eng.admit('swp4', s.frame, s.atNs))).toBe(true);
    expect(eng.counters().bindings[0].unmatched).toBe(mix.length);
  });
});

describe('seed 002 traffic mix in the TypeScript engine', () => {
  it('has 998 frames', () => {
    expect(trafficMix()).toHaveLength(998);
  });

  it('per peer: each source MAC gets 1 pps per combination; entry 20 drops the rest', () => {
    const c = runTs(false);
    expect(totals(c)).toEqual({ passed: 21, dropped: 977 });
    const s = summarize(c);
    expect(s.perEntry).toEqual({ [`${KEY} entry 10`]: { passed: 21, dropped: 622 }, [`${KEY} entry 20`]: { passed: 0, dropped: 355 } });
    expect(s.perCombination).toEqual({
      [`${KEY} entry 10 level 5 opcode 3`]: { passed: 9, dropped: 291 },
      [`${KEY} entry 10 level 6 opcode 5`]: { passed: 9, dropped: 291 },
      [`${KEY} entry 10 level 7 opcode 3`]: { passed: 3, dropped: 40 },
      [`${KEY} entry 20 level 5 opcode 33`]: { passed: 0, dropped: 12 },
      [`${KEY} entry 20 level 3 opcode 3`]: { passed: 0, dropped: 300 },
      [`${KEY} entry 20 level 7 opcode 1`]: { passed: 0, dropped: 43 },
    });
    expect(s.perPeer).toEqual({
      [`${KEY} ${PEERS[0]}`]: { passed: 9, dropped: 377 },
      [`${KEY} ${PEERS[1]}`]: { passed: 6, dropped: 306 },
      [`${KEY} ${PEERS[2]}`]: { passed: 6, dropped: 294 },
    });
  });

  it('aggregate: one bucket per combination for all peers', () => {
    const c = runTs(true);
    expect(totals(c)).toEqual({ passed: 9, dropped: 989 });
    const s = summarize(c);
    expect(s.perEntry[`${KEY} entry 10`]).toEqual({ passed: 9, dropped: 634 });
    expect(s.perEntry[`${KEY} entry 20`]).toEqual({ passed: 0, dropped: 355 });
    expect(s.perCombination[`${KEY} entry 10 level 5 opcode 3`]).toEqual({ passed: 3, dropped: 297 });
    expect(s.perCombination[`${KEY} entry 10 level 6 opcode 5`]).toEqual({ passed: 3, dropped: 297 });
    expect(s.perCombination[`${KEY} entry 10 level 7 opcode 3`]).toEqual({ passed: 3, dropped: 40 });
    expect(Object.keys(s.perPeer)).toEqual([`${KEY} aggregate`]);
  });

  it('without entry 20, unmatched frames are bound only by the overall rate', () => {
    const m = seedModel({ aggregate: true, overallRate: 5 });
    m.cpuProtection.policies[0].ethCfm.pop(); // drop entry 20
    const eng = new CpuProtectionEngine(compileProtection(m));
    const ccm = trafficMix().find((s) => s.opcode === 1)!.frame; // matches no entry now
    const lbm = trafficMix()[0].frame; // level 5 LBM: entry 10
    // depth 5 (= rate): five of ten back-to-back unmatched frames pass, then one per 200 ms
    const got = Array.from({ length: 10 }, (_, i) => eng.admit('swp4', ccm, i * 1e6));
    expect(got).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(eng.admit('swp4', lbm, 5e6)).toBe(true); // entry 10 has its own bucket
    expect(eng.admit('swp4', ccm, 150e6)).toBe(false);
    expect(eng.admit('swp4', ccm, 250e6)).toBe(true);
    const s = summarize(eng.counters());
    expect(s.perEntry[`${KEY} overall`]).toEqual({ passed: 6, dropped: 6 });
    expect(s.perEntry[`${KEY} entry 10`]).toEqual({ passed: 1, dropped: 0 });
  });

  it('a frame on another VLAN or port is not policed by this binding', () => {
    const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate: true })));
    const f = trafficMix()[2]; // level 3 LBM: entry 20 drops it on VLAN 100
    expect(eng.decide('swp4', f.frame, 0)).toMatchObject({ pass: false, rule: 20 });
    expect(eng.decide('swp3', f.frame, 0)).toMatchObject({ pass: true, binding: null });
  });

  it('peers beyond the table share one bucket', () => {
    const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate: false })), { maxPeers: 2 });
    for (const s of trafficMix()) eng.admit('swp4', s.frame, s.atNs);
    const s = summarize(eng.counters());
    expect(Object.keys(s.perPeer).sort()).toEqual([`${KEY} ${PEERS[0]}`, `${KEY} ${PEERS[1]}`, `${KEY} other`]);
  });
});
