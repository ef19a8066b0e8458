/**
 * The manager puts squelching, CPU protection and debug decoding on the CPU path of its
 * software MEPs (seeds 002 and 004): tagged MEPs' valid PDUs are decoded both ways, a policy
 * that drops CCMs starves the software MEP behind it (and counts the drops), and status()
 * reports it all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { intervalNs } from '../../src/common/interval.js';
import { formatStatus } from '../../src/offload/status.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('manager: operator features on the CPU path', () => {
  it('decodes tagged software MEP PDUs both ways and reports the queues in status', async () => {
    r = rig(['a', 'b'], [['a:swp1', 'b:swp1']]);
    const meps = p2p(4, { sw: 'a', id: 1, port: 'swp1', pin: 'software' }, { sw: 'b', id: 2, port: 'swp1', pin: 'software' });
    const model = mkModel(meps);
    const a = meps[0];
    model.debugTags = [{ kind: 'mep', domainId: a.domainId, associationId: a.associationId, mepId: a.mepId, mepKey: a.key, direction: 'both' }];
    await r.mgr.a.apply(model);
    await r.mgr.b.apply(model);
    r.net.clock.advance(5 * intervalNs(4));
    // decoding is off the datapath: the queues are serviced on the next turn of the event loop
    await new Promise((res) => setImmediate(res));
    const st = await r.mgr.a.status();
    expect(st.ops).toBeDefined();
    expect(st.ops!.debug.tags).toBe(1);
    expect(st.ops!.debug.rx.decoded).toBeGreaterThanOrEqual(4);
    expect(st.ops!.debug.tx.decoded).toBeGreaterThanOrEqual(4);
    expect(st.ops!.recentDebug.some((e) => e.dir === 'rx' && /CCM/.test(e.text))).toBe(true);
    expect(formatStatus(st)).toMatch(/debug decode: 1 tagged MPs; rx \d+ decoded, 0 queue exceptions/);
    // the tag names a MEP of switch a: b decodes nothing
    const sb = await r.mgr.b.status();
    expect(sb.ops!.debug.tags).toBe(0);
    expect(sb.ops!.debug.rx.decoded + sb.ops!.debug.tx.decoded).toBe(0);
  });

  it('a config without bindings or tags adds no operator stages', async () => {
    r = rig(['a', 'b'], [['a:swp1', 'b:swp1']]);
    const model = mkModel(p2p(4, { sw: 'a', id: 1, port: 'swp1', pin: 'software' }, { sw: 'b', id: 2, port: 'swp1', pin: 'software' }));
    await r.mgr.a.apply(model);
    expect((await r.mgr.a.status()).ops).toBeUndefined();
  });

  it('a policy dropping CCMs at the binding starves the software MEP behind it and counts the drops', async () => {
    r = rig(['a', 'b'], [['a:swp1', 'b:swp1']]);
    const meps = p2p(4, { sw: 'a', id: 1, port: 'swp1', pin: 'software' }, { sw: 'b', id: 2, port: 'swp1', pin: 'software' });
    const model = mkModel(meps);
    model.cpuProtection = {
      policies: [{ id: 1, overallRatePps: null, ethCfm: [{ entry: 10, levels: [0, 1, 2, 3, 4, 5, 6, 7], opcodes: [1], ratePps: 0 }] }],
      bindings: [{ key: 'b/swp1/0', switch: 'b', port: 'swp1', vlan: 0, policy: 1, ethCfmMonitoring: true, aggregate: true, macMonitoring: false, squelchIngressLevels: [] }],
    };
    await r.mgr.a.apply(model);
    await r.mgr.b.apply(model);
    r.net.clock.advance(10 * intervalNs(4));
    const sb = await r.mgr.b.status();
    expect(sb.meps[0].defects).toContain('defRemoteCCM');
    const dropped = sb.ops!.cpuProtection.reduce((n, s) => n + s.total.dropped, 0);
    expect(dropped).toBeGreaterThanOrEqual(9);
    expect(formatStatus(sb)).toMatch(/CPU protection +enforced +passed +dropped/);
    // a still hears b (the policy is only on b's binding); b's CCMs carry RDI for its loss
    const sa = await r.mgr.a.status();
    expect(sa.meps[0].defects).toEqual(['defRDICCM']);
  });
});
