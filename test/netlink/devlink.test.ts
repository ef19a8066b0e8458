/**
 * Generic netlink controller and devlink messages byte for byte (uapi linux/genetlink.h,
 * linux/devlink.h; replies as net/devlink/*.c builds them, u64s preceded by DEVLINK_ATTR_PAD).
 */
import { describe, expect, it } from 'vitest';
import { decodeFamily, encodeGetFamily } from '../../src/netlink/genl.js';
import {
  decodeInfo,
  decodePort,
  decodeTrapGroup,
  decodeTrapPolicer,
  encodeTrapGroupSet,
  encodeTrapPolicerSet,
  encodeInfoGet,
  parseHandle,
} from '../../src/netlink/devlink.js';
import { splitMessages } from '../../src/netlink/message.js';
import { detectProfile, profileForDriver } from '../../src/devlink/detect.js';
import type { DevlinkClient } from '../../src/devlink/client.js';
import { asciiz, hex, toHex } from './hex.js';

const HANDLE = `0e00 0100 ${asciiz('netdevsim')} 0f00 0200 ${asciiz('netdevsim1')}`;

describe('generic netlink controller', () => {
  it('CTRL_CMD_GETFAMILY "devlink"', () => {
    expect(toHex(encodeGetFamily(1, 'devlink'))).toBe(toHex(hex(`
      20000000 1000 0500 01000000 00000000   # len 32, GENL_ID_CTRL, REQUEST|ACK, seq 1
      03 01 0000                             # CTRL_CMD_GETFAMILY, version 1
      0c00 0200 ${asciiz('devlink')}         # CTRL_ATTR_FAMILY_NAME
    `)));
  });

  it('decodes CTRL_CMD_NEWFAMILY with its multicast groups', () => {
    const reply = hex(`
      54000000 1000 0000 01000000 39300000
      01 02 0000                               # CTRL_CMD_NEWFAMILY, version 2
      0c00 0200 ${asciiz('devlink')}
      0600 0100 1500 0000                      # FAMILY_ID u16 21
      0800 0300 01000000                       # VERSION 1
      0800 0500 b5000000                       # MAXATTR
      1c00 0700                                # MCAST_GROUPS
        1800 0100 0800 0200 05000000 0b00 0100 ${asciiz('config')}
    `);
    expect(reply.length).toBe(0x54);
    expect(decodeFamily(splitMessages(reply)[0])).toEqual({ id: 21, name: 'devlink', version: 1, maxAttr: 0xb5, groups: { config: 5 } });
  });
});

describe('devlink requests', () => {
  it('INFO_GET with the device handle', () => {
    expect(toHex(encodeInfoGet(21, 2, parseHandle('netdevsim/netdevsim1')))).toBe(toHex(hex(`
      34000000 1500 0500 02000000 00000000   # family 21, REQUEST|ACK
      33 01 0000                             # DEVLINK_CMD_INFO_GET (51)
      ${HANDLE}
    `)));
  });

  it('TRAP_POLICER_SET: id u32, rate and burst u64', () => {
    expect(toHex(encodeTrapPolicerSet(21, 3, { bus: 'netdevsim', dev: 'netdevsim1' }, 1, { ratePps: 500, burst: 64 }))).toBe(toHex(hex(`
      54000000 1500 0500 03000000 00000000
      46 01 0000                             # DEVLINK_CMD_TRAP_POLICER_SET (70)
      ${HANDLE}
      0800 8e00 01000000                     # TRAP_POLICER_ID (142)
      0c00 8f00 f401000000000000             # TRAP_POLICER_RATE (143) 500
      0c00 9000 4000000000000000             # TRAP_POLICER_BURST (144) 64
    `)));
    // omitted values are not sent (the kernel keeps them)
    expect(encodeTrapPolicerSet(21, 3, { bus: 'netdevsim', dev: 'netdevsim1' }, 1, { ratePps: 500 }).length).toBe(0x54 - 12);
  });

  it('TRAP_GROUP_SET binds a policer (0 = unbind)', () => {
    expect(toHex(encodeTrapGroupSet(21, 4, { bus: 'netdevsim', dev: 'netdevsim1' }, 'l2_drops', { policerId: 0 }))).toBe(toHex(hex(`
      4c000000 1500 0500 04000000 00000000
      42 01 0000                             # DEVLINK_CMD_TRAP_GROUP_SET (66)
      ${HANDLE}
      0d00 8700 ${asciiz('l2_drops')}        # TRAP_GROUP_NAME (135)
      0800 8e00 00000000                     # TRAP_POLICER_ID 0
    `)));
  });
});

describe('devlink replies', () => {
  it('INFO_GET reply: driver, versions in nests, no serial', () => {
    const m = hex(`
      84000000 1500 0000 02000000 39300000
      33 01 0000
      ${HANDLE}
      0e00 6200 ${asciiz('netdevsim')}         # INFO_DRIVER_NAME (98)
      2000 6500                                # INFO_VERSION_RUNNING (101)
        0c00 6700 ${asciiz('fw.mgmt')} 0d00 6800 ${asciiz('10.20.30')}
      2000 6600                                # INFO_VERSION_STORED (102)
        0c00 6700 ${asciiz('fw.mgmt')} 0d00 6800 ${asciiz('10.20.30')}
    `);
    expect(decodeInfo(splitMessages(m)[0])).toEqual({
      handle: { bus: 'netdevsim', dev: 'netdevsim1' },
      driver: 'netdevsim',
      fixed: [],
      running: [{ name: 'fw.mgmt', value: '10.20.30' }],
      stored: [{ name: 'fw.mgmt', value: '10.20.30' }],
    });
  });

  it('PORT_NEW: index, type, flavour, netdev', () => {
    const m = hex(`
      68000000 1500 0200 03000000 39300000
      07 01 0000                               # DEVLINK_CMD_PORT_NEW
      ${HANDLE}
      0800 0300 00000000                       # PORT_INDEX 0
      0600 0400 0200 0000                      # PORT_TYPE eth
      0800 0600 0b000000                       # PORT_NETDEV_IFINDEX 11
      0900 0700 ${asciiz('eth0')}              # PORT_NETDEV_NAME
      0600 4d00 0000 0000                      # PORT_FLAVOUR physical
      0800 4e00 01000000                       # PORT_NUMBER 1
    `);
    expect(decodePort(splitMessages(m)[0])).toEqual({ handle: { bus: 'netdevsim', dev: 'netdevsim1' }, index: 0, type: 'eth', flavour: 'physical', netdev: 'eth0', ifindex: 11, number: 1 });
  });

  it('TRAP_POLICER_NEW with PAD attributes before each u64 and the drop counter', () => {
    const m = hex(`
      70000000 1500 0200 04000000 39300000
      47 01 0000                               # DEVLINK_CMD_TRAP_POLICER_NEW (71)
      ${HANDLE}
      0800 8e00 01000000                       # POLICER_ID 1
      0400 3d00                                # DEVLINK_ATTR_PAD
      0c00 8f00 e803000000000000               # RATE 1000
      0400 3d00
      0c00 9000 8000000000000000               # BURST 128
      1400 8180                                # STATS (nested)
        0400 3d00
        0c00 0200 0700000000000000             # RX_DROPPED 7
    `);
    expect(decodeTrapPolicer(splitMessages(m)[0])).toEqual({ handle: { bus: 'netdevsim', dev: 'netdevsim1' }, id: 1, ratePps: 1000, burst: 128, dropped: 7 });
  });

  it('TRAP_GROUP_NEW: generic flag, bound policer, packet/byte counters', () => {
    const m = hex(`
      6c000000 1500 0200 05000000 39300000
      43 01 0000                               # DEVLINK_CMD_TRAP_GROUP_NEW (67)
      ${HANDLE}
      0d00 8700 ${asciiz('l3_drops')}
      0400 8500                                # TRAP_GENERIC flag
      0800 8e00 01000000                       # TRAP_POLICER_ID 1
      1c00 8180                                # STATS
        0c00 0000 0500000000000000             # RX_PACKETS 5
        0c00 0100 2c01000000000000             # RX_BYTES 300
    `);
    expect(decodeTrapGroup(splitMessages(m)[0])).toEqual({ handle: { bus: 'netdevsim', dev: 'netdevsim1' }, name: 'l3_drops', generic: true, policerId: 1, rxPackets: 5, rxBytes: 300 });
  });
});

describe('profile detection', () => {
  it('maps kernel driver names (either spelling) to profiles', () => {
    expect(profileForDriver('lan966x-switch')?.profile).toBe('lan966x');
    expect(profileForDriver('lan966x_switch')?.profile).toBe('lan966x');
    expect(profileForDriver('sparx5-switch')?.profile).toBe('sparx-5');
    expect(profileForDriver('netdevsim')?.profile).toBe('software');
    expect(profileForDriver('mlxsw_spectrum')).toBeUndefined();
  });

  // detectProfile only needs devices/info/ports: a stand-in with the same shape.
  function client(devs: Array<{ dev: string; driver: string }>): DevlinkClient {
    return {
      devices: async () => devs.map((d) => ({ bus: 'platform', dev: d.dev })),
      ports: async () => devs.map((d, i) => ({ handle: { bus: 'platform', dev: d.dev }, index: i, type: 'eth', flavour: 'physical', netdev: `eth${i}` })),
      info: async (h: { dev: string }) => ({ handle: { bus: 'platform', dev: h.dev }, driver: devs.find((d) => d.dev === h.dev)!.driver, fixed: [], running: [], stored: [] }),
    } as unknown as DevlinkClient;
  }

  it('detects, lets --profile win, and says so when nothing is found', async () => {
    const r = await detectProfile(client([{ dev: 'e2000000.switch', driver: 'lan966x-switch' }]));
    expect(r).toMatchObject({ profile: 'lan966x', source: 'devlink', message: 'profile lan966x: devlink device platform/e2000000.switch runs driver lan966x-switch' });
    expect(r.devices[0].ports).toEqual(['eth0']);
    expect(await detectProfile(client([{ dev: 'x', driver: 'lan966x-switch' }]), 'sparx-5')).toMatchObject({ profile: 'sparx-5', source: 'option' });
    expect(await detectProfile(client([]))).toMatchObject({ source: 'none', message: expect.stringMatching(/^no devlink device found/) });
    const unknown = await detectProfile(client([{ dev: 'x', driver: 'mlxsw_spectrum' }]));
    expect(unknown).toMatchObject({ source: 'none', message: 'no profile for driver(s) mlxsw_spectrum (platform/x); pass --profile NAME' });
    expect(unknown.profile).toBeUndefined();
  });
});
