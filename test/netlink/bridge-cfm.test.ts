/**
 * Bridge CFM messages byte for byte, written down from the uapi headers (linux/netlink.h,
 * linux/rtnetlink.h, linux/if_link.h, linux/if_bridge.h) and br_cfm_netlink.c's fill functions.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeBridgeCfm,
  encodeCfmInfoNest,
  encodeCfmSetLink,
  type CfmCommand,
} from '../../src/netlink/bridge-cfm.js';
import { nest, u32 } from '../../src/netlink/attrs.js';
import { AF_BRIDGE, IFLA_AF_SPEC, IFLA_BRIDGE_CFM, IFLA_IFNAME, NLM_F_MULTI, RTM_NEWLINK } from '../../src/netlink/constants.js';
import { encodeMessage, splitMessages } from '../../src/netlink/message.js';
import { decodeLinkMessage, encodeGetLinkDump, encodeIfInfoMsg } from '../../src/netlink/rtnl.js';
import { str } from '../../src/netlink/attrs.js';
import { CfmError } from '../../src/common/errors.js';
import { asciiz, hex, toHex } from './hex.js';

describe('bridge CFM SETLINK requests', () => {
  it('MEP_CREATE to bridge ifindex 4 (the kernel needs BRIDGE_FLAGS_SELF and NLA_F_NESTED)', () => {
    const msg = encodeCfmSetLink(1, 4, [{ cmd: 'mepCreate', value: { instance: 5, domain: 0, direction: 0, ifindex: 3 } }]);
    expect(toHex(msg)).toBe(toHex(hex(`
      54000000 1300 0500 01000000 00000000   # nlmsghdr: len 84, RTM_SETLINK, REQUEST|ACK, seq 1, pid 0
      07 00 0000 04000000 00000000 00000000  # ifinfomsg: AF_BRIDGE, index 4
      3400 1a80                              # IFLA_AF_SPEC (26) | NLA_F_NESTED, 52 bytes (as libnl sets it)
        0600 0000 0200 0000                  # IFLA_BRIDGE_FLAGS u16 BRIDGE_FLAGS_SELF + 2 pad
        2800 0580                            # IFLA_BRIDGE_CFM (5) | NLA_F_NESTED
          2400 0180                          # IFLA_BRIDGE_CFM_MEP_CREATE (1) | NLA_F_NESTED
            0800 0100 05000000               # INSTANCE 5
            0800 0200 00000000               # DOMAIN BR_CFM_PORT
            0800 0300 00000000               # DIRECTION BR_CFM_MEP_DIRECTION_DOWN
            0800 0400 03000000               # IFINDEX 3
    `)));
  });

  it('CC_CCM_TX: MACs are 6 bytes, the two TLV values are u8 (padded to 4)', () => {
    const msg = encodeCfmSetLink(9, 4, [{
      cmd: 'ccmTx',
      value: { instance: 5, dmac: '01:80:c2:00:00:35', seqNoUpdate: true, periodS: 30, ifTlv: true, ifTlvValue: 1, portTlv: true, portTlvValue: 2 },
    }]);
    const body = toHex(msg.subarray(16 + 16 + 4 + 8 + 4)); // after headers, AF_SPEC, FLAGS, CFM nest header
    expect(body).toBe(toHex(hex(`
      4800 0880                  # IFLA_BRIDGE_CFM_CC_CCM_TX (8) | NESTED, 4 + 68 bytes
        0800 0100 05000000       # INSTANCE
        0a00 0200 0180c2000035 0000  # DMAC (len 10 = 4 + 6, padded)
        0800 0300 01000000       # SEQ_NO_UPDATE
        0800 0400 1e000000       # PERIOD 30 s
        0800 0500 01000000       # IF_TLV
        0500 0600 01 000000      # IF_TLV_VALUE u8
        0800 0700 01000000       # PORT_TLV
        0500 0800 02 000000      # PORT_TLV_VALUE u8
    `)));
  });

  it('CC_CONFIG always carries the full 48-byte MAID (shorter ones zero-padded)', () => {
    const msg = encodeCfmSetLink(2, 4, [{ cmd: 'ccConfig', value: { instance: 1, enable: true, expInterval: 4, expMaid: Uint8Array.of(1, 2, 3, 0x4d, 0x41, 0x31) } }]);
    const cc = msg.subarray(16 + 16 + 4 + 8 + 4);
    expect(toHex(cc.subarray(0, 40))).toBe(toHex(hex('5000 0480 | 0800 0100 01000000 | 0800 0200 01000000 | 0800 0300 04000000 | 3400 0400 0102034d4131 0000')));
    expect(cc.length).toBe(80);
  });

  it('several commands in one message keep the caller order; a command twice is refused', () => {
    const cmds: CfmCommand[] = [
      { cmd: 'mepConfig', value: { instance: 1, unicastMac: '02:00:00:00:00:01', mdLevel: 5, mepId: 10 } },
      { cmd: 'rdi', value: { instance: 1, rdi: true } },
    ];
    const msg = encodeCfmSetLink(3, 4, cmds);
    const cfm = msg.subarray(16 + 16 + 4 + 8);
    expect(toHex(cfm)).toBe(toHex(hex(`
      4000 0580                  # IFLA_BRIDGE_CFM: 4 + 40 + 20
        2800 0380  0800 0100 01000000  0a00 0200 020000000001 0000  0800 0300 05000000  0800 0400 0a000000
        1400 0780  0800 0100 01000000  0800 0200 01000000
    `)));
    expect(() => encodeCfmSetLink(4, 4, [cmds[1], cmds[1]])).toThrow(/twice/);
  });

  it('checks the kernel policy before sending: ranges, MAC syntax, MAID length, read-only nests', () => {
    const bad = (c: CfmCommand): unknown => {
      try {
        encodeCfmSetLink(1, 4, [c]);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = bad({ cmd: 'mepConfig', value: { instance: 1, unicastMac: '02:00:00:00:00:01', mdLevel: 8, mepId: 1 } });
    expect(e1).toBeInstanceOf(CfmError);
    expect((e1 as CfmError).message).toBe('bridge CFM mepConfig.mdLevel: 8 is out of range 0..7');
    expect((bad({ cmd: 'mepConfig', value: { instance: 1, unicastMac: '02:00:00:00:00:01', mdLevel: 1, mepId: 0x2000 } }) as Error).message).toMatch(/mepId: 8192 is out of range 0..8191/);
    expect((bad({ cmd: 'ccConfig', value: { instance: 1, enable: true, expInterval: 0, expMaid: new Uint8Array(48) } }) as Error).message).toMatch(/expInterval: 0 is out of range 1..7/);
    expect((bad({ cmd: 'ccConfig', value: { instance: 1, enable: true, expInterval: 4, expMaid: new Uint8Array(49) } }) as Error).message).toMatch(/at most 48 bytes/);
    expect((bad({ cmd: 'ccmTx', value: { instance: 1, dmac: '01:80:c2:00:00', seqNoUpdate: true, periodS: 1, ifTlv: false, ifTlvValue: 0, portTlv: false, portTlvValue: 0 } }) as Error).message).toMatch(/dmac: '01:80:c2:00:00' is not a MAC/);
    expect((bad({ cmd: 'ccmTx', value: { instance: 1, dmac: '01:80:c2:00:00:30', seqNoUpdate: true, periodS: 1, ifTlv: true, ifTlvValue: 256, portTlv: false, portTlvValue: 0 } }) as Error).message).toMatch(/ifTlvValue: 256 is out of range 0..255/);
    expect((bad({ cmd: 'peerStatus', value: {} as never }) as Error).message).toMatch(/read-only/);
  });
});

describe('bridge CFM read-back (RTM_GETLINK dump with the CFM filters)', () => {
  it('dump request: AF_BRIDGE + IFLA_EXT_MASK CFM_CONFIG|CFM_STATUS', () => {
    expect(toHex(encodeGetLinkDump(7, AF_BRIDGE, (1 << 5) | (1 << 6)))).toBe(toHex(hex(`
      28000000 1200 0103 07000000 00000000   # RTM_GETLINK, REQUEST|DUMP (0x301)
      07 00 0000 00000000 00000000 00000000  # ifinfomsg AF_BRIDGE
      0800 1d00 60000000                     # IFLA_EXT_MASK (29) = 0x60
    `)));
  });

  // A reply as br_fill_ifinfo builds it for the bridge itself (ifindex 4): IFLA_AF_SPEC without
  // NLA_F_NESTED, IFLA_BRIDGE_CFM and the *_INFO nests with it (nla_nest_start).
  const reply = hex(`
    d8000000 1000 0200 07000000 39300000             # len 216, RTM_NEWLINK, NLM_F_MULTI, seq 7, pid 12345
    07 00 0100 04000000 43000100 00000000            # AF_BRIDGE, type 1 (ether), index 4, UP|RUNNING|LOWER_UP
    0800 0300 ${asciiz('br0')}                       # IFLA_IFNAME "br0"
    b000 1a00                                        # IFLA_AF_SPEC (no NESTED flag), 176 bytes
      ac00 0580                                      # IFLA_BRIDGE_CFM | NESTED
        2400 0980                                    # MEP_CREATE_INFO
          0800 0100 05000000 0800 0200 00000000 0800 0300 00000000 0800 0400 03000000
        2400 0f80                                    # MEP_STATUS_INFO: instance 5, rx_level_low_seen 1
          0800 0100 05000000 0800 0200 00000000 0800 0300 00000000 0800 0400 01000000
        4c00 1080                                    # CC_PEER_STATUS_INFO
          0800 0100 05000000                         # INSTANCE 5
          0800 0200 02000000                         # PEER_MEPID 2
          0800 0300 01000000                         # CCM_DEFECT 1
          0800 0400 00000000                         # RDI 0
          0500 0500 02000000                         # PORT_TLV_VALUE u8 2
          0500 0600 01000000                         # IF_TLV_VALUE u8 1
          0800 0700 00000000                         # SEEN 0
          0800 0800 01000000                         # TLV_SEEN 1
          0800 0900 00000000                         # SEQ_UNEXP_SEEN 0
        1400 0e80 0800 0100 05000000 0800 0200 02000000   # CC_PEER_MEP_INFO: instance 5, mepid 2
  `);

  it('parses a kernel reply: flag bits masked (0x3fff), u8 TLV values, header fields', () => {
    expect(reply.length).toBe(216);
    const [m] = splitMessages(reply);
    expect(m).toMatchObject({ type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: 7, portId: 12345 });
    const l = decodeLinkMessage(m);
    expect(l.header).toEqual({ family: AF_BRIDGE, type: 1, index: 4, flags: 0x10043, change: 0 });
    const info = decodeBridgeCfm(l)!;
    expect(info.mepCreate).toEqual([{ instance: 5, domain: 0, direction: 0, ifindex: 3 }]);
    expect(info.mepStatus).toEqual([{ instance: 5, opcodeUnexpSeen: false, versionUnexpSeen: false, rxLevelLowSeen: true }]);
    expect(info.peerStatus).toEqual([{ instance: 5, peerMepId: 2, ccmDefect: true, rdi: false, portTlvValue: 2, ifTlvValue: 1, seen: false, tlvSeen: true, seqUnexpSeen: false }]);
    expect(info.peers).toEqual([{ instance: 5, mepId: 2 }]);
    expect(info.mepConfig).toEqual([]);
  });

  it('a nest missing a leaf is a parse error naming the attribute', () => {
    const partial = hex(`
      3c000000 1000 0200 07000000 39300000
      07 00 0100 04000000 00000000 00000000
      1c00 1a00 1800 0580 1400 0980 0800 0100 05000000 0800 0400 03000000
    `);
    expect(() => decodeBridgeCfm(decodeLinkMessage(splitMessages(partial)[0]))).toThrow('bridge CFM mepCreate: attribute 2 (domain) missing');
  });

  it('round-trips every INFO nest through the one table', () => {
    const cfm = nest(IFLA_BRIDGE_CFM, [
      encodeCfmInfoNest('mepCreate', { instance: 5, domain: 0, direction: 0, ifindex: 3 }),
      encodeCfmInfoNest('mepConfig', { instance: 5, unicastMac: '02:00:00:00:00:01', mdLevel: 5, mepId: 1 }),
      encodeCfmInfoNest('ccConfig', { instance: 5, enable: true, expInterval: 3, expMaid: new Uint8Array(48).fill(7) }),
      encodeCfmInfoNest('rdi', { instance: 5, rdi: false }),
      encodeCfmInfoNest('ccmTx', { instance: 5, dmac: '01:80:c2:00:00:35', seqNoUpdate: true, periodS: 30, ifTlv: false, ifTlvValue: 0, portTlv: true, portTlvValue: 2 }),
      encodeCfmInfoNest('peerMepAdd', { instance: 5, mepId: 2 }),
      encodeCfmInfoNest('peerMepAdd', { instance: 5, mepId: 3 }),
      encodeCfmInfoNest('mepStatus', { instance: 5, opcodeUnexpSeen: false, versionUnexpSeen: false, rxLevelLowSeen: true }),
      encodeCfmInfoNest('peerStatus', { instance: 5, peerMepId: 2, ccmDefect: true, rdi: false, portTlvValue: 2, ifTlvValue: 1, seen: false, tlvSeen: true, seqUnexpSeen: false }),
    ]);
    const msg = encodeMessage({ type: RTM_NEWLINK, flags: NLM_F_MULTI, seq: 1, portId: 1 }, encodeIfInfoMsg({ family: AF_BRIDGE, index: 4 }), [
      str(IFLA_IFNAME, 'br0'),
      nest(IFLA_AF_SPEC, [u32(0, 0), cfm], false),
    ]);
    const info = decodeBridgeCfm(decodeLinkMessage(splitMessages(msg)[0]))!;
    expect(info.bridgeIfindex).toBe(4);
    expect(info.mepCreate).toEqual([{ instance: 5, domain: 0, direction: 0, ifindex: 3 }]);
    expect(info.mepConfig).toEqual([{ instance: 5, unicastMac: '02:00:00:00:00:01', mdLevel: 5, mepId: 1 }]);
    expect(info.ccConfig[0].expMaid).toEqual(new Uint8Array(48).fill(7));
    expect(info.ccmTx[0]).toMatchObject({ periodS: 30, portTlv: true, portTlvValue: 2, ifTlv: false });
    expect(info.peers.map((p) => p.mepId)).toEqual([2, 3]);
    expect(info.mepStatus[0].rxLevelLowSeen).toBe(true);
    expect(info.peerStatus[0]).toEqual({ instance: 5, peerMepId: 2, ccmDefect: true, rdi: false, portTlvValue: 2, ifTlvValue: 1, seen: false, tlvSeen: true, seqUnexpSeen: false });
  });

  it('ignores ports and non-bridge messages (no CFM nest)', () => {
    const port = encodeMessage({ type: RTM_NEWLINK, flags: 0, seq: 0, portId: 0 }, encodeIfInfoMsg({ family: AF_BRIDGE, index: 3 }), [str(IFLA_IFNAME, 'v0')]);
    expect(decodeBridgeCfm(decodeLinkMessage(splitMessages(port)[0]))).toBeUndefined();
    const unspec = encodeMessage({ type: RTM_NEWLINK, flags: 0, seq: 0, portId: 0 }, encodeIfInfoMsg({ family: 0, index: 4 }), [nest(IFLA_AF_SPEC, [], false)]);
    expect(decodeBridgeCfm(decodeLinkMessage(splitMessages(unspec)[0]))).toBeUndefined();
  });
});
