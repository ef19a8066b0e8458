import { afterEach, describe, expect, it } from 'vitest';
import { intervalNs, type IntervalCode } from '../../src/common/interval.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { mkProfile } from './fixtures.js';
import { PROFILE, mkModel, newManager, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

interface Ccm { atNs: number; seq: number }

/** CCMs (untagged) a node sent out of a port, with their sequence numbers. */
function recordCcms(rr: Rig, node: string, port: string, mepId: number): Ccm[] {
  const out: Ccm[] = [];
  rr.net.tap((t) => {
    if (t.node !== node || t.port !== port || t.fate !== 'sent') return;
    const f = t.frame;
    if (f[12] !== 0x89 || f[13] !== 0x02 || f[15] !== 1 || (((f[22] & 0x1f) << 8) | f[23]) !== mepId) return;
    out.push({ atNs: t.atNs, seq: ((f[18] << 24) | (f[19] << 16) | (f[20] << 8) | f[21]) >>> 0 });
  });
  return out;
}

function maxGap(c: Ccm[]): number {
  let g = 0;
  for (let i = 1; i < c.length; i++) g = Math.max(g, c[i].atNs - c[i - 1].atNs);
  return g;
}

const interval: IntervalCode = 3;
const I = intervalNs(interval);
const ONE_VOE = mkProfile({ name: 'one-voe', voes: { port: 1, service: 0, up: null, down: null, sharedTotal: null, perPort: null } });

/** Consecutive sequence numbers across the move at moveNs, the first after it being `seq`. */
function expectSeqContinues(ccms: Ccm[], moveNs: number, seq: number): void {
  const around = ccms.filter((c) => c.atNs >= moveNs - 2 * I && c.atNs <= moveNs + 2 * I);
  expect(around.length).toBeGreaterThanOrEqual(4);
  expect(around.map((c) => c.seq - around[0].seq)).toEqual(around.map((_, i) => i));
  const first = around.findIndex((c) => c.seq === seq);
  expect(first).toBeGreaterThan(0);
  expect(around[first].atNs).toBe(moveNs);
}

describe('moving MEPs between hardware and software', () => {
  it.each([
    ['in hardware', 'auto'],
    ['in software', 'software'],
  ] as const)('software -> hardware when a VOE frees up, and back, without a gap, LOC or sequence error at the peer (%s)', async (_what, peerPin) => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1'], ['sw1:swp2', 'sw2:swp2']]);
    await r.mgr.sw1.close();
    r.mgr.sw1 = newManager(r.sw.sw1, ONE_VOE, r.events);
    const a = p2p(interval, { sw: 'sw1', id: 1, port: 'swp1' }, { sw: 'sw2', id: 2, port: 'swp1' }, 'ma1');
    const b = p2p(interval, { sw: 'sw1', id: 3, port: 'swp2' }, { sw: 'sw2', id: 4, port: 'swp2', pin: peerPin }, 'ma2');
    const both = mkModel([...a, ...b]);
    const ccms = recordCcms(r, 'sw1', 'swp2', 3);
    await r.mgr.sw2.apply(both);
    const first = await r.mgr.sw1.apply(both);
    expect(first.plan.meps.find((m) => m.key === 'md1/ma2/3')!.reason).toBe('port VOE table full (1/1)');
    expect(r.mgr.sw1.placementOf('md1/ma2/3')).toBe('software');
    await runVirtual(r.net.clock, 10 * I);

    // MEP 1 is removed from sw1's config (and its cable unplugged, else sw1 would flood MEP 2's
    // CCMs into ma2 as a bridge does): its VOE frees and MEP 3 moves to hardware.
    r.net.link('sw1:swp1').up = false;
    const onlyB = mkModel([...b, a[1]]);
    const upNs = r.net.clock.nowNs();
    const up = await r.mgr.sw1.apply(onlyB);
    // the VOE is seeded with the engine's next sequence number (cfm_voe_tx_seq_set)
    expect(up.moves).toEqual([{ key: 'md1/ma2/3', to: 'hardware', seq: 12 }]); // CCMs 1..11 sent (the first carries 1)
    expect(r.mgr.sw1.placementOf('md1/ma2/3')).toBe('hardware');
    await runVirtual(r.net.clock, 10 * I);
    expect(maxGap(ccms)).toBeLessThanOrEqual(I);
    // software -> hardware: the VOE's first CCM continues the engine's sequence
    expectSeqContinues(ccms, upNs, up.moves[0].seq!);

    // A reserve policy takes the VOE back: MEP 3 returns to software, continuing the VOE's seq.
    r.mgr.sw1.setPolicy({ reserveVoes: 1 });
    const moveNs = r.net.clock.nowNs();
    const down = await r.mgr.sw1.replan();
    expect(down.moves.map((m) => [m.key, m.to])).toEqual([['md1/ma2/3', 'software']]);
    expect(down.plan.meps[0].reason).toBe('VOE reserve: policy keeps 1 of 1 VOEs free (0 used)');
    await runVirtual(r.net.clock, 10 * I);

    expect(maxGap(ccms)).toBeLessThanOrEqual(I);
    // hardware -> software: the engine continues exactly where the VOE stopped
    expectSeqContinues(ccms, moveNs, down.moves[0].seq!);
    // the whole run is one unbroken sequence, and the peer counted no sequence error
    expect(ccms.map((c) => c.seq - ccms[0].seq)).toEqual(ccms.map((_, i) => i));
    const peer = (await r.mgr.sw2.status()).meps.find((m) => m.key === 'md1/ma2/4')!;
    expect(peer.placement).toBe(peerPin === 'software' ? 'software' : 'hardware');
    expect(peer.counters.ccmRxValid).toBeGreaterThan(25);
    expect(peer.counters.seqErrors).toBe(0);
    // the peer never lost MEP 3 (nor saw anything else wrong on ma2)
    expect(r.events.filter((e) => e.switch === 'sw2' && e.mep === 'md1/ma2/4' && e.type === 'defect')).toEqual([]);
    expect((await r.mgr.sw2.status()).meps.find((m) => m.key === 'md1/ma2/4')!.remotes[0].state).toBe('ok');
  });

  it('warm restart: a new manager adopts the VOEs, no duplicates, no LOC at the peer', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1'], ['sw1:swp2', 'sw2:swp2']]);
    const model = mkModel([
      ...p2p(interval, { sw: 'sw1', id: 1, port: 'swp1' }, { sw: 'sw2', id: 2, port: 'swp1' }, 'ma1'),
      ...p2p(interval, { sw: 'sw1', id: 3, port: 'swp2', pin: 'software' }, { sw: 'sw2', id: 4, port: 'swp2' }, 'ma2'),
    ]);
    await r.mgr.sw1.apply(model);
    await r.mgr.sw2.apply(model);
    await runVirtual(r.net.clock, 10 * I);
    const voesBefore = await r.sw.sw1.backend.listVoes();

    await r.mgr.sw1.close(); // process stops; the hardware keeps running
    await runVirtual(r.net.clock, 2 * I); // a restart shorter than the 3.25-interval LOC window
    const fresh = new OffloadManager({ backend: r.sw.sw1.backend, profile: PROFILE, clock: r.net.clock, switch: 'sw1' });
    r.mgr.sw1 = fresh;
    const rep = await fresh.apply(model);
    expect(rep.ops).toEqual([]);
    expect(rep.adopted).toEqual(['md1/ma1/1']);
    const voesAfter = await r.sw.sw1.backend.listVoes();
    expect(voesAfter.map((v) => [v.handle, v.spec.key])).toEqual(voesBefore.map((v) => [v.handle, v.spec.key]));
    await runVirtual(r.net.clock, 10 * I);
    expect(r.events.filter((e) => e.switch === 'sw2' && e.type === 'defect')).toEqual([]);
    const st = await fresh.status();
    expect(st.meps.map((m) => [m.key, m.placement, m.remotes[0].state])).toEqual([
      ['md1/ma1/1', 'hardware', 'ok'],
      ['md1/ma2/3', 'software', 'ok'],
    ]);
  });
});
