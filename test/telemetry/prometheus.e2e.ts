/**
 * Debian's Prometheus scrapes two managers running the demo's mock switches; after a cable
 * cut its HTTP API says defRemoteCCM = 1 for exactly the MEPs that lost their peer (as the
 * managers' own status says), and 0 after the restore. The metrics port in use is a clear
 * error and the manager keeps running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetrics, type MetricsServer } from '../../src/telemetry/index.js';
import { isCfmError } from '../../src/common/errors.js';
import { startDemoSwitches, type DemoSwitches } from './demo-switches.js';
import { startPrometheus, waitFor, type Daemon } from './servers.js';

type Prom = Awaited<ReturnType<typeof startPrometheus>>;
let demo: DemoSwitches;
let servers: MetricsServer[] = [];
let prom: Prom;

const LOC = 'cfm_mep_defect{job="cfm",defect="defRemoteCCM"}';

/** MEP keys with defRemoteCCM per the managers themselves, "sw1 link/sw1-sw2/1" style. */
async function locFromManagers(): Promise<string[]> {
  const out: string[] = [];
  for (const sw of ['sw1', 'sw2'] as const) {
    const st = await demo.managers[sw].status();
    for (const m of st.meps) if (m.defects.includes('defRemoteCCM')) out.push(`${sw} ${m.key}`);
  }
  return out.sort();
}

/** Wait until Prometheus has scraped both managers after `sinceS` (unix s) and return LOC = 1 series. */
async function locFromPrometheus(sinceS: number): Promise<string[]> {
  await waitFor('a scrape of both managers after the change', async () => {
    const r = await prom.query('timestamp(cfm_mep_fng_state{job="cfm"})');
    const sws = new Set(r.filter((x) => Number(x.value[1]) > sinceS).map((x) => x.metric.switch));
    return sws.has('sw1') && sws.has('sw2');
  }, 30_000);
  const r = await prom.query(LOC);
  return r.filter((x) => x.value[1] === '1').map((x) => `${x.metric.switch} ${x.metric.mep}`).sort();
}

describe('Prometheus scrapes the demo switches', () => {
  beforeAll(async () => {
    demo = await startDemoSwitches();
    await demo.run(3);
    servers = [await startMetrics(demo.managers.sw1, { port: 0 }), await startMetrics(demo.managers.sw2, { port: 0 })];
    prom = await startPrometheus(servers.map((s) => `127.0.0.1:${s.port}`));
  });
  afterAll(async () => {
    await prom?.stop();
    for (const s of servers) await s.close();
    await demo?.close();
  });

  it('serves every MEP of both switches, no LOC while the cable is up', async () => {
    const t = Date.now() / 1000;
    expect(await locFromPrometheus(t)).toEqual([]);
    const info = await prom.query('cfm_mep_info{job="cfm"}');
    const st1 = await demo.managers.sw1.status();
    const st2 = await demo.managers.sw2.status();
    expect(info.length).toBe(st1.meps.length + st2.meps.length);
    const hw = info.filter((x) => x.metric.placement === 'hardware').length;
    expect(hw).toBeGreaterThan(0);
    expect(info.filter((x) => x.metric.placement === 'software').every((x) => x.metric.reason !== '')).toBe(true);
    const up = await prom.query('up{job="cfm"}');
    expect(up.map((x) => x.value[1])).toEqual(['1', '1']);
  });

  it('cable cut: defRemoteCCM = 1 for the MEPs that lost their peer, 0 after the restore', async () => {
    demo.cable(false);
    await demo.run(5);
    const want = await locFromManagers();
    // the port MEPs of the link MA and the short-interval services, on both switches
    expect(want).toContain('sw1 link/sw1-sw2/1');
    expect(want).toContain('sw2 link/sw1-sw2/2');
    expect(want).toContain('sw1 demo/svc-3ms/11');
    expect(want).not.toContain('sw1 demo/svc-10min/71'); // 10 min CCMs: LOC only after 35 min
    expect(await locFromPrometheus(Date.now() / 1000)).toEqual(want);
    const highest = await prom.query('cfm_mep_highest_defect{job="cfm",switch="sw2",mep="link/sw1-sw2/2"}');
    expect(highest[0].value[1]).toBe('3'); // Dot1agCfmHighestDefectPri defRemoteCCM

    demo.cable(true);
    await demo.run(13);
    expect(await locFromManagers()).toEqual([]);
    expect(await locFromPrometheus(Date.now() / 1000)).toEqual([]);
    const fng = await prom.query('cfm_mep_fng_state{job="cfm",switch="sw1",mep="link/sw1-sw2/1"}');
    expect(fng[0].value[1]).toBe('1'); // fngReset after fngResetTime
  });

  it('counters, remote MEP states and the manager\'s own applies are exported', async () => {
    const tx = await prom.query('cfm_mep_ccm_tx_total{job="cfm",switch="sw1",mep="link/sw1-sw2/1"}');
    expect(Number(tx[0].value[1])).toBeGreaterThan(100);
    const rs = await prom.query('cfm_mep_remote_state{job="cfm",switch="sw1",mep="link/sw1-sw2/1"}');
    expect(rs.map((x) => [x.metric.remote_mep, x.value[1]])).toEqual([['2', '4']]);
    // counted since the manager started (manager.operations); the demo made no change before this one
    await demo.managers.sw1.change({ meps: [{ key: 'demo/svc-1s/41', placement: 'software' }] });
    const t = Date.now() / 1000;
    await waitFor('the change in Prometheus', async () => {
      const r = await prom.query('cfm_manager_applies_total{job="cfm",switch="sw1",kind="change",result="ok"}');
      return r.length === 1 && r[0].value[1] === '1' && r[0].value[0] > t;
    });
    const ops = await prom.query('sum(cfm_manager_reconcile_ops_total{job="cfm",switch="sw1",kind="change"})');
    expect(Number(ops[0].value[1])).toBeGreaterThanOrEqual(1); // the VOE of MEP 41 deleted
  });
});

describe('metrics port in use', () => {
  it('is a clear USAGE error naming the address; the manager keeps running', async () => {
    const d = await startDemoSwitches();
    const a = await startMetrics(d.managers.sw1, { port: 0 });
    try {
      const e = await startMetrics(d.managers.sw2, { port: a.port }).catch((x: unknown) => x);
      expect(isCfmError(e) && e.code === 'USAGE').toBe(true);
      expect((e as Error).message).toBe(`metrics: cannot listen on 127.0.0.1:${a.port}: the port is in use (another exporter or manager?): choose another --metrics port`);
      await d.run(1);
      const st = await d.managers.sw2.status();
      expect(st.meps.find((m) => m.key === 'link/sw1-sw2/2')?.remotes[0].state).toBe('ok');
    } finally {
      await a.close();
      await d.close();
    }
  });
});
