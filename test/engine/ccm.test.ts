import { describe, expect, it } from 'vitest';
import { INTERVAL_CODES, intervalNs } from '../../src/common/interval.js';
import { decodeFrame } from '../../src/pdu/index.js';
import { ev, pair, S } from './helpers.js';

describe('CCM continuity and LOC (802.1Q 20.10, 20.20)', () => {
  it('two MEPs reach RMEP_OK, send incrementing sequence numbers and no defects', () => {
    const { net, m1, m2, events } = pair();
    const seen: number[] = [];
    net.tap((r) => {
      if (r.node === 'sw1') {
        const f = decodeFrame(r.frame);
        if (f.pdu.opcode === 1) seen.push(f.pdu.seq);
      }
    });
    net.runMs(5500);
    // the first CCM (seq 1, 802.1Q 20.10) leaves before the tap is set
    expect(seen).toEqual([2, 3, 4, 5, 6]);
    expect(seen.length).toBe(5);
    const s = m1.status();
    expect(s.remotes[0].state).toBe('ok');
    expect(s.remotes[0].mac).toBe(m2.cfg.mac);
    expect(s.defects).toBe(0);
    expect(s.counters.ccmsSent).toBe(6);
    expect(s.counters.seqErrors).toBe(0);
    expect(ev(events, { type: 'remote-mep', state: 'ok' }).length).toBe(2);
  });

  for (const code of INTERVAL_CODES) {
    it(`interval code ${code}: LOC in [3.25, 3.5] x interval after the cut, cleared by the first CCM after restore`, () => {
      const { net, link, events, m1 } = pair({ interval: code });
      const T = intervalNs(code);
      net.runNs(10 * T);
      expect(ev(events, { mep: 'm1', type: 'defect', defect: 'defRemoteCCM' })).toEqual([]);
      // cut 1 ns after a CCM arrived: "after the cut" and "after the last valid CCM" coincide
      net.runNs(link.delayNs + 1);
      const lastValid = m1.status().remotes[0].lastSeenNs!;
      const cutAt = net.clock.nowNs();
      expect(cutAt - lastValid).toBe(1);
      link.up = false;
      net.runNs(5 * T);
      const loc = ev(events, { mep: 'm1', type: 'defect', defect: 'defRemoteCCM', active: true });
      expect(loc.length).toBe(1);
      const afterCcm = loc[0].atNs - lastValid;
      expect(afterCcm).toBeGreaterThanOrEqual(3.25 * T);
      expect(afterCcm).toBeLessThanOrEqual(3.5 * T + 1);
      const afterCut = loc[0].atNs - cutAt;
      expect(afterCut).toBeGreaterThanOrEqual(3.25 * T - 1);
      expect(afterCut).toBeLessThanOrEqual(3.5 * T);
      // restore: the first valid CCM clears the defect
      link.up = true;
      let firstRx = -1;
      net.tap((r) => { if (r.node === 'sw2' && r.fate === 'sent' && firstRx < 0) firstRx = r.atNs + link.delayNs; });
      net.runNs(2 * T);
      const clr = ev(events, { mep: 'm1', type: 'defect', defect: 'defRemoteCCM', active: false });
      expect(clr.length).toBe(1);
      expect(clr[0].atNs).toBe(firstRx);
    });
  }

  it('sequence errors are counted per remote when CCMs are lost', () => {
    const { net, link, m1 } = pair({ interval: 3 });
    net.runMs(1000);
    link.lossRate = 0.3;
    net.runMs(3000);
    link.lossRate = 0;
    net.runMs(1000);
    const s = m1.status();
    expect(s.remotes[0].seqErrors).toBeGreaterThan(0);
    expect(s.counters.seqErrors).toBe(s.remotes[0].seqErrors);
    expect(link.lost).toBeGreaterThan(0);
  });

  it('a remote that never appears fails 3.5 intervals after start', () => {
    const { net, sw1, events } = pair();
    sw1.addMep({ key: 'lonely', mepId: 9, remoteMepIds: [10], level: 5, interval: 4, vlan: 0, maid: new Uint8Array(48), port: 'p2', direction: 'down' });
    net.runMs(3499);
    expect(ev(events, { mep: 'lonely', type: 'remote-mep', state: 'failed' })).toEqual([]);
    net.runMs(1);
    expect(ev(events, { mep: 'lonely', type: 'remote-mep', state: 'failed' }).length).toBe(1);
    expect(ev(events, { mep: 'lonely', type: 'remote-mep', state: 'failed' })[0].atNs).toBe(3.5 * S);
    // the defects are recomputed before the event: it carries defRemoteCCM (12.14.7.1.3 o), and
    // the defect event of the same instant comes first
    const lonely = events.filter((e) => e.mep === 'lonely');
    expect(lonely.find((e) => e.type === 'remote-mep')!.highestDefect).toBe('defRemoteCCM');
    expect(lonely.findIndex((e) => e.type === 'defect' && e.defect === 'defRemoteCCM')).toBeLessThan(lonely.findIndex((e) => e.type === 'remote-mep'));
  });
});

describe('CCM frames built by the engine', () => {
  it('decode with the PDU codec: tag, level DA, flags, MAID, status and Sender ID TLVs', async () => {
    const { SimNetwork, SimSwitch } = await import('../../src/sim/index.js');
    const { MAID_A } = await import('./helpers.js');
    const net = new SimNetwork();
    const sw = new SimSwitch(net, 'sw', ['p1']);
    const frames: Uint8Array[] = [];
    net.tap((r) => frames.push(r.frame));
    sw.addMep({ key: 'k', mepId: 300, remoteMepIds: [301], level: 5, interval: 3, vlan: 42, priority: 6, maid: MAID_A, port: 'p1',
      direction: 'down', portStatusTlv: 2, interfaceStatusTlv: 1, senderId: 'chassis', chassisId: 'sw', forceRdi: true });
    const f = decodeFrame(frames[0]);
    expect(f.dst).toBe('01:80:c2:00:00:35');
    expect(f.vlans).toEqual([{ tpid: 0x8100, pcp: 6, dei: false, vid: 42 }]);
    expect(f.pdu.opcode).toBe(1);
    if (f.pdu.opcode !== 1) return;
    expect(f.pdu.level).toBe(5);
    expect(f.pdu.flags).toBe(0x80 | 3);
    expect(f.pdu.mepId).toBe(300);
    expect(Array.from(f.pdu.maid)).toEqual(Array.from(MAID_A));
    expect(f.pdu.tlvs.map((t) => t.type)).toEqual([1, 2, 4]);
    const sid = f.pdu.tlvs[0] as { chassisId?: Uint8Array };
    expect(new TextDecoder().decode(sid.chassisId)).toBe('sw');
  });
});
