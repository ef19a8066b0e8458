/**
 * The same compiled seed policy enforced by the TypeScript engine, the native policer and (in
 * aggregate mode, where it maps) the mock ASIC's policers gives the same pass/drop counts for the
 * same traffic mix in virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import { VirtualClock } from '../../src/common/clock.js';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { applyHardware, planEnforcement, readHardware } from '../../src/cpu-protection/hardware.js';
import { NativeCpuPolicer, nativePolicerAvailable } from '../../src/cpu-protection/native.js';
import { summarize, totals } from '../../src/cpu-protection/summary.js';
import type { CounterSnapshot } from '../../src/cpu-protection/types.js';
import { seedModel, trafficMix } from './fixtures.js';
import { BpfCpuPolicer, bpfUnavailableReason } from '../../src/native/bpf.js';

const KEY = 'default/swp4/100';
const haveNative = nativePolicerAvailable();
if (!haveNative) {
  if (process.env.CI === 'true') throw new Error('CI: the native addon must include the CpuPolicer (npm run build:native)');
  console.warn('\n*** SKIPPING native policer agreement: the addon has no CpuPolicer (not built, or built before native/addon/cpu_protection.cc was registered) ***\n');
}

function tsCounters(aggregate: boolean): CounterSnapshot {
  const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate })), { squelch: true });
  for (const s of trafficMix()) eng.admit('swp4', s.frame, s.atNs);
  return eng.counters();
}

let closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

describe('native policer = TypeScript engine', () => {
  for (const aggregate of [false, true]) {
    it.skipIf(!haveNative)(`${aggregate ? 'aggregate' : 'per peer'}: identical decisions, frame by frame, and identical counters`, () => {
      const compiled = compileProtection(seedModel({ aggregate }));
      const n = new NativeCpuPolicer(compiled);
      closers.push(() => n.close());
      const ts = new CpuProtectionEngine(compiled, { squelch: true });
      const mix = trafficMix();
      // one batch, frames back to back, as the receive path sees them
      const data = new Uint8Array(mix.reduce((a, s) => a + s.frame.length, 0));
      let off = 0;
      for (const s of mix) {
        data.set(s.frame, off);
        off += s.frame.length;
      }
      const verdicts = n.admitBatch('swp4', data, Uint32Array.from(mix.map((s) => s.frame.length)), Float64Array.from(mix.map((s) => s.atNs)));
      expect([...verdicts].map((v) => v === 1)).toEqual(mix.map((s) => ts.admit('swp4', s.frame, s.atNs)));
      expect(n.counters().buckets).toEqual(ts.counters().buckets);
      expect(totals(n.counters())).toEqual(aggregate ? { passed: 9, dropped: 989 } : { passed: 21, dropped: 977 });
    });
  }

  it.skipIf(!haveNative)('squelches natively before policing', () => {
    const compiled = compileProtection(seedModel({ aggregate: true, squelch: '0-3' }));
    const n = new NativeCpuPolicer(compiled);
    closers.push(() => n.close());
    for (const s of trafficMix()) n.admit('swp4', s.frame, s.atNs);
    const c = n.counters();
    expect(c.bindings).toEqual([{ binding: KEY, squelched: 300, unmatched: 0 }]);
    expect(summarize(c).perEntry[`${KEY} entry 20`]).toEqual({ passed: 0, dropped: 55 });
  });
});

// The same policy inside the eBPF program (native/bpf/cfm.bpf.c, issue 17), replayed frame by
// frame with BPF_PROG_TEST_RUN at the traffic mix's times.
const haveBpf = bpfUnavailableReason() === undefined && process.getuid?.() === 0;
if (!haveBpf && process.env.CI === 'true') throw new Error(`CI: the eBPF policer must be tested: ${bpfUnavailableReason() ?? 'not root'}`);

describe('eBPF policer (tc program) = TypeScript engine', () => {
  for (const aggregate of [false, true]) {
    it.skipIf(!haveBpf)(`${aggregate ? 'aggregate' : 'per peer'}: identical decisions and counters`, () => {
      const compiled = compileProtection(seedModel({ aggregate }));
      const k = new NativeCpuPolicer(compiled, { addon: { CpuPolicer: BpfCpuPolicer } });
      closers.push(() => k.close());
      const ts = new CpuProtectionEngine(compiled, { squelch: true });
      const mix = trafficMix();
      const verdicts = k.admitBatch('swp4', Uint8Array.from(mix.flatMap((s) => [...s.frame])), Uint32Array.from(mix.map((s) => s.frame.length)), Float64Array.from(mix.map((s) => s.atNs)));
      expect([...verdicts].map((v) => v === 1)).toEqual(mix.map((s) => ts.admit('swp4', s.frame, s.atNs)));
      expect(k.counters().buckets).toEqual(ts.counters().buckets);
      expect(k.counters().bindings).toEqual(ts.counters().bindings);
    });
  }

  it.skipIf(!haveBpf)('squelches in the kernel before policing', () => {
    const k = new NativeCpuPolicer(compileProtection(seedModel({ aggregate: true, squelch: '0-3' })), { addon: { CpuPolicer: BpfCpuPolicer } });
    closers.push(() => k.close());
    for (const s of trafficMix()) k.admit('swp4', s.frame, s.atNs);
    expect(k.counters().bindings).toEqual([{ binding: KEY, squelched: 300, unmatched: 0 }]);
    expect(summarize(k.counters()).perEntry[`${KEY} entry 20`]).toEqual({ passed: 0, dropped: 55 });
  });
});

describe('mock ASIC policers = TypeScript engine (aggregate)', () => {
  it('maps entry 10 to six combination policers and entry 20 to one drop policer, with the same counts', async () => {
    const compiled = compileProtection(seedModel({ aggregate: true }));
    const clock = new VirtualClock();
    const be = new MockAsicBackend({ ports: ['swp1', 'swp2', 'swp3', 'swp4'], policers: 8, puntQueue: 4096 });
    closers.push(() => be.close());
    be.attachVirtualClock(clock);
    be.setPortPuntAll('swp4', true);
    const plan = planEnforcement(compiled, { policers: be.capabilities().policers, native: false });
    expect(plan.bindings).toEqual([{ key: KEY, port: 'swp4', vlan: 100, enforcement: 'hardware', reason: '7 backend policers', policers: 7 }]);
    expect(plan.policers.map((p) => [p.rule, p.level ?? '*', p.opcode ?? '*', p.spec.ratePps])).toEqual([
      [10, 5, 3, 1], [10, 5, 5, 1], [10, 6, 3, 1], [10, 6, 5, 1], [10, 7, 3, 1], [10, 7, 5, 1], [20, '*', '*', 0],
    ]);
    await applyHardware(be, plan);
    let punted = 0;
    be.frames.onReceive(() => punted++);
    for (const s of trafficMix()) {
      clock.advanceTo(s.atNs);
      be.injectFromWire('swp4', s.frame);
    }
    const hw = await readHardware(be, plan);
    const ts = tsCounters(true);
    expect(totals(hw)).toEqual(totals(ts));
    expect(punted).toBe(totals(ts).passed);
    const h = summarize(hw);
    const t = summarize(ts);
    expect(h.perEntry).toEqual(t.perEntry);
    for (const k of Object.keys(t.perCombination).filter((k) => k.includes('entry 10'))) expect(h.perCombination[k]).toEqual(t.perCombination[k]);
    expect(be.counters().policer_dropped).toBe(989);
  });

  it('per-peer rates fall back to software with the reason; too few policers too', () => {
    const perPeer = planEnforcement(compileProtection(seedModel({ aggregate: false })), { policers: 8, native: true });
    expect(perPeer.bindings[0].enforcement).toBe('native');
    expect(perPeer.bindings[0].reason).toMatch(/per-peer rates need one bucket per source MAC/);
    expect(perPeer.policers).toEqual([]);
    const small = planEnforcement(compileProtection(seedModel({ aggregate: true })), { policers: 4, native: false });
    expect(small.bindings[0]).toMatchObject({ enforcement: 'software', reason: 'TypeScript engine on the CPU path: needs 7 policers, 4 of 4 free' });
    const none = planEnforcement(compileProtection(seedModel({ aggregate: true })), { policers: 0, native: false });
    expect(none.bindings[0].reason).toMatch(/no CPU-protection policers/);
    const slow = planEnforcement(compileProtection(seedModel({ aggregate: true })), { policers: 8, maxRatePps: 0, native: false });
    expect(slow.bindings[0].reason).toMatch(/rate 1 pps is above the hardware maximum 0 pps/);
  });

  it('places all bindings of a port together and keeps VLAN bindings without a catch-all off hardware next to a port-wide one', () => {
    const m = seedModel({
      aggregate: true,
      extra: '',
    });
    m.cpuProtection.policies.push({ id: 2, overallRatePps: null, ethCfm: [{ entry: 1, levels: [1], opcodes: [1], ratePps: 5 }] });
    m.cpuProtection.bindings.push({ key: 'default/swp4/0', switch: 'default', port: 'swp4', vlan: 0, policy: 1, ethCfmMonitoring: true, aggregate: true, macMonitoring: false, squelchIngressLevels: [] });
    m.cpuProtection.bindings[0].policy = 2;
    const plan = planEnforcement(compileProtection(m), { policers: 16, native: false });
    expect(plan.bindings.map((b) => [b.key, b.enforcement])).toEqual([['default/swp4/100', 'software'], ['default/swp4/0', 'software']]);
    expect(plan.bindings[0].reason).toMatch(/VLAN 100 matching no entry would fall into the port-wide binding/);
  });
});
