import { describe, expect, it } from 'vitest';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { ensureY, type FaultEvent } from '../../src/engine/index.js';
import { ev, MAID_A, MAID_B, MS, pair, S } from './helpers.js';

/** Client MEPs (level 6) c0 on sw0 and c3 on sw3 across a server link sw1-sw2 (level 3). */
function layered(ais = true) {
  const net = new SimNetwork();
  const sw = [0, 1, 2, 3].map((i) => new SimSwitch(net, `sw${i}`, ['p1', 'p2']));
  net.connect('sw0:p2', 'sw1:p2');
  const server = net.connect('sw1:p1', 'sw2:p1');
  net.connect('sw2:p2', 'sw3:p1');
  const events: FaultEvent[] = [];
  for (const s of sw) s.engine.onEvent((e) => events.push(e));
  const client = { level: 6, interval: 4 as const, vlan: 0, maid: MAID_A, direction: 'down' as const };
  const c0 = sw[0].addMep({ ...client, key: 'c0', mepId: 10, remoteMepIds: [13], port: 'p2' });
  const c3 = sw[3].addMep({ ...client, key: 'c3', mepId: 13, remoteMepIds: [10], port: 'p1' });
  const srv = { level: 3, interval: 3 as const, vlan: 0, maid: MAID_B, direction: 'down' as const, ...(ais ? { aisClientLevel: 6, aisPeriod: 4 as const } : {}) };
  const s1 = sw[1].addMep({ ...srv, key: 's1', mepId: 1, remoteMepIds: [2], port: 'p1' });
  const s2 = sw[2].addMep({ ...srv, key: 's2', mepId: 2, remoteMepIds: [1], port: 'p1' });
  return { net, sw, server, events, c0, c3, s1, s2 };
}

describe('Y.1731 AIS / LCK / CSF', () => {
  it('a server LOC sends AIS to the client level; the client alarm is suppressed; AIS stops after restore', () => {
    const { net, server, events, c3, s2 } = layered();
    net.runMs(3000);
    expect(c3.status().defects).toBe(0);
    server.up = false;
    net.runMs(10_000);
    expect(ev(events, { mep: 's2', defect: 'defRemoteCCM', active: true }).length).toBe(1);
    expect(s2.status().counters.aisOut).toBeGreaterThanOrEqual(9);
    const aisOn = ev(events, { mep: 'c3', type: 'condition', condition: 'ais', active: true });
    expect(aisOn.length).toBe(1);
    expect(c3.status().ais).toBe(true);
    const alarm = ev(events, { mep: 'c3', type: 'alarm' });
    expect(alarm.length).toBe(1);
    expect(alarm[0]).toMatchObject({ defect: 'defRemoteCCM', suppressed: true });
    server.up = true;
    net.runMs(8_000);
    expect(c3.status().ais).toBe(false);
    expect(ev(events, { mep: 'c3', type: 'condition', condition: 'ais', active: false }).length).toBe(1);
    const sent = s2.status().counters.aisOut;
    net.runMs(5_000);
    expect(s2.status().counters.aisOut).toBe(sent);
  });

  it('without a client level no AIS is sent and the client alarm is not suppressed', () => {
    const { net, server, events } = layered(false);
    net.runMs(2000);
    server.up = false;
    net.runMs(10_000);
    expect(ev(events, { type: 'condition' })).toEqual([]);
    expect(ev(events, { mep: 'c3', type: 'alarm' })[0].suppressed).toBeUndefined();
  });

  it('LCK: an administrative lock on the server suppresses client alarms until unlocked', () => {
    const { net, events, c3, s2 } = layered();
    net.runMs(2000);
    ensureY(s2).setLock(true);
    net.runMs(100);
    expect(c3.status().lck).toBe(true);
    expect(ev(events, { mep: 'c3', type: 'condition', condition: 'lck', active: true }).length).toBe(1);
    net.runMs(2400); // LCK at 2 s, 3 s, 4 s
    ensureY(s2).setLock(false);
    net.runMs(2900);
    expect(c3.status().lck).toBe(true);
    net.runMs(200);
    expect(c3.status().lck).toBe(false);
    expect(s2.status().counters.lckOut).toBe(3);
  });

  it('CSF: client signal fail reaches the peer MEP; DCI clears it', () => {
    const { net, events, c0, c3 } = layered();
    net.runMs(1000);
    ensureY(c0).setClientSignalFail('los');
    net.runMs(100);
    expect(c3.status().csf).toBe('los');
    ensureY(c0).setClientSignalFail(null);
    net.runMs(100);
    expect(c3.status().csf).toBeNull();
    expect(ev(events, { mep: 'c3', type: 'condition' }).map((e) => [e.condition, e.active])).toEqual([['csf-los', true], ['csf-los', false]]);
  });
});

describe('Y.1731 performance measurement', () => {
  it('DMM/DMR: two-way delay on a delayed link, delay variation with jitter; 1DM one-way', () => {
    const a = pair({ link: { delayNs: 5 * MS } });
    a.net.runMs(1000);
    const r = ensureY(a.m1).startDmm({ targetMepId: 2, count: 5, intervalMs: 100 });
    a.net.runMs(6000);
    expect(r.done).toBe(true);
    expect(r.received).toBe(5);
    expect(r.delaysNs).toEqual([10 * MS, 10 * MS, 10 * MS, 10 * MS, 10 * MS]);
    expect(r.avgVariationNs).toBe(0);
    ensureY(a.m1).start1dm({ targetMepId: 2, count: 3, intervalMs: 100 });
    a.net.runMs(1000);
    expect(ensureY(a.m2).oneWay.delaysNs).toEqual([5 * MS, 5 * MS, 5 * MS]);

    const j = pair({ link: { delayNs: 5 * MS, jitterNs: 2 * MS } });
    j.net.runMs(1000);
    const rj = ensureY(j.m1).startDmm({ targetMepId: 2, count: 20, intervalMs: 100 });
    j.net.runMs(8000);
    expect(rj.received).toBe(20);
    expect(rj.minNs!).toBeGreaterThanOrEqual(10 * MS);
    expect(rj.maxNs!).toBeLessThan(14 * MS);
    expect(rj.avgVariationNs!).toBeGreaterThan(0);
  });

  it('LMM/LMR: no loss on a clean link; loss ratio near the link loss on a lossy one', () => {
    const a = pair({ interval: 3 });
    a.net.runMs(1000);
    const r = ensureY(a.m1).startLmm({ targetMepId: 2, count: 10, intervalMs: 1000 });
    a.net.runMs(16_000);
    expect(r.received).toBe(10);
    expect([r.farEndLoss, r.nearEndLoss]).toEqual([0, 0]);

    const l = pair({ interval: 3, link: { lossRate: 0.2 } });
    l.net.runMs(1000);
    const rl = ensureY(l.m1).startLmm({ targetMepId: 2, count: 30, intervalMs: 1000 });
    l.net.runMs(40_000);
    expect(rl.received).toBeGreaterThan(15);
    expect(rl.farEndRatio).toBeGreaterThan(0.1);
    expect(rl.farEndRatio).toBeLessThan(0.3);
    expect(rl.nearEndRatio).toBeGreaterThan(0.1);
    expect(rl.nearEndRatio).toBeLessThan(0.3);
  });

  it('SLM/SLR: synthetic loss adds up to what the link dropped', () => {
    const a = pair();
    a.net.runMs(1500);
    const r = ensureY(a.m1).startSlm({ targetMepId: 2, count: 20, intervalMs: 10, testId: 7 });
    a.net.runMs(6000);
    expect([r.sent, r.received, r.farEndLoss, r.nearEndLoss]).toEqual([20, 20, 0, 0]);

    const l = pair({ link: { lossRate: 0.25 } });
    l.net.runMs(1500);
    const rl = ensureY(l.m1).startSlm({ targetMepId: 2, count: 200, intervalMs: 10, testId: 7 });
    l.net.runMs(8000);
    expect(rl.done).toBe(true);
    expect(rl.farEndLoss + rl.nearEndLoss).toBe(rl.sent - rl.received);
    expect(rl.farEndRatio).toBeGreaterThan(0.15);
    expect(rl.farEndRatio).toBeLessThan(0.35);
    expect(rl.nearEndRatio).toBeGreaterThan(0.15);
    expect(rl.nearEndRatio).toBeLessThan(0.35);
  });
});
void S;
