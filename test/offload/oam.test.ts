import { afterEach, describe, expect, it } from 'vitest';
import type { LoopbackReply } from '../../src/engine/mep-lb.js';
import { runVirtual } from '../../src/offload/sim/run.js';
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
});
