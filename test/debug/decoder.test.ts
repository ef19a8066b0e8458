/**
 * Debug decode of tagged MPs (seed 004): separate fixed-limit rx/tx queues with overflow counted
 * as queue exceptions, each truncation rule, must-be-zero bits decoded with all bits, invalid and
 * untagged frames never decoded, sub-second CCMs skipped.
 */
import { describe, expect, it } from 'vitest';
import { DebugDecoder, type DebugLogEntry } from '../../src/debug/decoder.js';
import type { ResolvedTag } from '../../src/debug/tags.js';
import { encodeFrame, TRUNCATE_FOR_TEST } from './helpers.js';
import type { Pdu, Tlv } from '../../src/pdu/index.js';

const MIP: ResolvedTag = { kind: 'mip', key: 'default/swp4/100/5', switch: 'default', port: 'swp4', vlan: 100, level: 5, direction: 'both' };
const PEER = '02:00:00:00:00:01';
const ME = '02:00:00:00:04:00';

function frame(pdu: Partial<Pdu> & { opcode: number }, o: { src?: string; dst?: string; vlan?: number } = {}): Uint8Array {
  const full = { level: 5, version: 0, flags: 0, tlvs: [] as Tlv[], ...pdu } as Pdu;
  return encodeFrame({ dst: o.dst ?? ME, src: o.src ?? PEER, vlans: [{ tpid: 0x8100, pcp: 7, dei: false, vid: o.vlan ?? 100 }], pdu: full });
}
const lbm = (tlvs: Tlv[] = [], id = 1) => frame({ opcode: 3, transactionId: id, tlvs } as Partial<Pdu> & { opcode: 3 });

function decoder(o: { rxLimit?: number; txLimit?: number; tags?: ResolvedTag[] } = {}) {
  const log: DebugLogEntry[] = [];
  const d = new DebugDecoder({ tags: o.tags ?? [MIP], rxLimit: o.rxLimit ?? 8, txLimit: o.txLimit ?? 8, sink: (e) => log.push(e), schedule: 'manual' });
  return { d, log };
}

describe('debug queues', () => {
  it('counts overflow as queue exceptions, per queue, without blocking', () => {
    const { d, log } = decoder({ rxLimit: 4, txLimit: 2 });
    for (let i = 0; i < 10; i++) d.onRx('swp4', lbm([], i), i);
    for (let i = 0; i < 3; i++) d.onTx('swp4', frame({ opcode: 2, transactionId: i } as Partial<Pdu> & { opcode: 2 }, { src: ME, dst: PEER }), i);
    let st = d.stats();
    expect(st.rx).toMatchObject({ limit: 4, depth: 4, enqueued: 4, exceptions: 6, decoded: 0 });
    expect(st.tx).toMatchObject({ limit: 2, depth: 2, enqueued: 2, exceptions: 1, decoded: 0 });
    expect(d.service()).toBe(6);
    st = d.stats();
    expect(st.rx).toMatchObject({ depth: 0, decoded: 4, exceptions: 6 });
    expect(st.tx).toMatchObject({ depth: 0, decoded: 2, exceptions: 1 });
    expect(log.filter((e) => e.dir === 'rx').map((e) => e.json.transactionId)).toEqual([0, 1, 2, 3]);
    expect(log.filter((e) => e.dir === 'tx')).toHaveLength(2);
    // the queues freed: more frames fit again
    d.onRx('swp4', lbm([], 99), 99);
    expect(d.stats().rx).toMatchObject({ depth: 1, enqueued: 5 });
  });

  it('rx and tx are independent: a full rx queue does not stop tx decoding', () => {
    const { d, log } = decoder({ rxLimit: 1, txLimit: 4 });
    d.onRx('swp4', lbm(), 0);
    d.onRx('swp4', lbm(), 0);
    d.onTx('swp4', frame({ opcode: 2, transactionId: 7 } as Partial<Pdu> & { opcode: 2 }, { src: ME, dst: PEER }), 0);
    d.service();
    expect(d.stats().rx.exceptions).toBe(1);
    expect(d.stats().tx).toMatchObject({ exceptions: 0, decoded: 1 });
    expect(log.map((e) => e.dir).sort()).toEqual(['rx', 'tx']);
    expect(log.find((e) => e.dir === 'tx')!.text).toMatch(/^#\d+ \S+ tx LBR 02:00:00:00:04:00 > 02:00:00:00:00:01 vlan 100/);
  });

  it('decodes only frames of tagged MPs: port, VLAN, level and direction must match', () => {
    const { d, log } = decoder({ tags: [{ ...MIP, direction: 'rx' }] });
    d.onRx('swp3', lbm(), 0);                              // other port
    d.onRx('swp4', frame({ opcode: 3, level: 4, transactionId: 1 } as Partial<Pdu> & { opcode: 3 }), 0); // other level
    d.onRx('swp4', frame({ opcode: 3, transactionId: 1 } as Partial<Pdu> & { opcode: 3 }, { vlan: 200 }), 0); // other VLAN
    d.onTx('swp4', lbm(), 0);                              // tag is rx only
    d.onRx('swp4', lbm(), 0);                              // this one
    d.service();
    expect(log).toHaveLength(1);
    expect(d.stats().rx.enqueued).toBe(1);
    expect(d.stats().tx.enqueued).toBe(0);
  });

  it('never decodes invalid frames (multi-phase validity check)', () => {
    const { d, log } = decoder();
    const zeroSrc = lbm();
    zeroSrc.fill(0, 6, 12);                                                  // phase 1: SA zero
    const wrongNibble = frame({ opcode: 33, flags: 4 } as Partial<Pdu> & { opcode: 33 }, { dst: '01:80:c2:00:00:33' }); // phase 2
    const shortCcm = frame({ opcode: 1, flags: 4, seq: 1, mepId: 1, maid: new Uint8Array(48), txFCf: 0, rxFCb: 0, txFCb: 0 } as Partial<Pdu> & { opcode: 1 }).subarray(0, 40); // phase 3
    for (const f of [zeroSrc, wrongNibble, shortCcm]) d.onRx('swp4', f, 0);
    d.onRx('swp4', lbm(), 0);
    d.service();
    expect(d.stats().rx).toMatchObject({ enqueued: 4, invalid: 3, decoded: 1 });
    expect(log).toHaveLength(1);
    expect(log[0].text).toMatch(/ rx LBM /);
  });

  it('does not decode sub-second CCMs and spends no queue slot on them', () => {
    const { d, log } = decoder({ rxLimit: 1 });
    const ccm = (interval: number) => frame({ opcode: 1, flags: interval, seq: 1, mepId: 3, maid: Uint8Array.from([1, 2, 3, 0x4d, 0x41, 0x31, ...new Array<number>(42).fill(0)]), txFCf: 0, rxFCb: 0, txFCb: 0 } as Partial<Pdu> & { opcode: 1 }, { dst: '01:80:c2:00:00:35' });
    for (const i of [1, 2, 3]) d.onRx('swp4', ccm(i), 0);
    d.onRx('swp4', ccm(4), 0);
    d.service();
    expect(d.stats().rx).toMatchObject({ skipped: 3, exceptions: 0, decoded: 1 });
    expect(log[0].text).toMatch(/CCM .*\n.*interval 1s/);
  });
});

describe('truncation (seed 004) and MBZ', () => {
  function one(f: Uint8Array): DebugLogEntry {
    const { d, log } = decoder();
    d.onRx('swp4', f, 0);
    d.service();
    expect(log).toHaveLength(1);
    return log[0];
  }

  it('TLVs with sub-fields: each variable sub-field bounded', () => {
    const e = one(lbm([{ type: 1, chassisIdSubtype: 4, chassisId: new Uint8Array(40).fill(0xab), mgmtDomain: new Uint8Array(30).fill(1), mgmtAddress: new Uint8Array(4).fill(2) }]));
    expect(e.truncations).toEqual([
      `Sender ID chassis ID: 40 bytes, ${TRUNCATE_FOR_TEST.subField} shown`,
      `Sender ID management domain: 30 bytes, ${TRUNCATE_FOR_TEST.subField} shown`,
    ]);
    expect(e.text).toContain('(40 bytes, truncated)');
  });

  it('Organization-Specific TLV: OUI and subtype, bounded value', () => {
    const e = one(lbm([{ type: 31, oui: 0x00a0c9, subtype: 7, value: new Uint8Array(100).fill(0x55) }]));
    expect(e.truncations).toEqual([`Organization-Specific TLV: 100 bytes, ${TRUNCATE_FOR_TEST.orgSpecific} shown`]);
    expect(e.text).toMatch(/oui 00a0c9 subtype 7 value 55 55/);
  });

  it('padded Data and Test TLVs: length plus the first bytes', () => {
    const d = one(lbm([{ type: 3, data: new Uint8Array(1000).fill(0xee) }]));
    expect(d.truncations).toEqual([`Data TLV: 1000 bytes, ${TRUNCATE_FOR_TEST.padding} shown`]);
    expect(d.text).toMatch(/len 1000: (ee ){8}\.\.\. \(1000 bytes, truncated\)/);
    const t = one(lbm([{ type: 32, patternType: 1, length: 64 }]));
    expect(t.truncations).toEqual([`Test TLV pattern: 64 bytes, ${TRUNCATE_FOR_TEST.padding} shown`]);
  });

  it('unknown opcode: generic header and a bounded hex dump', () => {
    const e = one(frame({ opcode: 99, firstTlvOffset: 0, body: new Uint8Array(80).map((_, i) => i) } as unknown as Partial<Pdu> & { opcode: 99 }));
    expect(e.text).toMatch(/level 5 version 0 opcode 99 flags 0x00/);
    expect(e.truncations).toEqual([`unknown opcode 99: 80 bytes, ${TRUNCATE_FOR_TEST.unknown} shown`]);
    expect(e.text).toMatch(/body 00 01 02 .* 1f \.\.\. \(80 bytes, truncated\)/);
  });

  it('MEP-ID with violated MBZ bits is decoded with all 16 bits', () => {
    const f = frame({ opcode: 1, flags: 4, seq: 9, mepId: 1, maid: Uint8Array.from([1, 2, 3, 0x4d, 0x41, 0x31, ...new Array<number>(42).fill(0)]), txFCf: 0, rxFCb: 0, txFCb: 0 } as Partial<Pdu> & { opcode: 1 }, { dst: '01:80:c2:00:00:35' });
    // MEP-ID at PDU offset 8: frame offset 18 (DA+SA+tag+type) + 8
    f[26] = 0xe0;
    f[27] = 0x05;
    const e = one(f);
    expect(e.text).toContain(`mep-id ${0xe005}`);
    expect(e.text).toMatch(/warning: phase 4 .*reserved \(must-be-zero\) bits/);
  });
});

describe('sinks', () => {
  it('ring keeps the newest entries; files get text blocks and JSON lines', async () => {
    const { RingLog, jsonLinesSink, textFileSink } = await import('../../src/debug/sinks.js');
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cfm-dbg-'));
    try {
      const ring = new RingLog(2);
      const text = join(dir, 'debug.log');
      const jl = join(dir, 'debug.jsonl');
      const t = textFileSink(text);
      const j = jsonLinesSink(jl);
      const d = new DebugDecoder({ tags: [MIP], sink: (e) => { ring.sink(e); t(e); j(e); }, schedule: 'manual' });
      for (let i = 0; i < 3; i++) d.onRx('swp4', lbm([], i), i);
      d.service();
      expect(ring.entries().map((e) => e.json.transactionId)).toEqual([1, 2]);
      expect(readFileSync(text, 'utf8').split('\n\n').filter(Boolean)).toHaveLength(3);
      const lines = readFileSync(jl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { dir: string; frame: { opcodeName: string } });
      expect(lines.map((l) => `${l.dir} ${l.frame.opcodeName}`)).toEqual(['rx LBM', 'rx LBM', 'rx LBM']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
