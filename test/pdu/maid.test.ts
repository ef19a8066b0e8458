import { describe, expect, it } from 'vitest';
import { decodeMaid, encodeMaid, MaidError } from '../../src/pdu/maid.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('MAID', () => {
  it('encodes the OVS fixed MAID (04 03 "ovs" 02 03 "ovs" + zero padding)', () => {
    const b = encodeMaid({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' } });
    expect(hex(b)).toBe('04036f767302036f7673' + '00'.repeat(38));
    expect(decodeMaid(b)).toMatchObject({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' }, paddingZero: true });
  });

  it('encodes MD format 1 without length or name bytes', () => {
    const b = encodeMaid({ md: { format: 1 }, ma: { format: 2, name: 'MA1' } });
    expect(hex(b.subarray(0, 6))).toBe('0102034d4131');
  });

  it('round-trips every MD and MA format', () => {
    const cases = [
      { md: { format: 2, name: 'example.com' }, ma: { format: 1, vid: 100 } },
      { md: { format: 3, mac: '00:11:22:33:44:55', id: 513 }, ma: { format: 3, id: 65535 } },
      { md: { format: 4, name: 'Provider_Domain' }, ma: { format: 4, oui: 0x00a0c9, index: 7 } },
      { md: { format: 1 }, ma: { format: 32, name: 'ABCDEFGHIJKLM' } },
      { md: { format: 1 }, ma: { format: 33, name: 'GBABCDEFGHIJKLM' } },
    ] as const;
    for (const c of cases) {
      const d = decodeMaid(encodeMaid(c));
      expect(d.md).toEqual(c.md);
      expect(d.ma).toEqual(c.ma);
    }
  });

  it('rejects names that do not fit, with the sizes in the message', () => {
    expect(() => encodeMaid({ md: { format: 4, name: 'x'.repeat(43) }, ma: { format: 2, name: 'y'.repeat(10) } }))
      .toThrow(/need 57 bytes; the MAID has 48/);
    expect(() => encodeMaid({ md: { format: 4, name: 'x'.repeat(44) }, ma: { format: 2, name: 'y' } })).toThrow(MaidError);
    expect(() => encodeMaid({ md: { format: 4, name: 'md' }, ma: { format: 32, name: 'ABC' } })).toThrow(/needs MD name format 1/);
  });
});
