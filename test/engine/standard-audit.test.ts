/**
 * Rules found wrong or untested in a clause-by-clause review of the engine against 802.1Q and
 * Y.1731 (each case failed before its fix):
 *  - a MEP takes frames addressed to its MAC or to the CFM group address of its own level
 *    (class 2 for LTM, class 1 otherwise), never another group address, never a multicast reply,
 *    never a frame from a group source address (802.1Q 20.28.1, 20.47.1, Table 8-15);
 *  - single-ended loss measurement takes counter differences modulo 2^32 (Y.1731 8.1.2);
 *  - a CSF with a reserved type changes nothing (Y.1731 9.21).
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, encodeMaid, type LmmPdu, type Pdu } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { ensureY } from '../../src/engine/mep-y1731.js';
import { ensureLb } from '../../src/engine/mep-lb.js';
import { u32Diff } from '../../src/engine/y1731-stats.js';
import { VirtualClock } from '../../src/common/clock.js';
import { FaultNotificationGenerator, type FaultEvent } from '../../src/engine/index.js';
import { MAID_A } from './helpers.js';
import { Probe } from './probe.js';

const PROBE = '02:aa:00:00:00:09';
const OTHER_MAID = encodeMaid({ md: { format: 1 }, ma: { format: 2, name: 'AB' } });

function setup() {
  const net = new SimNetwork();
  const sw = new SimSwitch(net, 'sw', ['p1']);
  const a = new Probe(net, 'a');
  net.connect('sw:p1', 'a:p0');
  const mep = sw.addMep({ key: 'm', mepId: 1, remoteMepIds: [2], level: 4, interval: 4, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down', ccmTx: false });
  return { net, sw, a, mep };
}

function frame(dst: string, pdu: Pdu, src = PROBE): Uint8Array {
  return encodeFrame({ dst, src, vlans: [], pdu });
}
const lbm = (id: number, level = 4): Pdu => ({ opcode: 3, level, version: 0, flags: 0, transactionId: id, tlvs: [] });
const dmm = (level = 4): Pdu => ({
  opcode: 47, level, version: 0, flags: 0, txTimestampF: { seconds: 1, nanoseconds: 2 }, rxTimestampF: { seconds: 0, nanoseconds: 0 },
  txTimestampB: { seconds: 0, nanoseconds: 0 }, rxTimestampB: { seconds: 0, nanoseconds: 0 }, tlvs: [],
});
const opcodes = (got: Uint8Array[]) => got.map((f) => decodeFrame(f).pdu.opcode);

describe('802.1Q 20.28.1 / Table 8-15: what a MEP takes as addressed to it', () => {
  it('answers an LBM to its MAC and to its own level\'s class 1 address only', () => {
    const { net, a, mep } = setup();
    a.send(frame(mep.cfg.mac, lbm(1)));
    a.send(frame('01:80:c2:00:00:34', lbm(2)));
    a.send(frame('01:80:c2:00:00:35', lbm(3))); // class 1 of level 5: not this MEP's level
    a.send(frame('01:80:c2:00:00:3c', lbm(4))); // class 2 of level 4: LTM only
    a.send(frame('01:00:5e:00:00:01', lbm(5))); // a non-CFM group address
    net.runMs(1);
    const ids = a.got.map((f) => decodeFrame(f)).filter((f) => f.pdu.opcode === 2).map((f) => (f.pdu as { transactionId: number }).transactionId);
    expect(ids).toEqual([1, 2]);
    expect(mep.status().counters.lbrOut).toBe(2);
  });

  it('answers a DMM to another level\'s group address with nothing', () => {
    const { net, a, mep } = setup();
    a.send(frame('01:80:c2:00:00:36', dmm()));
    a.send(frame('01:80:c2:00:00:34', dmm()));
    a.send(frame(mep.cfg.mac, dmm()));
    net.runMs(1);
    expect(opcodes(a.got)).toEqual([46, 46]);
  });

  it('discards a PDU from a group source address: no LBR multicast back, no remote MEP brought up', () => {
    const { net, a, mep } = setup();
    a.send(frame(mep.cfg.mac, lbm(7), '03:00:00:00:00:09'));
    a.ccm({ level: 4, mepId: 2, src: '03:00:00:00:00:02' });
    net.runMs(1);
    expect(a.got).toEqual([]);
    expect(mep.status().remotes[0].state).not.toBe('ok');
    a.ccm({ level: 4, mepId: 2, src: '02:00:00:00:00:02' });
    net.runMs(1);
    expect(mep.status().remotes[0].state).toBe('ok');
  });

  it('ignores a multicast reply (an LTR is unicast to the initiator, 802.1Q 20.45.1)', () => {
    const { net, a, mep } = setup();
    a.send(frame('01:80:c2:00:00:34', { opcode: 4, level: 4, version: 0, flags: 0, transactionId: 1, ttl: 1, relayAction: 1, tlvs: [{ type: 8, lastEgressId: new Uint8Array(8), nextEgressId: new Uint8Array(8) }] }));
    net.runMs(1);
    expect(mep.status().counters.unexpectedLtrIn).toBe(0);
    a.send(frame(mep.cfg.mac, { opcode: 4, level: 4, version: 0, flags: 0, transactionId: 1, ttl: 1, relayAction: 1, tlvs: [{ type: 8, lastEgressId: new Uint8Array(8), nextEgressId: new Uint8Array(8) }] }));
    net.runMs(1);
    expect(mep.status().counters.unexpectedLtrIn).toBe(1);
  });
});

describe('Y.1731 8.1.2: single-ended loss over 32-bit counters', () => {
  it('u32Diff is the forward distance modulo 2^32', () => {
    expect(u32Diff(5, 3)).toBe(2);
    expect(u32Diff(0, 0xffffffff)).toBe(1);
    expect(u32Diff(1, 0xfffffffe)).toBe(3);
  });

  it('a responder whose counters wrap between two LMRs shows no loss (and a real loss still counts)', () => {
    const { net, a, mep } = setup();
    const r = ensureY(mep).startLmm({ targetMac: PROBE, count: 3, intervalMs: 100 });
    // the responder's counters: RxFCf and TxFCb at each LMR, wrapping after the first
    const counters = [[0xffffffff, 0xffffffff], [0x00000000, 0x00000000], [0x00000000, 0x00000001]];
    let answered = 0;
    for (let step = 0; step < 3; step++) {
      net.runMs(step === 0 ? 1 : 100);
      const lmms = a.got.filter((f) => decodeFrame(f).pdu.opcode === 43);
      const req = decodeFrame(lmms[answered]).pdu as LmmPdu;
      const [rxFCf, txFCb] = counters[answered];
      a.send(frame(mep.cfg.mac, { opcode: 42, level: 4, version: 0, flags: 0, txFCf: req.txFCf, rxFCf, txFCb, tlvs: [] }));
      answered++;
    }
    net.runMs(1);
    expect(r.received).toBe(3);
    // LMM 1 -> 2: one frame sent, one received across the wrap: no far-end loss (was 2^32);
    // LMM 2 -> 3: the third LMM did not reach the responder's counter: one far-end loss
    expect(r.farEndLoss).toBe(1);
    expect(r.nearEndLoss).toBe(0);
    expect(r.farEndRatio).toBe(0.5);
  });
});

describe('Y.1731 9.21: CSF type', () => {
  it('a reserved CSF type (4..7) raises no condition; LOS, FDI, RDI do', () => {
    const { net, a, mep } = setup();
    const csf = (type: number): Pdu => ({ opcode: 52, level: 4, version: 0, flags: (type << 3) | 4, tlvs: [] });
    a.send(frame('01:80:c2:00:00:34', csf(5)));
    net.runMs(1);
    expect(mep.status().csf).toBeNull();
    a.send(frame('01:80:c2:00:00:34', csf(2)));
    net.runMs(1);
    expect(mep.status().csf).toBe('rdi');
    a.send(frame('01:80:c2:00:00:34', csf(4)));
    net.runMs(1);
    expect(mep.status().csf).toBe('rdi');
    a.send(frame('01:80:c2:00:00:34', csf(3))); // DCI clears at once
    net.runMs(1);
    expect(mep.status().csf).toBeNull();
  });
});

describe('Y.1731 7.4.1 / 9.7: AIS client level and period in the engine\'s MepConfig', () => {
  it('refuses a client level not above the MEP\'s level and a period other than 1 s / 1 min, naming the field', () => {
    const net = new SimNetwork();
    const sw = new SimSwitch(net, 'sw', ['p1']);
    const cfg = { key: 'm', mepId: 1, remoteMepIds: [2], level: 4, interval: 4 as const, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down' as const };
    expect(() => sw.addMep({ ...cfg, aisClientLevel: 4 })).toThrow(/MEP m: aisClientLevel 4 is not a client level above the MEP's level 4/);
    expect(() => sw.addMep({ ...cfg, aisClientLevel: 8 })).toThrow(/aisClientLevel 8/);
    expect(() => sw.addMep({ ...cfg, aisClientLevel: 5, aisPeriod: 3 as unknown as 4 })).toThrow(/aisPeriod 3 is not 4 \(1 s\) or 6 \(1 min\)/);
    expect(sw.addMep({ ...cfg, aisClientLevel: 5, aisPeriod: 6 }).cfg.aisClientLevel).toBe(5);
  });
});

describe('802.1Q 20.51: an invalid CCM is discarded before any state machine sees it', () => {
  const ccmBytes = (o: { level?: number; flags?: number; mepId?: number; dst?: string; tlvs?: Uint8Array } = {}): Uint8Array => {
    const level = o.level ?? 4;
    const f = encodeFrame({ dst: o.dst ?? `01:80:c2:00:00:3${level}`, src: '02:aa:00:00:00:02', vlans: [], pdu: {
      opcode: 1, level, version: 0, flags: o.flags ?? 4, seq: 1, mepId: 2, maid: MAID_A, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs: [] } });
    const pdu = 14;
    if (o.mepId !== undefined) { f[pdu + 8] = o.mepId >> 8; f[pdu + 9] = o.mepId & 0xff; }
    if (!o.tlvs) return f;
    const out = new Uint8Array(f.length + o.tlvs.length);
    out.set(f.subarray(0, f.length - 1));
    out.set(o.tlvs, f.length - 1);
    out[out.length - 1] = 0; // End TLV
    return out;
  };

  it('interval 0, MEPID 0, MEPID with reserved bits, a Port Status TLV of length 2, another level\'s group DA: no remote, no defect', () => {
    const cases: Array<[string, Uint8Array]> = [
      ['interval 0 (21.6.1.3)', ccmBytes({ flags: 0 })],
      ['MEPID 0 (21.6.2)', ccmBytes({ mepId: 0 })],
      ['MEPID 2 with reserved bits (21.6.2)', ccmBytes({ mepId: 0xe002 })],
      ['Port Status TLV length 2 (21.5.4)', ccmBytes({ tlvs: Uint8Array.of(2, 0, 2, 2, 0) })],
      ['DA of level 5 on a level 4 CCM (Table 8-15)', ccmBytes({ dst: '01:80:c2:00:00:35' })],
      ['class 2 DA on a CCM (Table 8-15)', ccmBytes({ dst: '01:80:c2:00:00:3c' })],
    ];
    for (const [what, bytes] of cases) {
      const { net, a, mep } = setup();
      a.send(bytes);
      net.runMs(1);
      const st = mep.status();
      expect(st.remotes[0].state, what).toBe('start');
      expect(st.defects, what).toBe(0);
      expect(st.counters.ccmsReceived, what).toBe(0);
    }
    // the same CCM made valid is taken
    const { net, a, mep } = setup();
    a.send(ccmBytes({ tlvs: Uint8Array.of(2, 0, 1, 2) }));
    net.runMs(1);
    expect(mep.status().remotes[0]).toMatchObject({ state: 'ok', portStatus: 2 });
  });

  it('an invalid lower-level CCM is no cross-connect; a valid one is (802.1Q 20.23)', () => {
    const { net, a, mep } = setup();
    a.send(ccmBytes({ level: 2, flags: 0 }));
    net.runMs(1);
    expect(mep.status().defects).toBe(0);
    a.send(ccmBytes({ level: 2 }));
    net.runMs(1);
    expect(mep.status().defectNames).toEqual(['defXconCCM']);
  });

  it('reserved octets and flag bits are ignored on receipt: such a CCM is valid', () => {
    const { net, a, mep } = setup();
    const f = ccmBytes({ flags: 0x38 | 4 });
    f[14 + 73] = 0x5a; // the last of the 4 reserved octets after the Y.1731 counters
    a.send(f);
    net.runMs(1);
    expect(mep.status().remotes[0].state).toBe('ok');
  });
});

describe('802.1Q 20.16-20.20: sequence numbers and what restarts rMEPwhile', () => {
  it('a peer that does not number its CCMs (sequence 0 always, Y.1731 9.2) makes no sequence error; a gap and a wrap are told apart', () => {
    const { net, a, mep } = setup();
    for (let i = 0; i < 5; i++) { a.ccm({ level: 4, mepId: 2, seq: 0 }); net.runMs(1000); }
    expect(mep.status().remotes[0]).toMatchObject({ state: 'ok', seqErrors: 0, lastSeq: 0 });
    const b = setup();
    for (const seq of [0xfffffffe, 0xffffffff, 0, 1, 3]) { b.a.ccm({ level: 4, mepId: 2, seq }); b.net.runMs(1000); }
    // the wrap 0xffffffff -> 0 is in order; 1 -> 3 skips one
    expect(b.mep.status().remotes[0]).toMatchObject({ seqErrors: 1, lastSeq: 3 });
    expect(b.mep.status().counters.seqErrors).toBe(1);
  });

  it('only a valid CCM restarts rMEPwhile: CCMs at another interval, with another MAID or invalid ones do not hold LOC off', () => {
    for (const bad of ['interval', 'maid', 'invalid'] as const) {
      const { net, a, mep } = setup();
      a.ccm({ level: 4, mepId: 2, seq: 1 });
      net.runMs(1);
      expect(mep.status().remotes[0].state).toBe('ok');
      const lastValidMs = 1;
      // the remote keeps sending, every 500 ms, but nothing valid for our MA and interval
      for (let t = 0; t < 4000; t += 500) {
        if (bad === 'interval') a.ccm({ level: 4, mepId: 2, interval: 3 });
        else if (bad === 'maid') a.ccm({ level: 4, mepId: 2, maid: OTHER_MAID });
        else a.ccm({ level: 4, mepId: 2, interval: 0 });
        net.runMs(500);
      }
      const st = mep.status();
      expect(st.remotes[0].state, bad).toBe('failed');
      // LOC at 3.25..3.5 intervals (1 s) after the last valid CCM, not later
      const failedAtMs = st.remotes[0].failedOkTimeNs! / 1e6;
      expect(failedAtMs - lastValidMs, bad).toBeGreaterThanOrEqual(3250);
      expect(failedAtMs - lastValidMs, bad).toBeLessThanOrEqual(3500);
      expect(st.defectNames, bad).toContain('defRemoteCCM');
    }
  });
});

describe('MIP half function (802.1Q 20.28.1, 20.42.2)', () => {
  it('does not answer an LBM from a group source address, and learns no MIP CCM database entry from an invalid CCM', () => {
    const net = new SimNetwork();
    const sw = new SimSwitch(net, 'sw', ['p1', 'p2']);
    const a = new Probe(net, 'a');
    const b = new Probe(net, 'b');
    net.connect('sw:p1', 'a:p0');
    net.connect('sw:p2', 'b:p0');
    const mip = sw.addMip({ key: 'mip', level: 6, vlan: 0, port: 'p1' });
    a.send(frame(mip.mac, lbm(1, 6), '03:00:00:00:00:09'));
    a.send(frame(mip.mac, lbm(2, 6)));
    a.ccm({ level: 6, mepId: 9, src: '02:cc:00:00:00:01', interval: 0 });
    a.ccm({ level: 6, mepId: 9, src: '02:cc:00:00:00:02' });
    net.runMs(1);
    expect(a.got.map((f) => (decodeFrame(f).pdu as { transactionId?: number }).transactionId)).toEqual([2]);
    expect(sw.engine.mipDb.has('0/02:cc:00:00:00:01')).toBe(false);
    expect(sw.engine.mipDb.get('0/02:cc:00:00:00:02')).toBe('p1');
  });
});

describe('802.1Q 20.35 FNG: fngPriority is highestDefectPri, the highest defect since FNG_RESET', () => {
  it('a cross-connect that came and went during fngAlarmTime is what the alarm reports, and its return does not re-alarm', () => {
    const clock = new VirtualClock();
    const events: FaultEvent[] = [];
    const g = new FaultNotificationGenerator({ clock, mep: 'm', onEvent: (e) => events.push(e) });
    g.setDefect('defRemoteCCM', true);
    clock.advance(1e9);
    g.setDefect('defXconCCM', true);
    clock.advance(0.5e9);
    g.setDefect('defXconCCM', false);
    clock.advance(1e9); // 2.5 s after the first defect
    const alarms = () => events.filter((e) => e.type === 'alarm').map((e) => [e.defect, e.highestDefect, e.atNs]);
    expect(alarms()).toEqual([['defXconCCM', 'defXconCCM', 2.5e9]]);
    expect(g.reportedDefect).toBe('defXconCCM');
    clock.advance(5e9);
    g.setDefect('defXconCCM', true); // no higher than the one reported
    clock.advance(1e9);
    g.setDefect('defXconCCM', false);
    expect(alarms()).toEqual([['defXconCCM', 'defXconCCM', 2.5e9]]);
    // the defects clear: after fngResetTime the FNG resets; a later LOC alarms afresh with its own priority
    g.setDefect('defRemoteCCM', false);
    clock.advance(10e9);
    expect(g.state).toBe('fngReset');
    g.setDefect('defRemoteCCM', true);
    clock.advance(2.5e9);
    expect(alarms().at(-1)).toEqual(['defRemoteCCM', 'defRemoteCCM', 21e9]);
  });
});

describe('CCM destination (802.1Q Table 8-15, Y.1731 7.1.1)', () => {
  it('takes a CCM to its level\'s class 1 address or to its own MAC, not one to another station or another group', () => {
    const ccm = (dst: string): Uint8Array => frame(dst, { opcode: 1, level: 4, version: 0, flags: 4, seq: 1, mepId: 2, maid: MAID_A, txFCf: 0, rxFCb: 0, txFCb: 0, tlvs: [] });
    for (const [dst, taken] of [['02:bb:bb:bb:bb:bb', false], ['01:23:20:00:00:30', false], ['01:80:c2:00:00:34', true]] as const) {
      const { net, a, mep } = setup();
      a.send(ccm(dst));
      net.runMs(1);
      expect(mep.status().remotes[0].state === 'ok', dst).toBe(taken);
    }
    const { net, a, mep } = setup();
    a.send(ccm(mep.cfg.mac));
    net.runMs(1);
    expect(mep.status().remotes[0].state).toBe('ok');
  });
});

describe('802.1Q 20.31.1 LBR bad MSDU', () => {
  it('Ethernet padding after the End TLV (a short LBM padded to 60 octets, echoed) is no bad MSDU; a changed Data TLV is', () => {
    const { net, a, mep } = setup();
    const s = ensureLb(mep).start({ target: PROBE, count: 2, intervalMs: 10, data: Uint8Array.of(1, 2, 3) });
    net.runMs(1);
    // the responder got the LBM padded to 60 octets and echoes it whole
    const lbm1 = a.got.find((f) => decodeFrame(f).pdu.opcode === 3)!;
    const padded = new Uint8Array(60);
    padded.set(lbm1);
    const lbr1 = padded.slice();
    lbr1.set(lbm1.subarray(6, 12), 0);
    lbr1.set(decodeFrame(lbm1).dst.split(':').map((x) => parseInt(x, 16)), 6);
    lbr1[15] = 2;
    a.send(lbr1);
    net.runMs(10);
    const lbm2 = a.got.filter((f) => decodeFrame(f).pdu.opcode === 3)[1];
    const lbr2 = lbm2.slice();
    lbr2.set(lbm2.subarray(6, 12), 0);
    lbr2.set(decodeFrame(lbm2).dst.split(':').map((x) => parseInt(x, 16)), 6);
    lbr2[15] = 2;
    lbr2[lbr2.length - 2] ^= 0xff; // the last data octet
    a.send(lbr2);
    net.runMs(1);
    expect(s.result).toMatchObject({ sent: 2, received: 2, badMsdu: 1 });
    expect(mep.status().counters.lbrBadMsdu).toBe(1);
  });
});
