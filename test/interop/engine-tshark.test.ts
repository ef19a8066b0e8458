/**
 * Every frame the protocol engine writes, read by Wireshark's CFM dissector (tshark 4.0): CCMs
 * (tagged, Sender ID / Port Status / Interface Status TLVs, RDI), LBM / LBR (unicast and class 1
 * multicast, Data and Test TLVs), LTM / LTR (MIP relay and target MEP), AIS, LCK, CSF (every
 * type), DMM / DMR, 1DM, LMM / LMR, SLM / SLR and TST (every Test TLV pattern type).
 *
 * test/pdu/wireshark.test.ts compares tshark with our own decoder on the codec's frames; this one
 * compares tshark with what the engine meant to send (the MEPs' configuration, the clause's
 * rule), on frames the engine built, several of them by patching bytes (CCM template, LBR / DMR /
 * LMR / SLR from the request), so a field in the wrong place or a wrong reply rule shows here even
 * where encoder and decoder would agree with each other. CRC-32 is checked against Node's zlib.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaid, writePcap } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { ensureLb, ensureLt, ensureY, TestSession, type Mep } from '../../src/engine/index.js';
import { tsharkGate } from '../helpers/tshark.js';

const haveTshark = tsharkGate('test/interop/engine-tshark');

const FIELDS = [
  'eth.dst', 'eth.src', 'vlan.id', 'vlan.priority', '_ws.malformed', '_ws.expert.severity',
  'cfm.md.level', 'cfm.version', 'cfm.opcode', 'cfm.flags', 'cfm.first.tlv.offset',
  'cfm.flags.rdi', 'cfm.flags.interval', 'cfm.ccm.seq.num', 'cfm.ccm.ma.ep.id',
  'cfm.maid.md.name.format', 'cfm.maid.md.name.string', 'cfm.maid.ma.name.format', 'cfm.maid.ma.name.string',
  'cfm.itu.txfcf', 'cfm.itu.rxfcb', 'cfm.itu.txfcb',
  'cfm.lb.transaction.id', 'cfm.lt.transaction.id', 'cfm.lt.ttl', 'cfm.ltm.orig.addr', 'cfm.ltm.targ.addr',
  'cfm.flags.usefdbonly', 'cfm.flags.fwdyes', 'cfm.flags.ltr.terminalmep', 'cfm.ltr.relay.action',
  'cfm.flags.ais_lck_Period', 'cfm.csf.flags.Type', 'cfm.csf.flags.Period', 'cfm.tst.sequence.num',
  'cfm.lmm.lmr.txfcf', 'cfm.lmm.lmr.rxfcf', 'cfm.lmm.lmr.txfcb',
  'cfm.odm.dmm.dmr.txtimestampf', 'cfm.odm.dmm.dmr.rxtimestampf', 'cfm.dmm.dmr.txtimestampb', 'cfm.dmm.dmr.rxtimestampb',
  'cfm.slm.src_mep_id', 'cfm.slr.rsp_mep_id', 'cfm.slm.test_id', 'cfm.slm.txfcf', 'cfm.slr.txfcb',
  'cfm.tlv.type', 'cfm.tlv.length', 'cfm.tlv.port.status.value', 'cfm.tlv.port.interface.value', 'cfm.tlv.data.value',
  'cfm.tlv.chassis.id.subtype', 'cfm.tlv.chassis.id',
  'cfm.tlv.reply.ingress.action', 'cfm.tlv.reply.ingress.mac.address', 'cfm.tlv.reply.egress.action', 'cfm.tlv.reply.egress.mac.address',
  'cfm.tlv.ltm.egress.id.ui', 'cfm.tlv.ltm.egress.id.mac', 'cfm.tlv.ltr.egress.last.id.mac', 'cfm.tlv.ltr.egress.next.id.mac',
  'cfm.tlv.tst.test.pattern.type', 'cfm.tlv.tst.test.pattern', 'cfm.tlv.tst.crc32',
] as const;
type Field = (typeof FIELDS)[number];
type Row = Partial<Record<Field, string>> & { i: number };

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA_A' } });
const DATA = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]);

const dir = mkdtempSync(join(tmpdir(), 'cfm-engine-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tshark(frames: Uint8Array[]): Row[] {
  const pcap = join(dir, 'engine.pcap');
  writeFileSync(pcap, writePcap(frames.map((data) => ({ data }))));
  const args = ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=;', '-E', 'quote=n'];
  for (const f of FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  return out.split('\n').filter((l) => l.length).map((l, i) => {
    const cols = l.split('|');
    const row: Row = { i };
    FIELDS.forEach((f, k) => { if (cols[k]) row[f] = cols[k]; });
    return row;
  });
}

const num = (v: string | undefined): number => (v === undefined ? NaN : Number(v));
/** tshark 4.0 prints the Y.1731 counters and the test id as bare hex. */
const hexNum = (v: string | undefined): number => (v === undefined ? NaN : parseInt(v, 16));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * sw1:p1 - sw2:p1, sw2:p2 - sw3:p1 (VLAN 100); down MEPs A (sw1:p1, MEPID 1) and B (sw3:p1,
 * MEPID 2) at level 4, a MIP at level 4 on sw2:p1; sw1:p2 and sw3:p2 face the client layer
 * (AIS / LCK at level 6 leave there). A does every function once; every transmitted frame is kept.
 */
function scenario(): { frames: Uint8Array[]; a: Mep; b: Mep; mipMac: string; sw1Mac: string; sw2Mac: string } {
  const net = new SimNetwork({ seed: 21 });
  const sw1 = new SimSwitch(net, 'sw1', ['p1', 'p2']);
  const sw2 = new SimSwitch(net, 'sw2', ['p1', 'p2']);
  const sw3 = new SimSwitch(net, 'sw3', ['p1', 'p2']);
  net.connect('sw1:p1', 'sw2:p1');
  const cut = net.connect('sw2:p2', 'sw3:p1');
  const frames = distinctFrames(net);
  const base = { level: 4, interval: 3 as const, vlan: 100, priority: 5, maid: MAID, direction: 'down' as const };
  const a = sw1.addMep({ ...base, key: 'a', mepId: 1, remoteMepIds: [2], port: 'p1', senderId: 'chassis', chassisId: 'sw1',
    portStatusTlv: 2, interfaceStatusTlv: 1, aisClientLevel: 6, aisPeriod: 4 });
  const b = sw3.addMep({ ...base, key: 'b', mepId: 2, remoteMepIds: [1], port: 'p1' });
  const mip = sw2.addMip({ key: 'mip', level: 4, vlan: 100, port: 'p1' });
  net.runMs(1000);
  ensureLb(a).start({ targetMepId: 2, count: 1, data: DATA });
  net.runMs(100);
  ensureLb(a).start({ multicast: true, count: 1, test: { patternType: 3, length: 20 } });
  net.runMs(100);
  ensureLt(a).start({ targetMepId: 2, timeoutMs: 2000 });
  net.runMs(2100);
  const y = ensureY(a);
  y.setLock(true);
  net.runMs(10);
  y.setLock(false);
  for (const t of ['los', 'fdi', 'rdi'] as const) {
    y.setClientSignalFail(t);
    net.runMs(10);
  }
  y.setClientSignalFail(null);
  y.startDmm({ targetMepId: 2, count: 1 });
  y.start1dm({ targetMepId: 2, count: 1 });
  y.startLmm({ targetMepId: 2, count: 2, intervalMs: 200 });
  y.startSlm({ targetMepId: 2, count: 2, intervalMs: 200, testId: 77 });
  net.runMs(500);
  for (const patternType of [0, 1, 2, 3]) {
    new TestSession(a, 'tst', { target: b.cfg.mac, count: 1, test: { patternType, length: 24 } }).start();
  }
  net.runMs(10);
  a.setRdi(true);
  net.runMs(200);
  a.setRdi(false);
  // loss of continuity at A: AIS to the client level, into the relay (Y.1731 7.4)
  cut.up = false;
  net.runMs(1000);
  return { frames, a, b, mipMac: mip.mac, sw1Mac: sw1.mac, sw2Mac: sw2.mac };
}

/** Every frame on the network once, as its originator sent it (a bridge relaying it sends the same bytes again). */
function distinctFrames(net: SimNetwork): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const seen = new Set<string>();
  net.tap((r) => {
    const key = Buffer.from(r.frame).toString('hex');
    if (!seen.has(key)) frames.push(r.frame.slice());
    seen.add(key);
  });
  return frames;
}

describe.skipIf(!haveTshark)('frames the engine writes, as Wireshark reads them', () => {
  let rows: Row[] = [];
  let w: ReturnType<typeof scenario>;
  const by = (opcode: number, src?: string): Row[] => rows.filter((r) => num(r['cfm.opcode']) === opcode && (src === undefined || r['eth.src'] === src));

  beforeAll(() => {
    w = scenario();
    rows = tshark(w.frames);
  });

  it('decodes every frame without a malformed mark or an error', () => {
    expect(rows.length).toBe(w.frames.length);
    const bad = rows.filter((r) => r['_ws.malformed'] !== undefined || (r['_ws.expert.severity'] ?? '').split(';').some((s) => num(s) >= 0x800000));
    expect(bad.map((r) => `${r.i}: ${hex(w.frames[r.i])}`)).toEqual([]);
    const seen = new Set(rows.map((r) => num(r['cfm.opcode'])));
    for (const op of [1, 2, 3, 4, 5, 33, 35, 37, 42, 43, 45, 46, 47, 52, 54, 55]) expect(seen.has(op), `opcode ${op}`).toBe(true);
  });

  it('CCM (802.1Q 21.6): tag, class 1 DA, flags, first TLV offset 70, numbered, MEPID, MAID, Sender ID / Port / Interface Status TLVs', () => {
    const ccms = by(1, w.a.cfg.mac);
    expect(ccms.length).toBeGreaterThan(10);
    for (const r of ccms) {
      expect(r).toMatchObject({
        'eth.dst': '01:80:c2:00:00:34', 'vlan.id': '100', 'vlan.priority': '5', 'cfm.md.level': '4', 'cfm.version': '0',
        'cfm.first.tlv.offset': '70', 'cfm.flags.interval': '3', 'cfm.ccm.ma.ep.id': '1',
        'cfm.maid.md.name.format': '4', 'cfm.maid.md.name.string': 'Provider', 'cfm.maid.ma.name.format': '2', 'cfm.maid.ma.name.string': 'MA_A',
        'cfm.tlv.type': '1;2;4;0', 'cfm.tlv.chassis.id.subtype': '7', 'cfm.tlv.chassis.id': hex(new TextEncoder().encode('sw1')),
        'cfm.tlv.port.status.value': '2', 'cfm.tlv.port.interface.value': '1',
      });
      expect([hexNum(r['cfm.itu.txfcf']), hexNum(r['cfm.itu.rxfcb']), hexNum(r['cfm.itu.txfcb'])]).toEqual([0, 0, 0]);
    }
    // CCIsentCCMs: one more per CCM (802.1Q 20.10), no gap, no repeat
    const seqs = ccms.map((r) => num(r['cfm.ccm.seq.num']));
    seqs.slice(1).forEach((s, k) => expect(s).toBe(seqs[k] + 1));
    // RDI while set, and only then (flags 0x80)
    const rdi = ccms.filter((r) => r['cfm.flags.rdi'] === '1');
    expect(rdi.length).toBeGreaterThan(0);
    for (const r of rdi) expect(num(r['cfm.flags'])).toBe(0x80 | 3);
    // B: no TLVs but the End TLV
    for (const r of by(1, w.b.cfg.mac)) expect(r).toMatchObject({ 'cfm.tlv.type': '0', 'cfm.ccm.ma.ep.id': '2' });
  });

  it('LBM / LBR (802.1Q 21.7, 20.28): transaction id, Data / Test TLV echoed, LBR = LBM with opcode 2 and the addresses swapped', () => {
    const lbms = by(3, w.a.cfg.mac);
    expect(lbms.map((r) => r['eth.dst'])).toEqual([w.b.cfg.mac, '01:80:c2:00:00:34']);
    expect(lbms[0]).toMatchObject({ 'cfm.first.tlv.offset': '4', 'cfm.tlv.type': '3;0', 'cfm.tlv.data.value': hex(DATA) });
    expect(lbms[1]).toMatchObject({ 'cfm.tlv.type': '32;0', 'cfm.tlv.tst.test.pattern.type': '3' });
    for (const lbm of lbms) {
      const lbrs = by(2).filter((r) => r['cfm.lb.transaction.id'] === lbm['cfm.lb.transaction.id']);
      expect(lbrs.length).toBeGreaterThan(0);
      for (const lbr of lbrs) {
        expect(lbr['eth.dst']).toBe(w.a.cfg.mac);
        expect(lbr).toMatchObject({ 'cfm.md.level': '4', 'cfm.first.tlv.offset': '4', 'cfm.tlv.type': lbm['cfm.tlv.type'], 'vlan.id': '100' });
        expect(lbr['cfm.tlv.data.value']).toBe(lbm['cfm.tlv.data.value']);
        expect(lbr['cfm.tlv.tst.crc32']).toBe(lbm['cfm.tlv.tst.crc32']);
      }
    }
    // the multicast LBM is answered by the MEP of that level behind the MIP, unicast (a MIP answers unicast LBMs only)
    expect(by(2).filter((r) => r['cfm.lb.transaction.id'] === lbms[1]['cfm.lb.transaction.id']).map((r) => r['eth.src'])).toEqual([w.b.cfg.mac]);
  });

  it('LTM / LTR (802.1Q 21.8-21.9, 20.42-20.47): class 2 DA, TTL, egress identifiers, relay actions, flags, reply TLVs', () => {
    const ltms = by(5);
    const first = ltms.find((r) => r['eth.src'] === w.a.cfg.mac)!;
    expect(first).toMatchObject({
      'eth.dst': '01:80:c2:00:00:3c', 'cfm.first.tlv.offset': '17', 'cfm.lt.ttl': '64', 'cfm.flags.usefdbonly': '0',
      'cfm.ltm.orig.addr': w.a.cfg.mac, 'cfm.ltm.targ.addr': w.b.cfg.mac, 'cfm.tlv.type': '7;0',
      'cfm.tlv.ltm.egress.id.ui': '0000', 'cfm.tlv.ltm.egress.id.mac': w.sw1Mac,
    });
    // the MIP's bridge relays it with TTL - 1 and its own LTM Egress Identifier
    const relayed = ltms.find((r) => r['eth.src'] !== w.a.cfg.mac)!;
    expect(relayed).toMatchObject({ 'eth.dst': '01:80:c2:00:00:3c', 'cfm.lt.ttl': '63', 'cfm.tlv.ltm.egress.id.mac': w.sw2Mac });
    const ltrs = by(4);
    expect(ltrs.length).toBe(2);
    for (const r of ltrs) {
      expect(r).toMatchObject({ 'eth.dst': w.a.cfg.mac, 'cfm.first.tlv.offset': '6', 'cfm.md.level': '4', 'vlan.id': '100', 'cfm.lt.transaction.id': first['cfm.lt.transaction.id'] });
      expect(r['cfm.tlv.type']!.split(';')[0]).toBe('8'); // LTR Egress Identifier TLV first
    }
    const mip = ltrs.find((r) => r['eth.src'] === w.mipMac)!;
    expect(mip).toMatchObject({
      'cfm.lt.ttl': '63', 'cfm.ltr.relay.action': '2', 'cfm.flags.fwdyes': '1', 'cfm.flags.ltr.terminalmep': '0',
      'cfm.tlv.ltr.egress.last.id.mac': w.sw1Mac, 'cfm.tlv.ltr.egress.next.id.mac': w.sw2Mac,
      'cfm.tlv.reply.ingress.action': '1', 'cfm.tlv.reply.ingress.mac.address': w.mipMac, 'cfm.tlv.reply.egress.action': '1',
    });
    const target = ltrs.find((r) => r['eth.src'] === w.b.cfg.mac)!;
    expect(target).toMatchObject({
      'cfm.lt.ttl': '62', 'cfm.ltr.relay.action': '1', 'cfm.flags.fwdyes': '0', 'cfm.flags.ltr.terminalmep': '1',
      'cfm.tlv.ltr.egress.last.id.mac': w.sw2Mac, 'cfm.tlv.reply.ingress.action': '1', 'cfm.tlv.reply.ingress.mac.address': w.b.cfg.mac,
    });
  });

  it('AIS / LCK (Y.1731 9.7, 9.8): client level, its class 1 DA, period 1 s in the flags, no TLVs', () => {
    for (const op of [33, 35]) {
      const rs = by(op, w.a.cfg.mac);
      expect(rs.length, `opcode ${op}`).toBeGreaterThan(0);
      for (const r of rs) {
        expect(r).toMatchObject({ 'eth.dst': '01:80:c2:00:00:36', 'cfm.md.level': '6', 'cfm.flags.ais_lck_Period': '4', 'cfm.first.tlv.offset': '0', 'cfm.tlv.type': '0' });
      }
    }
  });

  it('CSF (Y.1731 9.21): LOS, FDI, RDI, then DCI in the type bits, period 1 s, at the MEP level', () => {
    const rs = by(52, w.a.cfg.mac);
    expect(rs.map((r) => r['cfm.csf.flags.Type'])).toEqual(['0', '1', '2', '3']);
    for (const r of rs) expect(r).toMatchObject({ 'eth.dst': '01:80:c2:00:00:34', 'cfm.md.level': '4', 'cfm.csf.flags.Period': '4', 'cfm.first.tlv.offset': '0' });
  });

  it('DMM / DMR / 1DM (Y.1731 9.14-9.16): TxTimeStampf set by the initiator, RxTimeStampf and TxTimeStampb by the responder, RxTimeStampb left 0', () => {
    const zero = '0000000000000000';
    const [dmm] = by(47, w.a.cfg.mac);
    expect(dmm).toMatchObject({ 'eth.dst': w.b.cfg.mac, 'cfm.first.tlv.offset': '32', 'cfm.odm.dmm.dmr.rxtimestampf': zero, 'cfm.dmm.dmr.txtimestampb': zero, 'cfm.dmm.dmr.rxtimestampb': zero });
    expect(dmm['cfm.odm.dmm.dmr.txtimestampf']).not.toBe(zero);
    const [dmr] = by(46, w.b.cfg.mac);
    expect(dmr).toMatchObject({ 'eth.dst': w.a.cfg.mac, 'cfm.first.tlv.offset': '32', 'cfm.odm.dmm.dmr.txtimestampf': dmm['cfm.odm.dmm.dmr.txtimestampf'], 'cfm.dmm.dmr.rxtimestampb': zero });
    expect(dmr['cfm.odm.dmm.dmr.rxtimestampf']).not.toBe(zero);
    // TxTimeStampb is not before RxTimeStampf (both the responder's clock)
    expect(BigInt(`0x${dmr['cfm.dmm.dmr.txtimestampb']}`) >= BigInt(`0x${dmr['cfm.odm.dmm.dmr.rxtimestampf']}`)).toBe(true);
    const [dm1] = by(45, w.a.cfg.mac);
    expect(dm1).toMatchObject({ 'eth.dst': w.b.cfg.mac, 'cfm.first.tlv.offset': '16', 'cfm.odm.dmm.dmr.rxtimestampf': zero });
    expect(dm1['cfm.odm.dmm.dmr.txtimestampf']).not.toBe(zero);
  });

  it('LMM / LMR (Y.1731 9.12): TxFCf echoed, RxFCf and TxFCb from the responder\'s counters, growing between the two', () => {
    const lmms = by(43, w.a.cfg.mac);
    const lmrs = by(42, w.b.cfg.mac);
    expect(lmms.length).toBe(2);
    expect(lmrs.length).toBe(2);
    lmrs.forEach((r, k) => {
      expect(r).toMatchObject({ 'eth.dst': w.a.cfg.mac, 'cfm.first.tlv.offset': '12', 'cfm.lmm.lmr.txfcf': lmms[k]['cfm.lmm.lmr.txfcf'] });
    });
    for (const r of lmms) expect([hexNum(r['cfm.lmm.lmr.rxfcf']), hexNum(r['cfm.lmm.lmr.txfcb'])]).toEqual([0, 0]);
    expect(hexNum(lmrs[1]['cfm.lmm.lmr.rxfcf'])).toBeGreaterThan(hexNum(lmrs[0]['cfm.lmm.lmr.rxfcf']));
    expect(hexNum(lmrs[1]['cfm.lmm.lmr.txfcb'])).toBeGreaterThan(hexNum(lmrs[0]['cfm.lmm.lmr.txfcb']));
    // TxFCf: the initiator's frames sent, this LMM included, one more than before the first LMM
    expect(hexNum(lmms[1]['cfm.lmm.lmr.txfcf'])).toBeGreaterThan(hexNum(lmms[0]['cfm.lmm.lmr.txfcf']));
  });

  it('SLM / SLR (Y.1731 9.22): source MEP id, responder MEP id (0 in the SLM), test id, TxFCf counting SLMs, TxFCb counting SLRs', () => {
    const slms = by(55, w.a.cfg.mac);
    const slrs = by(54, w.b.cfg.mac);
    expect(slms.map((r) => [r['cfm.slm.src_mep_id'], r['cfm.slr.rsp_mep_id'], hexNum(r['cfm.slm.test_id']), r['cfm.slm.txfcf'], r['cfm.slr.txfcb']]))
      .toEqual([['1', '0', 77, '1', '0'], ['1', '0', 77, '2', '0']]);
    expect(slrs.map((r) => [r['eth.dst'], r['cfm.slm.src_mep_id'], r['cfm.slr.rsp_mep_id'], hexNum(r['cfm.slm.test_id']), r['cfm.slm.txfcf'], r['cfm.slr.txfcb']]))
      .toEqual([[w.a.cfg.mac, '1', '2', 77, '1', '1'], [w.a.cfg.mac, '1', '2', 77, '2', '2']]);
    for (const r of [...slms, ...slrs]) expect(r['cfm.first.tlv.offset']).toBe('16');
  });

  it('TST (Y.1731 9.9, 9.3): sequence number, each Test TLV pattern type, CRC-32 of the pattern (as zlib computes it)', () => {
    const tsts = by(37, w.a.cfg.mac);
    expect(tsts.map((r) => r['cfm.tlv.tst.test.pattern.type'])).toEqual(['0', '1', '2', '3']);
    for (const r of tsts) {
      expect(r).toMatchObject({ 'eth.dst': w.b.cfg.mac, 'cfm.first.tlv.offset': '4', 'cfm.tst.sequence.num': '0', 'cfm.tlv.type': '32;0' });
      const type = num(r['cfm.tlv.tst.test.pattern.type']);
      // tshark 4.0 shows the pattern as a label only: take its bytes from the frame, at the TLV
      // tshark found (after the 4-octet sequence number) and with the length it read
      const f = w.frames[r.i];
      const tlvAt = 14 + 4 + 4 + 4; // DA SA tag EtherType, CFM header, sequence number
      const withCrc = type === 1 || type === 3;
      const patLen = num(r['cfm.tlv.length']!.split(';')[0]) - 1 - (withCrc ? 4 : 0);
      expect(f[tlvAt]).toBe(32);
      const pattern = Buffer.from(f.subarray(tlvAt + 4, tlvAt + 4 + patLen));
      expect(pattern.length).toBe(24);
      if (type === 0 || type === 1) expect(pattern.every((x) => x === 0)).toBe(true);
      else expect(pattern.some((x) => x !== 0)).toBe(true);
      if (withCrc) expect(hexNum(r['cfm.tlv.tst.crc32'])).toBe(zlibCrc32(pattern));
      else expect(r['cfm.tlv.tst.crc32']).toBeUndefined();
    }
  });
}, 60_000);

/**
 * sw1:p1 - sw2:p1, sw2:p2 - sw3:p1, level 3, ICC-based MEG ID (Y.1731 Annex A, format 32): a down
 * MEP on sw1:p1, a MIP on sw2:p1, an Up MEP on sw2:p2 (the end of the domain on that port) and
 * a level 5 MEP beyond it so sw2 learns where sw3 is. Linktrace to the Up MEP, then beyond it.
 */
function upScenario(): { frames: Uint8Array[]; a: Mep; up: Mep; mipMac: string; far: Mep } {
  const net = new SimNetwork({ seed: 5 });
  const sw1 = new SimSwitch(net, 'sw1', ['p1']);
  const sw2 = new SimSwitch(net, 'sw2', ['p1', 'p2']);
  const sw3 = new SimSwitch(net, 'sw3', ['p1']);
  net.connect('sw1:p1', 'sw2:p1');
  net.connect('sw2:p2', 'sw3:p1');
  const frames = distinctFrames(net);
  const icc = encodeMaid({ md: { format: 1 }, ma: { format: 32, name: 'GBOPS0001' } });
  const base = { level: 3, interval: 4 as const, vlan: 0, maid: icc };
  const a = sw1.addMep({ ...base, key: 'a', mepId: 1, remoteMepIds: [5], port: 'p1', direction: 'down' });
  const mip = sw2.addMip({ key: 'mip', level: 3, vlan: 0, port: 'p1' });
  const up = sw2.addMep({ ...base, key: 'up', mepId: 5, remoteMepIds: [1], port: 'p2', direction: 'up' });
  const far = sw3.addMep({ ...base, maid: MAID, level: 5, key: 'far', mepId: 9, remoteMepIds: [], port: 'p1', direction: 'down' });
  net.runMs(3000);
  ensureLt(a).start({ targetMac: up.cfg.mac, timeoutMs: 2000 });
  net.runMs(2100);
  ensureLt(a).start({ targetMac: far.cfg.mac, timeoutMs: 2000 });
  net.runMs(2100);
  return { frames, a, up, mipMac: mip.mac, far };
}

describe.skipIf(!haveTshark)('Up MEP linktrace and an ICC-based MEG ID, as Wireshark reads them', () => {
  let rows: Row[] = [];
  let w: ReturnType<typeof upScenario>;
  beforeAll(() => {
    w = upScenario();
    rows = tshark(w.frames);
  });

  it('CCMs carry MD name format 1 and the 13-octet ICC MEG ID (format 32), valid for tshark', () => {
    const ccms = rows.filter((r) => r['cfm.opcode'] === '1' && r['cfm.md.level'] === '3');
    expect(ccms.length).toBeGreaterThan(2);
    for (const r of ccms) {
      expect(r['_ws.malformed']).toBeUndefined();
      expect(r).toMatchObject({ 'cfm.maid.md.name.format': '1', 'cfm.maid.ma.name.format': '32' });
    }
  });

  it('the Up MEP target answers RlyHit + TerminalMEP with a Reply Egress TLV; the MIP before it does not forward (20.47.1)', () => {
    const [lt1, lt2] = rows.filter((r) => r['cfm.opcode'] === '5' && r['eth.src'] === w.a.cfg.mac).map((r) => r['cfm.lt.transaction.id']);
    const ltrs = (id: string | undefined) => rows.filter((r) => r['cfm.opcode'] === '4' && r['cfm.lt.transaction.id'] === id);
    const up = ltrs(lt1).find((r) => r['eth.src'] === w.up.cfg.mac)!;
    expect(up).toMatchObject({
      'eth.dst': w.a.cfg.mac, 'cfm.ltr.relay.action': '1', 'cfm.flags.ltr.terminalmep': '1', 'cfm.flags.fwdyes': '0',
      'cfm.tlv.reply.egress.action': '1', 'cfm.tlv.reply.egress.mac.address': w.up.cfg.mac,
    });
    expect(up['cfm.tlv.reply.ingress.action']).toBeUndefined();
    // beyond the Up MEP: the MIP answers once, FwdYes clear, its Reply Egress TLV names the Up MEP;
    // the LTM never leaves sw2 towards sw3
    const beyond = ltrs(lt2);
    expect(beyond.map((r) => r['eth.src'])).toEqual([w.mipMac]);
    expect(beyond[0]).toMatchObject({ 'cfm.flags.fwdyes': '0', 'cfm.ltr.relay.action': '2', 'cfm.tlv.reply.egress.mac.address': w.up.cfg.mac, 'cfm.tlv.reply.ingress.mac.address': w.mipMac });
    expect(rows.filter((r) => r['cfm.opcode'] === '5' && r['cfm.lt.transaction.id'] === lt2 && r['eth.src'] !== w.a.cfg.mac)).toEqual([]);
  });
});
