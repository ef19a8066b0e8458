/**
 * On-demand Y.1731 tests through the manager (OffloadManager.y1731) between two mock-ASIC
 * switches in the simulator, with known impairments in ONE direction only, in virtual time:
 * results are exact where the standard makes them so.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pumped } from '../oam-cli/served.js';
import { mkModel, p2p, rig, type Rig } from '../offload/harness.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { LocalMep } from '../../src/config/model.js';
import { isCfmError } from '../../src/common/errors.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const LINK = 'sw1:swp1-sw2:swp1';

async function twoSwitches(pin: LocalMep['placement'], interval: 3 | 4 = 3): Promise<Rig> {
  const x = rig(['sw1', 'sw2'], [[LINK.split('-')[0], LINK.split('-')[1]]]);
  x.net.link(LINK).set({ delayNs: 500_000 });
  const model = mkModel(p2p(interval, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin }));
  for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(model);
  await runVirtual(x.net.clock, 1e9);
  return x;
}

describe.each(['software', 'hardware'] as const)('on-demand tests from a %s MEP', (pin) => {
  it('DMM: FD = sum of the two one-way delays exactly; jitter in one direction shows as IFDV', async () => {
    r = await twoSwitches(pin);
    r.net.link(LINK).set({ delayNs: 2_000_000 }, 'sw2'); // the way back: 2 ms
    const res = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 5, intervalMs: 100 }));
    expect(res).toMatchObject({ kind: 'dmm', sent: 5, received: 5, outOfOrder: 0, errored: 0, done: true, completed: true });
    expect(res.delaysNs).toEqual([2_500_000, 2_500_000, 2_500_000, 2_500_000, 2_500_000]);
    expect(res.delay).toEqual({ minNs: 2_500_000, avgNs: 2_500_000, maxNs: 2_500_000, ifdvAvgNs: 0, ifdvMaxNs: 0 });

    r.net.link(LINK).set({ jitterNs: 1_000_000 }, 'sw1'); // forward only: 0..1 ms extra
    const j = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 50, intervalMs: 20, dataSize: 100 }));
    expect(j).toMatchObject({ sent: 50, received: 50, errored: 0, completed: true });
    for (const d of j.delaysNs!) {
      expect(d).toBeGreaterThanOrEqual(2_500_000);
      expect(d).toBeLessThanOrEqual(3_500_000);
    }
    const d = j.delaysNs!;
    const ifdv = d.slice(1).map((x, i) => Math.abs(x - d[i]));
    expect(j.delay!.ifdvAvgNs).toBeCloseTo(ifdv.reduce((a, b) => a + b, 0) / ifdv.length, 6);
    expect(j.delay!.ifdvMaxNs).toBe(Math.max(...ifdv));
    expect(j.delay!.ifdvMaxNs!).toBeGreaterThan(0);
  });

  it('SLM: loss in the forward direction only is far-end loss, none near-end', async () => {
    r = await twoSwitches(pin);
    r.net.link(LINK).set({ lossRate: 0.3 }, 'sw1');
    const res = await pumped(r, r.mgr.sw1.y1731.slm('md1/ma1/1', { targetMepId: 2, count: 100, intervalMs: 10, testId: 7, timeoutMs: 100 }));
    expect(res).toMatchObject({ kind: 'slm', testId: 7, sent: 100, outOfOrder: 0, errored: 0, completed: true });
    expect(res.received).toBeLessThan(100);
    const l = res.loss!;
    expect(l.nearEnd).toBe(0);
    // within [first SLR, last SLR] every SLM not answered was lost on the way out
    expect(l.farEnd).toBe(l.farEndTx - (res.received - 1));
    expect(l.farEndRatio).toBeGreaterThan(0.15);
    expect(l.farEndRatio).toBeLessThan(0.45);

    r.net.link(LINK).set({ lossRate: 0 }, 'sw1');
    r.net.link(LINK).set({ lossRate: 0.3 }, 'sw2');
    const back = await pumped(r, r.mgr.sw1.y1731.slm('md1/ma1/1', { targetMepId: 2, count: 100, intervalMs: 10, testId: 8, timeoutMs: 100 }));
    expect(back.loss!.farEnd).toBe(0);
    expect(back.loss!.nearEnd).toBe(back.loss!.nearEndTx - (back.received - 1));
    expect(back.loss!.nearEnd).toBeGreaterThan(0);
  });

  it('LMM: forward loss of every frame (CCMs included) is far-end loss', async () => {
    r = await twoSwitches(pin);
    const link = r.net.link(LINK);
    link.set({ lossRate: 0.25 }, 'sw1');
    const lost0 = link.lost;
    const res = await pumped(r, r.mgr.sw1.y1731.lm('md1/ma1/1', { targetMepId: 2, count: 40, intervalMs: 50, timeoutMs: 100 }));
    expect(res).toMatchObject({ kind: 'lmm', sent: 40, done: true, completed: true });
    const l = res.loss!;
    expect(l.nearEnd).toBe(0);
    expect(l.farEnd).toBeGreaterThan(0);
    expect(l.farEnd).toBeLessThanOrEqual(link.lost - lost0);
    expect(l.farEndRatio).toBeGreaterThan(0.1);
    expect(l.farEndRatio).toBeLessThan(0.4);
  });

  it('TST with every pattern type: the receiver counts frames, out-of-order and errored ones', async () => {
    r = await twoSwitches(pin);
    const mac1 = (await r.mgr.sw2.status()).meps[0].remotes[0].mac;
    for (const [patternType, length] of [[0, 40], [1, 40], [2, 100], [3, 100]]) {
      r.mgr.sw2.y1731.received('md1/ma1/2', { clear: true });
      const res = await pumped(r, r.mgr.sw1.y1731.tst('md1/ma1/1', { targetMepId: 2, count: 20, intervalMs: 5, test: { patternType, length } }));
      expect(res).toMatchObject({ kind: 'tst', sent: 20, completed: true });
      await runVirtual(r.net.clock, 10e6);
      const rx = r.mgr.sw2.y1731.received('md1/ma1/2');
      expect(rx.tst).toEqual([{ fromMac: mac1, received: 20, outOfOrder: 0, errored: 0, withoutTestTlv: 0, lastSeq: 19 }]);
    }
    // corrupted frames (the octet before the End TLV flipped) are errored with or without CRC
    r.net.link(LINK).set({ corruptRate: 1, corruptFrom: 'sw1' });
    for (const patternType of [1, 2]) {
      r.mgr.sw2.y1731.received('md1/ma1/2', { clear: true });
      await pumped(r, r.mgr.sw1.y1731.tst('md1/ma1/1', { targetMepId: 2, count: 5, intervalMs: 5, test: { patternType, length: 64 } }));
      await runVirtual(r.net.clock, 10e6);
      expect(r.mgr.sw2.y1731.received('md1/ma1/2').tst[0]).toMatchObject({ received: 5, errored: 5 });
    }
  });

  it('1DM: one-way delay of the forward direction only, at the receiving MEP', async () => {
    r = await twoSwitches(pin);
    r.net.link(LINK).set({ delayNs: 3_000_000 }, 'sw2');
    r.net.link(LINK).set({ delayNs: 700_000, jitterNs: 200_000 }, 'sw1');
    const res = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, oneWay: true, count: 30, intervalMs: 10 }));
    expect(res).toMatchObject({ kind: '1dm', sent: 30, received: 0, completed: true });
    await runVirtual(r.net.clock, 10e6);
    const rx = r.mgr.sw2.y1731.received('md1/ma1/2');
    expect(rx.oneWay).toHaveLength(1);
    const ow = rx.oneWay[0];
    expect(ow.received).toBe(30);
    expect(ow.delay!.minNs).toBeGreaterThanOrEqual(700_000);
    expect(ow.delay!.maxNs).toBeLessThanOrEqual(900_000);
    expect(ow.delay!.ifdvAvgNs!).toBeGreaterThan(0);
  });
});

describe('on-demand test errors and timeouts', () => {
  it('two tests of one MEP at the same instants: each counts only its own peer\'s replies', async () => {
    r = await twoSwitches('software');
    const [real, none] = await pumped(r, Promise.all([
      r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 3, intervalMs: 10, timeoutMs: 100 }),
      r.mgr.sw1.y1731.dm('md1/ma1/1', { target: '02:00:00:00:00:99', count: 3, intervalMs: 10, timeoutMs: 100 }),
    ]));
    expect(real).toMatchObject({ sent: 3, received: 3, completed: true });
    expect(none).toMatchObject({ sent: 3, received: 0, completed: false });
  });

  it('a cut link: nothing answered, done but not completed; bad targets are usage errors', async () => {
    r = await twoSwitches('software');
    r.net.link(LINK).up = false;
    const res = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { target: '02:00:00:00:00:99', count: 2, intervalMs: 10, timeoutMs: 200 }));
    expect(res).toMatchObject({ sent: 2, received: 0, done: true, completed: false, delay: null });
    const errs: unknown[] = [];
    for (const call of [
      () => r!.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 9 }),
      () => r!.mgr.sw1.y1731.dm('md1/ma1/5', { targetMepId: 2 }),
      () => r!.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 0 }),
      () => r!.mgr.sw1.y1731.slm('md1/ma1/1', { targetMepId: 2, dataSize: 10, test: { patternType: 1, length: 10 } }),
      () => r!.mgr.sw1.y1731.tst('md1/ma1/1', { targetMepId: 2, test: { patternType: 4, length: 10 } }),
    ]) await call().then(() => errs.push('no error'), (e: unknown) => errs.push(e));
    expect(errs.map((e) => (isCfmError(e) ? `${e.code}: ${e.message}` : String(e)))).toEqual([
      'USAGE: MEP md1/ma1/1: MEP 9 is not a remote MEP of its MA',
      'USAGE: no MEP md1/ma1/5 on this switch (MEPs: md1/ma1/1)',
      'USAGE: dmm: "count" 0 is not an integer 1..10000',
      'USAGE: slm: "dataSize" and "test" exclude each other (a Data TLV or a Test TLV)',
      'USAGE: tst: "test.patternType" 4 is not an integer 0..3',
    ]);
  });
});

describe('results reach telemetry', () => {
  it('a finished DMM and SLM show in the Prometheus metrics', async () => {
    const { startMetrics } = await import('../../src/telemetry/index.js');
    r = await twoSwitches('software');
    const metrics = await startMetrics(r.mgr.sw1, { port: 0 });
    try {
      await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 2, intervalMs: 10, timeoutMs: 100 }));
      await pumped(r, r.mgr.sw1.y1731.slm('md1/ma1/1', { targetMepId: 2, count: 3, intervalMs: 10, timeoutMs: 100 }));
      const text = await pumped(r, metrics.scrape());
      expect(text).toMatch(/cfm_mep_delay_last_seconds\{[^}]*mep="md1\/ma1\/1"[^}]*stat="avg"[^}]*\} 0\.001\b/);
      expect(text).toMatch(/cfm_mep_delay_last_frames\{[^}]*mep="md1\/ma1\/1"[^}]*kind="received"[^}]*\} 2\b/);
      expect(text).toMatch(/cfm_mep_loss_last_ratio\{[^}]*mep="md1\/ma1\/1"[^}]*end="far"[^}]*\} 0\b/);
    } finally {
      await metrics.close();
    }
  });
});
