import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackReply } from '../../src/engine/mep-lb.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { Mip } from '../../src/config/model.js';
import { derivedPortMac } from '../../src/offload/voe-spec.js';
import { formatStatus } from '../../src/offload/status.js';
import { mkMep } from './fixtures.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('manager loopback and linktrace', () => {
  it('software MEP: loopback to a remote MEP id answers every LBM; linktrace reaches the terminal MEP', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' }));
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
    await runVirtual(r.net.clock, 1e9);
    const replies: LoopbackReply[] = [];
    const lb = r.mgr.sw1.loopback('md1/ma1/1', { targetMepId: 2, count: 3, intervalMs: 100, onReply: (x) => replies.push(x) });
    await runVirtual(r.net.clock, 1e9);
    const res = await lb;
    expect(res).toMatchObject({ sent: 3, received: 3, outOfOrder: 0, badMsdu: 0, done: true });
    expect(replies.map((x) => x.transactionId)).toEqual([1, 2, 3]);
    expect(new Set(replies.map((x) => x.fromMac)).size).toBe(1);
    const lt = r.mgr.sw1.linktrace('md1/ma1/1', { targetMepId: 2, timeoutMs: 2000 });
    await runVirtual(r.net.clock, 2.1e9);
    const tr = await lt;
    expect(tr.replies).toHaveLength(1);
    expect(tr.replies[0]).toMatchObject({ terminalMep: true, relayAction: 'rlyHit' });
  });

  it('names what is wrong: unknown MEP, no MAC for the remote MEP id', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' }));
    await r.mgr.sw1.apply(model);
    await expect(r.mgr.sw1.loopback('md1/ma1/9', { targetMepId: 2 })).rejects.toThrow(/no MEP md1\/ma1\/9 on this switch \(MEPs: md1\/ma1\/1\)/);
    await expect(r.mgr.sw1.loopback('md1/ma1/1', { targetMepId: 2 })).rejects.toThrow(/remote MEP 2 has no MAC/);
  });

  it('hardware MEPs: the VOE punts LBM/LTM to the engine part of the MEP, which answers and initiates', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'hardware' }));
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
    await runVirtual(r.net.clock, 1e9);
    expect(r.mgr.sw1.placementOf('md1/ma1/1')).toBe('hardware');
    const lb = r.mgr.sw1.loopback('md1/ma1/1', { targetMepId: 2, count: 3, intervalMs: 100 });
    await runVirtual(r.net.clock, 1e9);
    expect(await lb).toMatchObject({ sent: 3, received: 3, done: true });
    const lt = r.mgr.sw1.linktrace('md1/ma1/1', { targetMepId: 2, timeoutMs: 2000 });
    await runVirtual(r.net.clock, 2.1e9);
    expect((await lt).replies).toMatchObject([{ terminalMep: true, relayAction: 'rlyHit' }]);
    // multicast: every reply is streamed, also one that arrives while the LBM is being sent
    const seen: string[] = [];
    const mc = r.mgr.sw1.loopback('md1/ma1/1', { multicast: true, count: 1, timeoutMs: 500, onReply: (x) => seen.push(x.fromMac) });
    await runVirtual(r.net.clock, 1e9);
    const mr = await mc;
    expect(mr.received).toBe(1);
    expect(seen).toHaveLength(mr.received);
    // nothing of this leaked as a defect, and no LBM was relayed on as data
    expect(r.events.filter((e) => e.type === 'defect')).toEqual([]);
  });

  it('MIPs of the config run in the engine: loopback to a MIP, linktrace through it', async () => {
    r = rig(['sw1', 'sw2', 'sw3'], [['sw1:swp1', 'sw2:swp1'], ['sw2:swp2', 'sw3:swp1']]);
    const meps = [
      mkMep({ mepId: 1, switch: 'sw1', port: 'swp1', interval: 3, remoteMepIds: [3] }),
      mkMep({ mepId: 3, switch: 'sw3', port: 'swp1', interval: 3, remoteMepIds: [1] }),
    ];
    const model = mkModel(meps);
    const mip = (port: string): Mip => ({ key: `sw2/${port}/0/5`, switch: 'sw2', port, level: 5, vlan: 0, placement: 'auto' });
    model.mips = [mip('swp1'), mip('swp2')];
    for (const n of ['sw1', 'sw2', 'sw3']) await r.mgr[n].apply(model);
    expect(r.mgr.sw2.currentPlan!.mips.map((m) => m.placement)).toEqual(['software', 'software']);
    await runVirtual(r.net.clock, 1e9);
    // the session runs through sw2 (punted to its CPU, relayed on by the manager)
    for (const n of ['sw1', 'sw3']) expect((await r.mgr[n].status()).meps[0].remotes[0].state, n).toBe('ok');
    const lb = r.mgr.sw1.loopback('md1/ma1/1', { target: derivedPortMac('sw2', 'swp1'), count: 2, intervalMs: 100 });
    await runVirtual(r.net.clock, 1e9);
    expect(await lb).toMatchObject({ sent: 2, received: 2 });
    const lt = r.mgr.sw1.linktrace('md1/ma1/1', { targetMepId: 3, timeoutMs: 2000 });
    await runVirtual(r.net.clock, 2.1e9);
    const tr = await lt;
    expect(tr.replies.map((x) => [x.ttl, x.relayAction, x.terminalMep])).toEqual([[63, 'rlyMpdb', false], [62, 'rlyHit', true]]);
    const st = await r.mgr.sw2.status();
    expect(st.mips.map((m) => [m.key, m.placement, m.counters.lbrOut])).toEqual([['sw2/swp1/0/5', 'software', 2], ['sw2/swp2/0/5', 'software', 0]]);
    expect(st.mips[0].counters.ccmsSeen).toBeGreaterThan(0);
    expect(formatStatus(st)).toMatch(/MIP\s+port\s+level\s+placement/);
    expect(r.events.filter((e) => e.type === 'defect')).toEqual([]);
  });

  it('a software MEP above a hardware MEP on the same port hears its peer (frames above the VOE level are punted)', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const low = p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'hardware' }, 'op');
    const high = p2p(4, { sw: 'sw1', id: 11, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 12, port: 'swp1', pin: 'software' }, 'cust')
      .map((m) => ({ ...m, level: 7, domainId: 'cust', key: m.key.replace('md1/', 'cust/') }));
    const model = mkModel([...low, ...high]);
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
    await runVirtual(r.net.clock, 5e9);
    for (const n of ['sw1', 'sw2']) {
      const st = await r.mgr[n].status();
      for (const m of st.meps) expect(m.remotes.map((x) => x.state), `${n} ${m.key}`).toEqual(['ok']);
    }
    expect(r.events.filter((e) => e.type === 'defect')).toEqual([]);
  });

  for (const pin of ['hardware', 'software'] as const) {
    it(`up MEPs in ${pin} on a port without a link hear their peer through the relay and answer loopback`, async () => {
      r = rig(['sw1', 'sw2'], [['sw1:swp2', 'sw2:swp2']]);
      const meps = p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin }).map((m) => ({ ...m, direction: 'up' as const }));
      const model = mkModel(meps);
      for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
      await runVirtual(r.net.clock, 1e9);
      for (const n of ['sw1', 'sw2']) expect((await r.mgr[n].status()).meps[0].remotes[0].state, n).toBe('ok');
      const lb = r.mgr.sw1.loopback('md1/ma1/1', { targetMepId: 2, count: 2, intervalMs: 100 });
      await runVirtual(r.net.clock, 1e9);
      expect(await lb).toMatchObject({ sent: 2, received: 2 });
      expect(r.events.filter((e) => e.type === 'defect')).toEqual([]);
    });
  }
});
