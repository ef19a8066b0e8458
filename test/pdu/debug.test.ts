import { describe, expect, it } from 'vitest';
import { encodeFrame, renderDebug, TRUNCATE, type CfmFrame } from '../../src/pdu/index.js';
import { sampleCorpus } from '../../src/pdu/samples.js';

const corpus = sampleCorpus();
const frameOf = (name: string): CfmFrame => structuredClone(corpus.find((c) => c.name === name)!.frame);

describe('renderDebug (seed 004 debug decode)', () => {
  it('renders a valid CCM without truncation, as text and JSON', () => {
    const r = renderDebug(encodeFrame(frameOf('CCM RDI + status TLVs')), { index: 3, direction: 'rx' });
    expect(r.valid).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.text).toBe([
      '#3 rx CCM 00:00:5e:00:53:01 > 01:80:c2:00:00:35 vlan 100 pcp 7 len 101',
      '    level 5 version 0 opcode 1 flags 0x83 [RDI interval 100ms] first-tlv-offset 70',
      '    seq 2 mep-id 10 maid md "Provider" / ma "MA_VPLS_50" (md fmt 4, ma fmt 2)',
      '    tlv Port Status (2): psUp',
      '    tlv Interface Status (4): isUp',
    ].join('\n'));
    expect(r.json).toMatchObject({ index: 3, valid: true, opcodeName: 'CCM', mepId: 10, rdi: true, interval: 3, intervalName: '100ms' });
    expect(JSON.parse(JSON.stringify(r.json))).toEqual(r.json); // JSON-safe
  });

  it('truncates padded Data/Test TLVs to the padding budget', () => {
    const f = frameOf('LBM');
    f.pdu.tlvs = [{ type: 3, data: new Uint8Array(100) }, { type: 32, patternType: 1, length: 64 }];
    const r = renderDebug(encodeFrame(f));
    expect(r.truncated).toBe(true);
    expect(r.truncations).toEqual([`Data TLV: 100 bytes, ${TRUNCATE.padding} shown`, `Test TLV pattern: 64 bytes, ${TRUNCATE.padding} shown`]);
    expect(r.text).toMatch(/tlv Data \(3\) len 100: (00 ){7}00 \.\.\. \(100 bytes, truncated\)/);
    expect(r.text).toMatch(/tlv Test \(32\): null signal \+ CRC-32 64 bytes crc32 [0-9a-f]{8}: (00 ){7}00 \.\.\. \(64 bytes, truncated\)/);
  });

  it('truncates Organization-Specific TLV values and sub-field TLVs to their own budgets', () => {
    const f = frameOf('CCM');
    f.pdu.tlvs = [
      { type: 31, oui: 0x00000c, subtype: 1, value: new Uint8Array(40).fill(0xab) },
      { type: 1, chassisIdSubtype: 7, chassisId: new Uint8Array(30).fill(1), mgmtDomain: new Uint8Array(0) },
    ];
    const r = renderDebug(encodeFrame(f));
    expect(r.truncations).toEqual([
      `Organization-Specific TLV: 40 bytes, ${TRUNCATE.orgSpecific} shown`,
      `Sender ID chassis ID: 30 bytes, ${TRUNCATE.subField} shown`,
    ]);
    expect(r.text).toMatch(/tlv Organization-Specific \(31\): oui 00000c subtype 1 value (ab ){15}ab \.\.\. \(40 bytes, truncated\)/);
    expect(r.text).toMatch(/tlv Sender ID \(1\): chassis local (01 ){15}01 \.\.\. \(30 bytes, truncated\), mgmt-domain \(empty\)/);
  });

  it('renders an unknown opcode as the generic header plus a bounded hex dump', () => {
    const f = frameOf('unknown opcode 60');
    if (!('body' in f.pdu)) throw new Error('expected an unknown PDU');
    f.pdu.body = Uint8Array.from({ length: 50 }, (_, i) => i);
    const r = renderDebug(encodeFrame(f));
    expect(r.valid).toBe(true);
    expect(r.text.split('\n')[0]).toBe('opcode 60 00:00:5e:00:53:01 > 00:00:5e:00:53:02 len 68');
    expect(r.text).toMatch(/level 5 version 0 opcode 60 flags 0x00 first-tlv-offset 0\n {4}unknown opcode: body 00 01 02 .* 1f \.\.\. \(50 bytes, truncated\)/);
    expect(r.truncations).toEqual([`unknown opcode 60: 50 bytes, ${TRUNCATE.unknown} shown`]);
  });

  it('reports an invalid frame with phase, offset, reason and bytes from near the failure', () => {
    const b = encodeFrame(frameOf('CCM'));
    b[22] |= 0x20;
    const r = renderDebug(b, { index: 9 });
    expect(r.valid).toBe(false);
    expect(r.json).toMatchObject({ index: 9, valid: false, length: b.length, dst: '01:80:c2:00:00:35', src: '00:00:5e:00:53:01', error: { phase: 4, offset: 22, message: expect.stringMatching(/^MEPID 0x200a has reserved/) } });
    // the fields read before (and around) the failure, as Wireshark shows them (item 22)
    expect(r.json).toMatchObject({ level: 5, opcode: 1, opcodeName: 'CCM', firstTlvOffset: 70, seq: 1, mepId: 0x200a, maid: { maName: 'MA_VPLS_50' } });
    expect(r.text).toMatch(/\n {4}read: level 5 version 0 opcode CCM flags 0x04 first-tlv-offset 70 seq 1 mep-id 8202 maid "Provider"\/"MA_VPLS_50" \d+ TLV\(s\)/);
    expect(r.text.split('\n').slice(0, 2)).toEqual([
      '#9 INVALID 00:00:5e:00:53:01 > 01:80:c2:00:00:35 len 89',
      '    phase 4 (opcode structure) at byte 22: MEPID 0x200a has reserved (must-be-zero) bits set; decoded with all bits as 8202',
    ]);
    expect(r.text).toMatch(/bytes 14\.\.: a0 01 04 46 00 00 00 01 20 0a/);
  });

  it('lenient mode decodes the same frame and lists the warning', () => {
    const b = encodeFrame(frameOf('CCM'));
    b[22] |= 0x20;
    const r = renderDebug(b, { lenient: true });
    expect(r.valid).toBe(true);
    expect(r.text).toMatch(/mep-id 8202/);
    expect(r.text).toMatch(/warning: phase 4 at byte 22: MEPID 0x200a has reserved/);
  });

  it('renders every opcode of the corpus (no throw, opcode name in the first line)', () => {
    for (const { name, frame } of corpus) {
      const r = renderDebug(encodeFrame(frame));
      expect(r.valid, name).toBe(true);
      expect(r.text.split('\n')[0], name).toContain(name === 'GNM/BNM' ? 'GNM' : name.startsWith('unknown') ? 'opcode 60' : name.split(' ')[0]);
    }
  });
});
