/**
 * The seven 802.1Q / Y.1731 conformance cases of issue 12, each written from its clause.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame, type LtmPdu } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch, type TxRecord } from '../../src/sim/index.js';
import { DEFECT_BIT, ensureLt, presentRdiOf, type FaultEvent, type Mep } from '../../src/engine/index.js';
import { ev, MAID_A, MAID_B, pair, S } from './helpers.js';
import { Probe } from './probe.js';

const opcodeOf = (f: Uint8Array): number => (f[12] === 0x89 && f[13] === 0x02 ? f[15] : -1);

/** sw1:p1 - sw2:p1, sw2:p2 - sw3:p1; a level 3 down MEP on sw1:p1, a level 3 MIP on sw2:p1. */
function chain(o: { upMepOnEgress?: boolean } = {}) {
  const net = new SimNetwork({ seed: 3 });
  const sw1 = new SimSwitch(net, 'sw1', ['p1']);
  const sw2 = new SimSwitch(net, 'sw2', ['p1', 'p2']);
  const sw3 = new SimSwitch(net, 'sw3', ['p1']);
  net.connect('sw1:p1', 'sw2:p1');
  net.connect('sw2:p2', 'sw3:p1');
  const tx: TxRecord[] = [];
  net.tap((r) => tx.push(r));
  const base = { interval: 4 as const, vlan: 0, maid: MAID_A };
  const m1 = sw1.addMep({ ...base, key: 'm1', level: 3, mepId: 1, remoteMepIds: [], port: 'p1', direction: 'down' });
  sw2.addMip({ key: 'mip', level: 3, vlan: 0, port: 'p1' });
  if (o.upMepOnEgress) sw2.addMep({ ...base, key: 'up', level: 3, mepId: 5, remoteMepIds: [], port: 'p2', direction: 'up' });
  // a level 5 MEP beyond sw2 makes sw2 learn sw3's MAC on p2 (level 5 passes the level 3 MPs)
  const far = sw3.addMep({ ...base, maid: MAID_B, key: 'far', level: 5, mepId: 9, remoteMepIds: [], port: 'p1', direction: 'down' });
  return { net, sw1, sw2, sw3, tx, m1, far };
}

function every(net: SimNetwork, periodNs: number, fn: () => void): void {
  const tick = (): void => {
    fn();
    net.clock.setTimer(periodNs, tick);
  };
  tick();
}

describe('802.1Q 20.47 linktrace conformance', () => {
  it('1. an LTM is not forwarded past an Up MEP at its level on the egress port: one LTR, FwdYes clear', () => {
    const { net, sw2, tx, m1, far } = chain({ upMepOnEgress: true });
    net.runMs(3000);
    expect(sw2.fdbLookup(0, far.cfg.mac)).toBe('p2');
    const s = ensureLt(m1).start({ targetMac: far.cfg.mac, ttl: 64 });
    net.runMs(6000);
    expect(tx.filter((r) => r.node === 'sw2' && r.port === 'p2' && opcodeOf(r.frame) === 5)).toEqual([]);
    expect(s.result.replies.length).toBe(1);
    expect(s.result.replies[0].forwarded).toBe(false);
  });

  it('4. an LTM arriving on a port that is not forwarding is discarded (no LTR, not relayed)', () => {
    const { net, sw2, tx, m1, far } = chain();
    net.runMs(3000);
    sw2.setPortBlocked('p1', true);
    const s = ensureLt(m1).start({ targetMac: far.cfg.mac, ttl: 64 });
    net.runMs(6000);
    expect(tx.filter((r) => r.node === 'sw2' && [4, 5].includes(opcodeOf(r.frame)))).toEqual([]);
    expect(s.result.replies).toEqual([]);
  });

  it('5. an LTM with TTL 0 is invalid: no LTR from the MIP or the target MEP, not relayed', () => {
    const net = new SimNetwork({ seed: 1 });
    const sw = new SimSwitch(net, 'sw', ['p1', 'p2']);
    const probe = new Probe(net);
    net.connect('probe:p0', 'sw:p1');
    sw.addMip({ key: 'mip', level: 3, vlan: 0, port: 'p1' });
    const mep = sw.addMep({ key: 'm', level: 3, interval: 4, vlan: 0, maid: MAID_A, mepId: 1, remoteMepIds: [], port: 'p2', direction: 'up' });
    const tx: TxRecord[] = [];
    net.tap((r) => tx.push(r));
    const ltm = (target: string, ttl: number): Uint8Array => {
      const pdu: LtmPdu = {
        opcode: 5, level: 3, version: 0, flags: 0, transactionId: 7, ttl, originMac: '02:aa:00:00:00:01', targetMac: target,
        tlvs: [{ type: 7, egressId: Uint8Array.of(0, 0, 2, 0xaa, 0, 0, 0, 1) }],
      };
      return encodeFrame({ dst: '01:80:c2:00:00:3b', src: '02:aa:00:00:00:01', vlans: [], pdu });
    };
    probe.send(ltm(mep.cfg.mac, 0));       // to the MIP's own MAC... and the MEP's: both must stay silent
    probe.send(ltm(sw.portMac('p1'), 0));
    net.runMs(2000);
    expect(tx.filter((r) => r.node === 'sw' && [4, 5].includes(opcodeOf(r.frame)))).toEqual([]);
    // the same LTMs with TTL 1 are answered (the check is on TTL 0 only)
    probe.send(ltm(sw.portMac('p1'), 1));
    net.runMs(2000);
    expect(tx.filter((r) => r.node === 'sw' && opcodeOf(r.frame) === 4).length).toBe(1);
  });
});

describe('802.1Q 20.9.6 presentRDI and lowestAlarmPri', () => {
  it('2. a defect below lowestAlarmPri does not set RDI; the peer sees no defRDICCM', () => {
    const { net, m1, m2, events } = pair({ lowestAlarmPriority: 3 });
    net.runMs(3000);
    m2.setStatusTlvs(0, 2); // isDown: m1 raises defMACstatus (priority 2 < lowestAlarmPri 3)
    net.runMs(5000);
    expect(m1.status().defectNames).toEqual(['defMACstatus']);
    expect(m1.presentRdi).toBe(false);
    expect(ev(events, { mep: 'm2', defect: 'defRDICCM' })).toEqual([]);
  });

  it('2. a defect at or above lowestAlarmPri still sets RDI', () => {
    const { net, m1, m2 } = pair({ lowestAlarmPriority: 2 });
    net.runMs(3000);
    m2.setStatusTlvs(0, 2);
    net.runMs(5000);
    expect(m1.presentRdi).toBe(true);
    expect(m2.status().defectNames).toContain('defRDICCM');
  });
});

describe('presentRdiOf (shared by software MEPs and the manager\'s hardware MEPs)', () => {
  it('2. counts only defects other than defRDICCM with priority >= lowestAlarmPri', () => {
    const { defRDICCM: rdi, defMACstatus: mac, defRemoteCCM: loc, defErrorCCM: errc, defXconCCM: xcon } = DEFECT_BIT;
    expect(presentRdiOf(rdi, 1)).toBe(false);
    expect(presentRdiOf(mac, 1)).toBe(true);
    expect(presentRdiOf(mac, 2)).toBe(true);
    expect(presentRdiOf(mac, 3)).toBe(false);
    expect(presentRdiOf(mac | loc, 3)).toBe(true);
    expect(presentRdiOf(loc | errc, 5)).toBe(false);
    expect(presentRdiOf(xcon, 5)).toBe(true);
    expect(presentRdiOf(xcon | errc | loc | mac | rdi, 6)).toBe(false);
  });
});

describe('802.1Q 21.5.4-21.5.5 Port / Interface Status TLVs follow the port', () => {
  it('3. an STP-blocked port sends psBlocked; the peer raises defMACstatus; unblocked clears it', () => {
    const net = new SimNetwork({ seed: 2 });
    const sw1 = new SimSwitch(net, 'sw1', ['p1']);
    const sw2 = new SimSwitch(net, 'sw2', ['p1']);
    net.connect('sw1:p1', 'sw2:p1');
    const base = { level: 3, interval: 4 as const, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down' as const, portStatusTlv: 2, interfaceStatusTlv: 1 };
    const m1 = sw1.addMep({ ...base, key: 'm1', mepId: 1, remoteMepIds: [2] });
    sw2.addMep({ ...base, key: 'm2', mepId: 2, remoteMepIds: [1] });
    net.runMs(3000);
    expect(m1.status().defects).toBe(0);
    sw2.setPortBlocked('p1', true);
    net.runMs(2000);
    expect(m1.status().remotes[0].portStatus).toBe(1);
    expect(m1.status().defectNames).toEqual(['defMACstatus']);
    sw2.setPortBlocked('p1', false);
    net.runMs(2000);
    expect(m1.status().remotes[0].portStatus).toBe(2);
    expect(m1.status().defects).toBe(0);
  });

  it('3. an Up MEP whose port goes down sends isDown; the peer raises defMACstatus', () => {
    const net = new SimNetwork({ seed: 2 });
    const sw1 = new SimSwitch(net, 'sw1', ['p1', 'p2']);
    const sw2 = new SimSwitch(net, 'sw2', ['p1']);
    const host = new SimSwitch(net, 'host', ['p1']);
    net.connect('sw1:p1', 'sw2:p1');
    const access = net.connect('sw1:p2', 'host:p1');
    const base = { level: 5, interval: 4 as const, vlan: 0, maid: MAID_A, interfaceStatusTlv: 1 };
    sw1.addMep({ ...base, key: 'up', mepId: 1, remoteMepIds: [2], port: 'p2', direction: 'up' });
    const m2 = sw2.addMep({ ...base, key: 'm2', mepId: 2, remoteMepIds: [1], port: 'p1', direction: 'down' });
    net.runMs(3000);
    expect(m2.status().defects).toBe(0);
    access.up = false;
    net.runMs(2000);
    expect(m2.status().remotes[0].interfaceStatus).toBe(2);
    expect(m2.status().defectNames).toEqual(['defMACstatus']);
    access.up = true;
    net.runMs(2000);
    expect(m2.status().remotes[0].interfaceStatus).toBe(1);
    expect(m2.status().defects).toBe(0);
  });

  it('3. engine.setPortState drives the TLVs of every MEP on the port, also MEPs added later', () => {
    const { net, sw1, m1 } = pair();
    sw1.engine.setPortState('p1', { forwarding: false, ifStatus: 'lowerLayerDown' });
    m1.setStatusTlvs(2, 1);
    sw1.engine.setPortState('p1', {});
    net.runMs(10);
    expect(sw1.engine.portState('p1')).toEqual({ forwarding: false, ifStatus: 'lowerLayerDown' });
    const later = sw1.addMep({ key: 'later', level: 6, interval: 4, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down', mepId: 7, remoteMepIds: [], portStatusTlv: 2, interfaceStatusTlv: 1 });
    expect([later.cfg.portStatusTlv, later.cfg.interfaceStatusTlv]).toEqual([1, 7]);
    expect([m1.cfg.portStatusTlv, m1.cfg.interfaceStatusTlv]).toEqual([1, 7]);
  });
});

/** One MEP (id 1, level 3, remote 2) on sw:p1 facing a probe that sends what the test wants. */
function probed() {
  const net = new SimNetwork({ seed: 5 });
  const sw = new SimSwitch(net, 'sw', ['p1']);
  const probe = new Probe(net);
  net.connect('probe:p0', 'sw:p1');
  const events: FaultEvent[] = [];
  sw.engine.onEvent((e) => events.push(e));
  const m: Mep = sw.addMep({ key: 'm', level: 3, interval: 4, vlan: 0, maid: MAID_A, mepId: 1, remoteMepIds: [2], port: 'p1', direction: 'down', lowestAlarmPriority: 1 });
  const ais = (): void => {
    probe.send(encodeFrame({ dst: '01:80:c2:00:00:33', src: '02:aa:00:00:00:02', vlans: [], pdu: { opcode: 33, level: 3, version: 0, flags: 4, tlvs: [] } }));
  };
  return { net, probe, events, m, ais };
}

describe('Y.1731 7.4 / G.8021: AIS suppresses loss-of-continuity alarms only', () => {
  it('6. with AIS, a defRemoteCCM alarm is suppressed', () => {
    const { net, events, ais } = probed();
    every(net, S, ais);
    net.runMs(10_000);
    const a = ev(events, { mep: 'm', type: 'alarm' });
    expect(a.map((e) => [e.defect, e.suppressed])).toEqual([['defRemoteCCM', true]]);
  });

  it('6. with AIS, a cross-connect alarm is not suppressed', () => {
    const { net, events, probe, ais } = probed();
    every(net, S, () => {
      ais();
      probe.ccm({ maid: MAID_B, mepId: 2 });
    });
    net.runMs(10_000);
    const a = ev(events, { mep: 'm', type: 'alarm' });
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((e) => e.defect === 'defXconCCM' && e.suppressed === undefined)).toBe(true);
  });

  it('6. with LCK, an error CCM alarm is not suppressed, a LOC alarm is', () => {
    const { net, events, probe } = probed();
    const lck = (): void => {
      probe.send(encodeFrame({ dst: '01:80:c2:00:00:33', src: '02:aa:00:00:00:02', vlans: [], pdu: { opcode: 35, level: 3, version: 0, flags: 4, tlvs: [] } }));
    };
    every(net, S, lck);
    net.runMs(10_000);
    expect(ev(events, { mep: 'm', type: 'alarm' }).map((e) => [e.defect, e.suppressed])).toEqual([['defRemoteCCM', true]]);
    every(net, S, () => probe.ccm({ mepId: 99 }));
    net.runMs(5_000);
    expect(ev(events, { mep: 'm', type: 'alarm' }).map((e) => [e.defect, e.suppressed])).toEqual([['defRemoteCCM', true], ['defErrorCCM', undefined]]);
  });
});

describe('802.1Q 12.14.7.1.3 o: highestDefect is latched since FNG_RESET', () => {
  it('7. a defect that came and went keeps being reported until the FNG returns to FNG_RESET', () => {
    const { net, probe, m, events } = probed();
    net.runMs(5_000); // defRemoteCCM (remote 2 never heard)
    expect(m.status().highestDefect).toBe('defRemoteCCM');
    probe.ccm({ maid: MAID_B, mepId: 2 }); // one cross-connect CCM: defXconCCM for 3.5 s
    net.runMs(100);
    expect(m.status().highestDefect).toBe('defXconCCM');
    net.runMs(5_000);
    expect(m.status().defectNames).toEqual(['defRemoteCCM']);
    expect(m.status().highestDefect).toBe('defXconCCM');
    expect(m.fng.highestDefect).toBe('defXconCCM');
    // the remote comes: LOC clears; after fngResetTime the FNG is in FNG_RESET and the latch resets
    every(net, S, () => probe.ccm({ mepId: 2 }));
    net.runMs(1_000);
    expect(m.status().defects).toBe(0);
    expect(m.status().highestDefect).toBe('defXconCCM');
    net.runMs(11_000);
    expect(m.status().fngState).toBe('fngReset');
    expect(m.status().highestDefect).toBe('none');
    const clear = ev(events, { mep: 'm', type: 'alarm-clear' });
    expect(clear.length).toBe(1);
    expect(clear[0].highestDefect).toBe('none');
  });

  it('7. in FNG_RESET, highestDefect is the defects present now', () => {
    const { net, m1, m2 } = pair({ lowestAlarmPriority: 3 });
    net.runMs(3000);
    m2.setStatusTlvs(0, 2);
    net.runMs(3000);
    expect(m1.status().fngState).toBe('fngReset');
    expect(m1.status().highestDefect).toBe('defMACstatus');
    m2.setStatusTlvs(0, 1);
    net.runMs(3000);
    expect(m1.status().highestDefect).toBe('none');
  });
});
