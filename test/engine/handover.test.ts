import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import type { FrameDirection, FramePort, FrameRx } from '../../src/common/frame-port.js';
import { CfmEngine, mepConfigFromModel, type FaultEvent, type MepConfig } from '../../src/engine/index.js';
import { decodeFrame } from '../../src/pdu/index.js';
import type { LocalMep } from '../../src/config/index.js';
import { ev, MAID_A, pair, S } from './helpers.js';

/** Two engines joined back to back by in-memory FramePorts (what a backend provides). */
function wired() {
  const clock = new VirtualClock();
  const handlers: Array<Array<(rx: FrameRx) => void>> = [[], []];
  const sent: Array<{ from: number; frame: Uint8Array; towards?: FrameDirection }> = [];
  const port = (me: number): FramePort => ({
    send(p: string, frame: Uint8Array, towards?: FrameDirection) {
      sent.push({ from: me, frame, towards });
      clock.setTimer(1000, () => { for (const h of handlers[1 - me]) h({ port: p, frame, from: 'wire', rxNs: clock.nowNs() }); });
    },
    onReceive(h) {
      handlers[me].push(h);
      return () => handlers[me].splice(handlers[me].indexOf(h), 1);
    },
  });
  const e0 = new CfmEngine({ clock, port: port(0) });
  const e1 = new CfmEngine({ clock, port: port(1) });
  return { clock, e0, e1, sent };
}

const cfg = (key: string, mepId: number, remote: number, extra: Partial<MepConfig> = {}): MepConfig => ({
  key, mepId, remoteMepIds: [remote], level: 2, interval: 4, vlan: 0, maid: MAID_A, port: 'eth0', direction: 'down',
  mac: `02:00:00:00:00:0${mepId}`, ...extra,
});

describe('engine on a FramePort; hardware/software hand-over', () => {
  it('runs on any FramePort (backend style) and reports status', () => {
    const { clock, e0, e1 } = wired();
    e0.addMep(cfg('a', 1, 2));
    e1.addMep(cfg('b', 2, 1));
    clock.advance(5 * S);
    expect(e0.status('a').remotes[0].state).toBe('ok');
    expect(e1.status('b').remotes[0].mac).toBe('02:00:00:00:00:01');
    expect(JSON.parse(JSON.stringify(e0.statusAll()))).toEqual(e0.statusAll());
  });

  it('ccmTx off stops transmission; on again with a seeded sequence continues without errors', () => {
    const { net, m1, m2 } = pair();
    net.runMs(3500);
    const next = m1.status().nextSeq;
    expect(next).toBe(5); // CCMs 1..4 sent: the first carries 1
    m1.setCcmTx(false);
    // "hardware" would now send seq 5, 6 ... we resume in software one interval later at seq 6
    net.runMs(1000);
    m1.setCcmTx(true, next + 1);
    net.runMs(3000);
    expect(m1.status().nextSeq).toBe(next + 5);
    // one missing CCM (seq 5 was "sent by hardware" in this test): exactly one sequence error
    expect(m2.status().remotes[0].seqErrors).toBe(1);
    expect(m2.status().defects).toBe(0);
  });

  it('initialSeq: a MEP recreated in software carries on the sequence with no gap', () => {
    const { e0, e1, clock, sent } = wired();
    e0.addMep(cfg('a', 1, 2));
    e1.addMep(cfg('b', 2, 1));
    clock.advance(3.5 * S);
    const seq = e0.status('a').nextSeq;
    e0.removeMep('a');
    clock.advance(0.5 * S);
    e0.addMep(cfg('a', 1, 2, { initialSeq: seq }));
    clock.advance(3 * S);
    const seqs = sent.filter((s) => s.from === 0).map((s) => { const f = decodeFrame(s.frame); return f.pdu.opcode === 1 ? f.pdu.seq : -1; });
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(e1.status('b').counters.seqErrors).toBe(0);
  });

  it('ccmRx off: no remote MEP machines, no LOC', () => {
    const { net, link, m1, events } = pair();
    m1.setCcmRx(false);
    link.up = false;
    net.runMs(10_000);
    expect(ev(events, { mep: 'm1', type: 'defect' })).toEqual([]);
    expect(m1.status().remotes[0].state).toBe('idle');
  });

  it('bad MEP configs are refused with a typed error naming the field', () => {
    const { e0 } = wired();
    expect(() => e0.addMep(cfg('x', 0, 2))).toThrow(/MEP x: mepId 0/);
    expect(() => e0.addMep(cfg('x', 1, 2, { level: 8 }))).toThrow(/level 8/);
    expect(() => e0.addMep(cfg('x', 1, 2, { maid: new Uint8Array(3) }))).toThrow(/maid must be 48 bytes/);
    expect(() => e0.addMep(cfg('x', 1, 2, { lowestAlarmPriority: 7 }))).toThrow(/lowestAlarmPriority 7/);
    e0.addMep(cfg('x', 1, 2));
    expect(() => e0.addMep(cfg('y', 3, 2))).toThrow(/already has a down MEP at level 2/);
  });

  it('maps a config-model LocalMep onto a MepConfig', () => {
    const m: LocalMep = {
      key: 'md/ma/5', mepId: 5, domainId: 'md', associationId: 'ma', groupId: 'g', switch: 'sw1', level: 4, interval: 3,
      vlan: 100, maid: MAID_A, port: 'eth1', direction: 'up', enabled: true, ccmLtmPriority: 5, ccmEnabled: true,
      lowestAlarmPriority: 3, fngAlarmTimeMs: 3000, fngResetTimeMs: 9000, portStatusTlv: true, interfaceStatusTlv: false,
      senderIdPermission: 'chassis', remoteMepIds: [6, 7], placement: 'auto',
    };
    const c = mepConfigFromModel(m, { portMac: (sw, p) => (sw === 'sw1' && p === 'eth1' ? '02:00:00:00:01:01' : 'x') });
    expect(c).toMatchObject({ key: 'md/ma/5', mepId: 5, level: 4, interval: 3, vlan: 100, port: 'eth1', direction: 'up', mac: '02:00:00:00:01:01',
      remoteMepIds: [6, 7], priority: 5, ccmTx: true, ccmRx: true, lowestAlarmPriority: 3, fngAlarmTimeMs: 3000, fngResetTimeMs: 9000,
      portStatusTlv: 2, interfaceStatusTlv: 0, senderId: 'chassis' });
    const events: FaultEvent[] = [];
    const { e0 } = wired();
    e0.onEvent((e) => events.push(e));
    e0.addMep(c);
    expect(e0.status('md/ma/5').remotes.map((r) => r.mepId)).toEqual([6, 7]);
  });
});

describe('engine close', () => {
  it('leaves no timer on the clock', () => {
    const clock = new VirtualClock();
    const port: FramePort = { send: () => undefined, onReceive: () => () => undefined };
    const engine = new CfmEngine({ clock, port });
    engine.addMep(cfg('k1', 1, 2));
    clock.advance(2.5e9);
    expect(clock.pending()).toBeGreaterThan(0);
    engine.close();
    expect(clock.pending()).toBe(0);
  });
});
