/**
 * nlmsghdr / nlattr / NLMSG_ERROR (extended ack) byte for byte, from linux/netlink.h.
 */
import { describe, expect, it } from 'vitest';
import { encodeAttrs, nest, parseAttrs, str, u16, u32, u64, u8, flag, getU64, getStr, children } from '../../src/netlink/attrs.js';
import { NLMSG_DONE, NLMSG_ERROR } from '../../src/netlink/constants.js';
import { decodeAck, encodeAck, encodeMessage, splitMessages } from '../../src/netlink/message.js';
import { NetlinkParseError } from '../../src/netlink/errors.js';
import { asciiz, hex, toHex } from './hex.js';

describe('attributes', () => {
  it('encodes each width with 4-byte padding and nests with NLA_F_NESTED', () => {
    const b = encodeAttrs([u8(1, 0xab), u16(2, 0x1234), u32(3, 0xdeadbeef), u64(4, 0x0102030405060708n), str(5, 'ab'), flag(6), nest(7, [u32(1, 1)]), nest(8, [], false)]);
    expect(toHex(b)).toBe(toHex(hex(`
      0500 0100 ab000000
      0600 0200 3412 0000
      0800 0300 efbeadde
      0c00 0400 0807060504030201
      0700 0500 616200 00
      0400 0600
      0c00 0780 0800 0100 01000000
      0400 0800
    `)));
  });

  it('parses back with the type masked to 0x3fff and the flags kept apart', () => {
    const list = parseAttrs(hex('0c00 0780 0800 0100 01000000 | 0800 0240 7f000001'));
    expect(list.map((a) => [a.type, a.nested, a.netByteOrder, a.value.length])).toEqual([[7, true, false, 8], [2, false, true, 4]]);
    expect(children(list[0]).map((a) => a.type)).toEqual([1]);
    expect(getU64(parseAttrs(hex('0c00 0400 0807060504030201'))[0])).toBe(0x0102030405060708);
    expect(getStr(parseAttrs(hex(`0800 0300 ${asciiz('br0')}`))[0])).toBe('br0');
  });

  it('a length running past the end is an error naming the place', () => {
    expect(() => parseAttrs(hex('0c00 0100 00000000'), 0, 8, 'IFLA_AF_SPEC')).toThrow(NetlinkParseError);
    expect(() => parseAttrs(hex('0c00 0100 00000000'), 0, 8, 'IFLA_AF_SPEC')).toThrow('IFLA_AF_SPEC: attribute type 1 at byte 0 has length 12, 8 bytes left');
    expect(() => parseAttrs(hex('0200 0100'))).toThrow(/length 2/);
  });
});

describe('messages', () => {
  it('header fields and nlmsg_len', () => {
    const m = encodeMessage({ type: 18, flags: 0x301, seq: 0x01020304, portId: 0 }, new Uint8Array(16), [u32(29, 0x60)]);
    expect(toHex(m.subarray(0, 16))).toBe('2800000012000103040302010000000000'.slice(0, 32));
    expect(m.length).toBe(40);
  });

  it('splits a dump datagram into its messages (aligned) and rejects a bad length', () => {
    const a = encodeMessage({ type: 16, flags: 2, seq: 5, portId: 9 }, new Uint8Array(16), [str(3, 'v0')]);
    const done = encodeMessage({ type: NLMSG_DONE, flags: 2, seq: 5, portId: 9 }, new Uint8Array(4));
    const d = new Uint8Array(a.length + done.length);
    d.set(a);
    d.set(done, a.length);
    const ms = splitMessages(d);
    expect(ms.map((m) => [m.type, m.seq, m.portId, m.payload.length])).toEqual([[16, 5, 9, 24], [NLMSG_DONE, 5, 9, 4]]);
    const bad = Uint8Array.from(a);
    new DataView(bad.buffer).setUint32(0, 999, true);
    expect(() => splitMessages(bad)).toThrow('message at byte 0 has nlmsg_len 999, 40 bytes left');
  });
});

describe('NLMSG_ERROR with extended ack', () => {
  // What the kernel sends for a bridge CFM MEP_DELETE of an unknown instance (socket without
  // NETLINK_CAP_ACK): the whole 84-byte request is echoed, then NLMSGERR_ATTR_MSG.
  const request = hex(`
    3c000000 1300 0500 01000000 00000000
    07 00 0000 04000000 00000000 00000000
    1c00 1a00 0600 0000 0200 0000 1000 0580 0c00 0280 0800 0100 92100000
  `);
  const errText = 'bridge: MEP instance does not exists';
  const uncapped = hex(`
    7c000000 0200 0002 01000000 39300000   # len 124, NLMSG_ERROR, NLM_F_ACK_TLVS, seq 1, pid 12345
    feffffff                               # error -2 (ENOENT)
    ${toHex(request)}                      # the request, echoed
    2900 0100 ${asciiz(errText)}           # NLMSGERR_ATTR_MSG (41 bytes, padded to 44)
  `);

  it('decodes errno, the echoed request header and the extack text', () => {
    expect(request.length).toBe(60);
    expect(uncapped.length).toBe(124);
    const [m] = splitMessages(uncapped);
    expect(m.type).toBe(NLMSG_ERROR);
    const ack = decodeAck(m);
    expect(ack).toEqual({ errno: 2, request: { len: 60, type: 19, flags: 5, seq: 1, portId: 0 }, extack: errText });
  });

  it('capped ack (NETLINK_CAP_ACK): only the request header is echoed', () => {
    const capped = encodeAck({ len: 60, type: 19, flags: 5, seq: 1, portId: 0 }, 2, errText, { portId: 12345 });
    expect(toHex(capped)).toBe(toHex(hex(`
      50000000 0200 0003 01000000 39300000   # len 80, NLMSG_ERROR, CAPPED|ACK_TLVS
      feffffff
      3c000000 1300 0500 01000000 00000000
      2900 0100 ${asciiz(errText)}
    `)));
    expect(decodeAck(splitMessages(capped)[0]).extack).toBe(errText);
  });

  it('the same builder reproduces the uncapped kernel bytes', () => {
    const again = encodeAck({ len: 60, type: 19, flags: 5, seq: 1, portId: 0 }, 2, errText, { capped: false, echoed: request, portId: 12345 });
    expect(toHex(again)).toBe(toHex(uncapped));
  });

  it('a positive ack is errno 0 without TLVs', () => {
    const ok = hex('24000000 0200 0001 07000000 39300000 | 00000000 | 3c000000 1300 0500 07000000 00000000');
    expect(decodeAck(splitMessages(ok)[0])).toEqual({ errno: 0, request: { len: 60, type: 19, flags: 5, seq: 7, portId: 0 }, extack: '' });
  });

  it('NLMSGERR_ATTR_OFFS points at the offending attribute', () => {
    const e = hex(`
      2c000000 0200 0003 03000000 00000000
      eaffffff
      3c000000 1300 0500 03000000 00000000
      0800 0200 34000000
    `);
    expect(decodeAck(splitMessages(e)[0])).toMatchObject({ errno: 22, extack: '', badAttrOffset: 52 });
  });
});
