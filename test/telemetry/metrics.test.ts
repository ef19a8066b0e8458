/**
 * The exposition text of a manager running the demo's mock switches (no Prometheus server):
 * loopback / linktrace results after the OAM calls, CPU-protection entries, the apply histogram,
 * the MEP placement info, and series of MEPs that leave the config disappearing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureY } from '../../src/engine/mep-y1731.js';
import { observe, startMetrics, type MetricsServer } from '../../src/telemetry/index.js';
import { startDemoSwitches, type DemoSwitches } from './demo-switches.js';

let demo: DemoSwitches;
let m: MetricsServer;

/** Value of the series `name{labels...` (the labels given, in any order among the series' labels). */
function value(text: string, series: string): number | undefined {
  const [name, rest = ''] = series.split('{');
  const want = rest.match(/\w+="[^"]*"/g) ?? [];
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics text', () => {
  beforeAll(async () => {
    demo = await startDemoSwitches();
    m = await startMetrics(demo.managers.sw1, { port: 0 });
    await demo.run(3);
  });
  afterAll(async () => {
    await m.close();
    await demo.close();
  });

  it('placement with its reason, CCM counters, CPU-protection entries', async () => {
    const t = await m.scrape();
    expect(t).toContain('cfm_mep_info{mep="link/sw1-sw2/1",md="link",ma="sw1-sw2",mep_id="1",port="p1",vlan="0",level="0",interval="100ms",direction="down",placement="hardware",reason="",switch="sw1"} 1');
    expect(t).toMatch(/cfm_mep_info\{mep="demo\/svc-10s\/51",[^}]*placement="software",reason="[^"]+"/);
    expect(value(t, 'cfm_mep_hardware{mep="demo/svc-10s/51"')).toBe(0);
    expect(value(t, 'cfm_mep_ccm_tx_total{mep="link/sw1-sw2/1"')).toBeGreaterThan(20);
    expect(t).toMatch(/cfm_cpu_protection_passed_total\{entry="[^"]+",enforcement="(hardware|native|software)",switch="sw1"\} \d+/);
    expect(value(t, 'cfm_debug_queue_exceptions_total{direction="rx"')).toBe(0);
  });

  it('the last loopback and linktrace of a MEP', async () => {
    const run = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      void p.finally(() => (done = true));
      while (!done) await demo.run(0.1);
      return p;
    };
    // the demo config polices LBM/LBR/LTM/LTR to 5 frames/s: 3 LBMs 300 ms apart pass
    const lb = await run(demo.managers.sw1.loopback('demo/svc-1s/41', { targetMepId: 42, count: 3, intervalMs: 300, timeoutMs: 1000 }));
    const lt = await run(demo.managers.sw1.linktrace('demo/svc-1s/41', { targetMepId: 42, timeoutMs: 1000 }));
    const t = await m.scrape();
    expect(value(t, 'cfm_mep_loopback_last_sent{mep="demo/svc-1s/41"')).toBe(lb.sent);
    expect(value(t, 'cfm_mep_loopback_last_received{mep="demo/svc-1s/41"')).toBe(lb.received);
    expect(lb.received).toBeGreaterThan(0);
    expect(value(t, 'cfm_mep_loopback_last_rtt_seconds{mep="demo/svc-1s/41"')).toBeGreaterThan(0);
    expect(value(t, 'cfm_mep_linktrace_last_replies{mep="demo/svc-1s/41"')).toBe(lt.replies.length);
    expect(value(t, 'cfm_mep_lbr_in_total{mep="demo/svc-1s/41"')).toBe(lb.received);
  });

  it('Y.1731 delay and loss results handed to the observer', async () => {
    const key = 'demo/svc-10s/51'; // a software MEP: DMM/LMM run in the engine
    const y = ensureY(demo.managers.sw1.engine.findMep(key)!);
    const o = observe(demo.managers.sw1);
    try {
      const dm = y.startDmm({ targetMepId: 52, count: 3, intervalMs: 100 });
      o.recordDelay(key, dm);
      o.recordLoss(key, y.startSlm({ targetMepId: 52, count: 3, intervalMs: 100, testId: 1 }));
      await demo.run(1);
      const t = await m.scrape();
      expect(dm.received).toBe(3);
      expect(value(t, `cfm_mep_delay_last_frames{mep="${key}",kind="received"`)).toBe(3);
      expect(value(t, `cfm_mep_delay_last_seconds{mep="${key}",stat="avg"`)).toBeCloseTo(dm.avgNs! / 1e9, 9);
      expect(value(t, `cfm_mep_loss_last_ratio{mep="${key}",end="far"`)).toBe(0);
    } finally {
      o.release();
    }
  });

  it('apply / change counts, reconcile ops and the duration histogram; a removed MEP\'s series go', async () => {
    await demo.managers.sw1.change({ meps: [{ key: 'demo/svc-100ms/31', placement: 'software' }] });
    await demo.run(0.5);
    let t = await m.scrape();
    expect(value(t, 'cfm_manager_applies_total{kind="change",result="ok"')).toBe(1);
    expect(value(t, 'cfm_manager_reconcile_ops_total{kind="change",op="delete"')).toBe(1);
    expect(value(t, 'cfm_manager_apply_duration_seconds_count{kind="change"')).toBe(1);
    expect(value(t, 'cfm_mep_hardware{mep="demo/svc-100ms/31"')).toBe(0);
    const bad = await demo.managers.sw1.change({ meps: [{ key: 'demo/nope/1', placement: 'software' }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Error);
    t = await m.scrape();
    expect(value(t, 'cfm_manager_applies_total{kind="change",result="error"')).toBe(1);

    const model = demo.managers.sw1.currentModel!;
    const fewer = { ...model, domains: model.domains.filter((d) => d.id === 'link') };
    await demo.managers.sw1.apply(fewer);
    t = await m.scrape();
    expect(t).not.toContain('mep="demo/');
    // counted since the manager started: the demo's first apply ran before startMetrics
    expect(value(t, 'cfm_manager_applies_total{kind="apply",result="ok"')).toBe(2);
    // the histogram sees the calls from the moment telemetry started
    expect(value(t, 'cfm_manager_apply_duration_seconds_count{kind="apply"')).toBe(1);
  });
});
