import { describe, expect, it } from 'vitest';
import { encodeMaid } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { ensureLb, ensureLt } from '../../src/engine/index.js';

const MAID = encodeMaid({ md: { format: 4, name: 'Provider_Domain' }, ma: { format: 2, name: 'MA_VPLS_50' } });

/** sw1 (MEP 1) - sw2 - sw3 - sw4 (MIPs at level 3 on every port) - sw5 (MEP 5). */
function chain(link: { jitterNs?: number; corruptRate?: number; corruptFrom?: string } = {}) {
  const net = new SimNetwork({ seed: 3 });
  const sws = [1, 2, 3, 4, 5].map((i) => new SimSwitch(net, `sw${i}`, ['a', 'b']));
  for (let i = 0; i < 4; i++) net.connect(`sw${i + 1}:b`, `sw${i + 2}:a`, i === 1 ? link : {});
  const base = { level: 3, interval: 3 as const, vlan: 100, maid: MAID, direction: 'down' as const };
  const m1 = sws[0].addMep({ ...base, key: 'm1', mepId: 1, remoteMepIds: [5], port: 'b' });
  const m5 = sws[4].addMep({ ...base, key: 'm5', mepId: 5, remoteMepIds: [1], port: 'a' });
  for (const i of [1, 2, 3]) for (const port of ['a', 'b']) sws[i].addMip({ key: `sw${i + 1}/${port}`, level: 3, vlan: 100, port });
  return { net, sws, m1, m5 };
}

describe('loopback (802.1Q 20.26-20.31)', () => {
  it('to the far MEP and to a MIP, through MIPs, prints the seed 001 line', () => {
    const { net, sws, m1, m5 } = chain();
    net.runMs(1000);
    const s = ensureLb(m1).start({ targetMepId: 5, count: 3, intervalMs: 100 });
    net.runMs(1000);
    expect(s.result.done).toBe(true);
    expect(s.summary()).toBe('Sent 3 packets, received 3 packets [0 out-of-order, 0 Bad Msdu]');
    expect(m5.status().counters.lbrOut).toBe(3);
    expect(m1.status().counters.lbrIn).toBe(3);
    const toMip = ensureLb(m1).start({ target: sws[2].portMac('a'), count: 1 });
    net.runMs(100);
    expect(toMip.summary()).toBe('Sent 1 packets, received 1 packets [0 out-of-order, 0 Bad Msdu]');
    expect(sws[2].engine.mip('sw3/a').counters.lbrOut).toBe(1);
    // nobody answers an unknown MAC: the session ends by the 5 s LBR timeout
    const lost = ensureLb(m1).start({ target: '02:99:99:99:99:99', count: 2, intervalMs: 10 });
    net.runMs(4000);
    expect(lost.result.done).toBe(false);
    net.runMs(1100);
    expect(lost.summary()).toBe('Sent 2 packets, received 0 packets [0 out-of-order, 0 Bad Msdu]');
  });

  it('counts out-of-order replies on a reordering link and bad MSDUs on a corrupting one', () => {
    const { net, m1 } = chain({ jitterNs: 50e6 });
    net.runMs(1000);
    const s = ensureLb(m1).start({ targetMepId: 5, count: 50, intervalMs: 1 });
    net.runMs(6000);
    expect(s.result.received).toBe(50);
    expect(s.result.outOfOrder).toBeGreaterThan(0);
    expect(m1.status().counters.lbrInOutOfOrder).toBe(s.result.outOfOrder);
    expect(m1.status().counters.lbrIn + s.result.outOfOrder).toBe(50);

    const c = chain({ corruptRate: 1, corruptFrom: 'sw3' });
    c.net.runMs(1000);
    const bad = ensureLb(c.m1).start({ targetMepId: 5, count: 4, intervalMs: 10, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
    c.net.runMs(6000);
    // every LBR crosses the link sw3 -> sw2, which flips the last data octet
    expect(bad.result.received).toBe(4);
    expect(bad.result.badMsdu).toBe(4);
    expect(c.m1.status().counters.lbrBadMsdu).toBe(4);
  });
});

describe('loopback variants', () => {
  it('Test TLV (Y.1731 9.3) round trip, and class 1 multicast LBM answered by the MEPs of the level only', () => {
    const { net, sws, m1, m5 } = chain();
    net.runMs(1000);
    void sws;
    const t = ensureLb(m1).start({ targetMepId: 5, count: 2, intervalMs: 10, test: { patternType: 1, length: 64 } });
    net.runMs(100);
    expect(t.summary()).toBe('Sent 2 packets, received 2 packets [0 out-of-order, 0 Bad Msdu]');
    // class 1 multicast: the MEPs of the level answer, the MIPs (unicast only) do not
    const mc = ensureLb(m1).start({ multicast: true, count: 1 });
    net.runMs(6000);
    expect(mc.result.done).toBe(true);
    expect(mc.result.target).toBe('01:80:c2:00:00:33');
    expect(mc.result.received).toBe(1);
    expect(m5.status().counters.lbrOut).toBe(3);
  });
});

describe('linktrace (802.1Q 20.36-20.46)', () => {
  it('across 3 MIPs: replies in TTL order, relay actions, egress identifiers, seed 001 table', () => {
    const { net, sws, m1, m5 } = chain();
    net.runMs(1000);
    const s = ensureLt(m1).start({ targetMepId: 5 });
    net.runMs(6000);
    const r = s.result;
    expect(r.done).toBe(true);
    expect(r.replies.map((x) => x.ttl)).toEqual([63, 62, 61, 60]);
    expect(r.replies.map((x) => x.relayAction)).toEqual(['rlyFdb', 'rlyFdb', 'rlyFdb', 'rlyHit']);
    expect(r.replies.map((x) => x.terminalMep)).toEqual([false, false, false, true]);
    expect(r.replies.map((x) => x.forwarded)).toEqual([true, true, true, false]);
    for (const i of [0, 1, 2]) {
      expect(r.replies[i].ingressMac).toBe(sws[i + 1].portMac('a'));
      expect(r.replies[i].egressMac).toBe(sws[i + 1].portMac('b'));
      expect(r.replies[i].nextEgressId).toBe('0000' + sws[i + 1].mac.replace(/:/g, ''));
    }
    expect(r.replies[0].lastEgressId).toBe('0000' + sws[0].mac.replace(/:/g, ''));
    expect(r.replies[1].lastEgressId).toBe(r.replies[0].nextEgressId);
    expect(r.replies[3].ingressMac).toBe(m5.cfg.mac);
    const table = s.table();
    expect(table).toContain(`4     ${m5.cfg.mac.toUpperCase()}`);
    expect(table).toMatch(/rlyHit\s+terminate/);
    expect(table).toContain('No more responses received in the last 5 seconds.');
    expect(m1.status().counters.unexpectedLtrIn).toBe(0);
  });

  it('TTL limits the trace; use-FDB-only fails where only the MIP CCM database knows the target', () => {
    const { net, m1, sws } = chain();
    net.runMs(1050);
    const s = ensureLt(m1).start({ targetMepId: 5, ttl: 2 });
    net.runMs(6000);
    expect(s.result.replies.map((x) => [x.ttl, x.forwarded])).toEqual([[1, true], [0, false]]);
    // age sw3's FDB by removing it: the MIP CCM database still knows the target (RlyMPDB)
    (sws[2] as unknown as { fdb: Map<string, unknown> }).fdb.clear();
    const t = ensureLt(m1).start({ targetMepId: 5 });
    net.runMs(6000);
    expect(t.result.replies.map((x) => x.relayAction)).toContain('rlyMpdb');
    (sws[2] as unknown as { fdb: Map<string, unknown> }).fdb.clear();
    const u = ensureLt(m1).start({ targetMepId: 5, useFdbOnly: true });
    net.runMs(6000);
    expect(u.result.replies.length).toBe(1);
  });
});
