import { describe, expect, it } from 'vitest';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { cfmOffset, macAt } from '../../src/engine/wire.js';
import { MAID_A, MAID_B } from '../engine/helpers.js';
import { Probe } from '../engine/probe.js';

/** Switch X: port a (to probe A), b (to probe B), c (to probe C); an up and a down MEP on port a. */
function setup() {
  const net = new SimNetwork();
  const x = new SimSwitch(net, 'x', ['a', 'b', 'c']);
  const pa = new Probe(net, 'pa');
  const pb = new Probe(net, 'pb');
  const pc = new Probe(net, 'pc');
  net.connect('x:a', 'pa:p0');
  net.connect('x:b', 'pb:p0');
  net.connect('x:c', 'pc:p0');
  const up = x.addMep({ key: 'up', mepId: 1, remoteMepIds: [2], level: 5, interval: 4, vlan: 0, maid: MAID_A, port: 'a', direction: 'up' });
  const down = x.addMep({ key: 'down', mac: '02:0d:00:00:00:01', mepId: 11, remoteMepIds: [12], level: 2, interval: 4, vlan: 0, maid: MAID_B, port: 'a', direction: 'down' });
  const ccmsFrom = (p: Probe, mac: string) => p.got.filter((f) => cfmOffset(f) >= 0 && f[cfmOffset(f) + 1] === 1 && macAt(f, 6) === mac).length;
  return { net, x, pa, pb, pc, up, down, ccmsFrom };
}

describe('up MEP versus down MEP (seed 003)', () => {
  it('an up MEP sends towards the relay (out of every other port), a down MEP to its own wire', () => {
    const { net, pa, pb, pc, up, down, ccmsFrom } = setup();
    net.runMs(3500);
    expect(ccmsFrom(pa, up.cfg.mac)).toBe(0);
    expect(ccmsFrom(pb, up.cfg.mac)).toBe(4);
    expect(ccmsFrom(pc, up.cfg.mac)).toBe(4);
    expect(ccmsFrom(pa, down.cfg.mac)).toBe(4);
    expect(ccmsFrom(pb, down.cfg.mac) + ccmsFrom(pc, down.cfg.mac)).toBe(0);
  });

  it('STP blocking stops up MEP frames on that port; a down MEP sends even on a blocked port', () => {
    const { net, x, pa, pb, pc, up, down, ccmsFrom } = setup();
    x.setPortBlocked('b', true);
    x.setPortBlocked('a', true);
    net.runMs(1);
    for (const p of [pa, pb, pc]) p.got.length = 0; // the first CCMs went out at creation
    net.runMs(2500);
    expect(ccmsFrom(pb, up.cfg.mac)).toBe(0);
    expect(ccmsFrom(pc, up.cfg.mac)).toBe(2);
    expect(ccmsFrom(pa, down.cfg.mac)).toBe(2);
  });

  it('each receives its own level from its own side only', () => {
    const { net, pa, pb, up, down } = setup();
    net.runMs(100);
    // level 5 from the wire on port a hits the up MEP's passive side: dropped, not accepted
    pa.ccm({ level: 5, mepId: 2, maid: MAID_A, src: '02:00:00:00:00:aa' });
    net.runMs(10);
    expect(up.status().remotes[0].state).toBe('start');
    expect(pb.got.filter((f) => macAt(f, 6) === '02:00:00:00:00:aa').length).toBe(0);
    // the same CCM entering port b is relayed to port a, where the up MEP accepts it
    pb.ccm({ level: 5, mepId: 2, maid: MAID_A, src: '02:00:00:00:00:bb' });
    net.runMs(10);
    expect(up.status().remotes[0].state).toBe('ok');
    expect(up.status().remotes[0].rxPort).toBe('a');
    expect(pa.got.filter((f) => macAt(f, 6) === '02:00:00:00:00:bb').length).toBe(0);
    // level 2 from the wire on port a goes to the down MEP; from port b it never reaches the wire of a
    pa.ccm({ level: 2, mepId: 12, maid: MAID_B, src: '02:00:00:00:00:cc' });
    pb.ccm({ level: 2, mepId: 12, maid: MAID_B, src: '02:00:00:00:00:dd' });
    net.runMs(10);
    expect(down.status().remotes[0].state).toBe('ok');
    expect(down.status().remotes[0].mac).toBe('02:00:00:00:00:cc');
    expect(pa.got.filter((f) => macAt(f, 6) === '02:00:00:00:00:dd').length).toBe(0);
    expect(down.status().defects).toBe(0);
  });

  it('an up MEP on one switch and a down MEP on another form one MA', () => {
    const net = new SimNetwork();
    const s1 = new SimSwitch(net, 's1', ['uni', 'nni']);
    const s2 = new SimSwitch(net, 's2', ['nni', 'x']);
    net.connect('s1:nni', 's2:nni');
    const base = { level: 4, interval: 3 as const, vlan: 20, maid: MAID_A };
    const u = s1.addMep({ ...base, key: 'u', mepId: 1, remoteMepIds: [2], port: 'uni', direction: 'up' });
    const d = s2.addMep({ ...base, key: 'd', mepId: 2, remoteMepIds: [1], port: 'nni', direction: 'down' });
    net.runMs(1000);
    expect(u.status().remotes[0].state).toBe('ok');
    expect(d.status().remotes[0].state).toBe('ok');
    expect(u.status().defects + d.status().defects).toBe(0);
  });
});
