/**
 * The manager's operation hook (src/offload/operations.ts): every apply / change / loopback /
 * linktrace reaches onOperation listeners with its kind, duration and outcome, and
 * manager.operations keeps totals and last OAM results from the manager's start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OperationEvent } from '../../src/offload/operations.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('manager operation hook', () => {
  it('apply, change and OAM calls, ok and failed, with durations; unsubscribe stops the events', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'hardware' }));
    await r.mgr.sw2.apply(model);
    const m = r.mgr.sw1;
    const seen: OperationEvent[] = [];
    const off = m.onOperation((e) => seen.push(e));

    const report = await m.apply(model);
    await runVirtual(r.net.clock, 1e9);
    const lb = m.loopback('md1/ma1/1', { targetMepId: 2, count: 2, intervalMs: 100 });
    await runVirtual(r.net.clock, 1e9);
    const lbResult = await lb;
    await expect(m.change({ meps: [{ key: 'md1/ma1/9', placement: 'software' }] })).rejects.toThrow();
    await expect(m.linktrace('md1/ma1/9', { targetMepId: 2 })).rejects.toThrow(/no MEP md1\/ma1\/9/);

    expect(seen.map((e) => [e.kind, e.ok, e.mepKey])).toEqual([
      ['apply', true, null], ['loopback', true, 'md1/ma1/1'], ['change', false, null], ['linktrace', false, 'md1/ma1/9'],
    ]);
    for (const e of seen) expect(e.durationNs).toBeGreaterThan(0);
    const [a, l, c, t] = seen;
    expect(a.ok && a.kind === 'apply' && a.result).toBe(report);
    expect(l.ok && l.kind === 'loopback' && l.result).toBe(lbResult);
    // the manager's (virtual) clock when the session ended: after the start at 1 s, before now
    expect(l.atNs).toBeGreaterThan(1e9);
    expect(l.atNs).toBeLessThan(r.net.clock.nowNs());
    expect(!c.ok && c.error.code).toBe('USAGE');
    expect(!t.ok && t.error).toEqual({ code: 'USAGE', message: expect.stringMatching(/no MEP md1\/ma1\/9/) });

    off();
    await m.apply(model);
    expect(seen).toHaveLength(4);
    const totals = m.operations.totals();
    expect([totals.apply.count, totals.apply.failed, totals.change.failed, totals.loopback.count, totals.linktrace.failed]).toEqual([2, 0, 1, 1, 1]);
    expect(totals.apply.lastDurationNs).toBeGreaterThan(0);
    expect(m.operations.lastResults('loopback').get('md1/ma1/1')).toEqual({ atNs: l.atNs, result: lbResult });
    expect(m.operations.lastResults('linktrace').size).toBe(0); // failed calls leave no result
  });

  it('replan counts as an apply; VOE operations are counted by kind; a throwing listener does not fail the apply', async () => {
    r = rig(['sw1'], []);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1' }));
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    const off = r.mgr.sw1.onOperation(() => {
      throw new Error('listener bug');
    });
    try {
      const rep = await r.mgr.sw1.apply(model);
      expect(rep.ops.map((o) => o.kind)).toEqual(['create']);
      await r.mgr.sw1.replan();
      await new Promise((res) => setImmediate(res));
      expect(warnings.filter((w) => w.includes('operation listener failed: listener bug'))).toHaveLength(2);
    } finally {
      off();
      process.off('warning', onWarning);
    }
    expect(r.mgr.sw1.operations.totals().apply).toMatchObject({ count: 2, failed: 0, voeOps: { create: 1, update: 0, delete: 0 } });
  });
});
