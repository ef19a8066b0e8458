/**
 * devlink generic netlink messages (uapi linux/devlink.h, net/devlink/*.c): device and port
 * listing, `dev info`, and the trap / trap group / trap policer objects used for CPU protection.
 * Every request carries the device handle (DEVLINK_ATTR_BUS_NAME + DEVLINK_ATTR_DEV_NAME).
 * u64 values (rates, counters) may be preceded by a DEVLINK_ATTR_PAD for 8-byte alignment
 * (nla_put_u64_64bit); the parser simply skips unknown types.
 */
import { type Attr, type RawAttr, children, find, getStr, getU16, getU32, getU64, getU8, str, u32, u64, u8 } from './attrs.js';
import { NetlinkParseError } from './errors.js';
import { decodeGenl, encodeGenlRequest } from './genl.js';
import type { NlMessage } from './message.js';

export const DEVLINK_GENL_NAME = 'devlink';
export const DEVLINK_GENL_VERSION = 1;

/** enum devlink_command (subset). */
export const DEVLINK_CMD = {
  GET: 1,
  NEW: 3,
  PORT_GET: 5,
  PORT_NEW: 7,
  INFO_GET: 51,
  TRAP_GET: 61,
  TRAP_SET: 62,
  TRAP_NEW: 63,
  TRAP_GROUP_GET: 65,
  TRAP_GROUP_SET: 66,
  TRAP_GROUP_NEW: 67,
  TRAP_POLICER_GET: 69,
  TRAP_POLICER_SET: 70,
  TRAP_POLICER_NEW: 71,
} as const;

/** enum devlink_attr (subset). */
export const DEVLINK_ATTR = {
  BUS_NAME: 1,
  DEV_NAME: 2,
  PORT_INDEX: 3,
  PORT_TYPE: 4,
  PORT_NETDEV_IFINDEX: 6,
  PORT_NETDEV_NAME: 7,
  PAD: 61,
  PORT_FLAVOUR: 77,
  PORT_NUMBER: 78,
  INFO_DRIVER_NAME: 98,
  INFO_SERIAL_NUMBER: 99,
  INFO_VERSION_FIXED: 100,
  INFO_VERSION_RUNNING: 101,
  INFO_VERSION_STORED: 102,
  INFO_VERSION_NAME: 103,
  INFO_VERSION_VALUE: 104,
  STATS: 129,
  TRAP_NAME: 130,
  TRAP_ACTION: 131,
  TRAP_TYPE: 132,
  TRAP_GENERIC: 133,
  TRAP_GROUP_NAME: 135,
  TRAP_POLICER_ID: 142,
  TRAP_POLICER_RATE: 143,
  TRAP_POLICER_BURST: 144,
} as const;

/** Inside DEVLINK_ATTR_STATS. */
export const DEVLINK_STATS = { RX_PACKETS: 0, RX_BYTES: 1, RX_DROPPED: 2 } as const;

export const TRAP_ACTIONS = ['drop', 'trap', 'mirror'] as const;
export type TrapAction = (typeof TRAP_ACTIONS)[number];
export const TRAP_TYPES = ['drop', 'exception', 'control'] as const;
export const PORT_FLAVOURS = ['physical', 'cpu', 'dsa', 'pci_pf', 'pci_vf', 'virtual', 'unused', 'pci_sf'] as const;
export const PORT_TYPES = ['notset', 'auto', 'eth', 'ib'] as const;

/** A devlink instance: "bus/dev", e.g. netdevsim/netdevsim1 or pci/0000:03:00.0. */
export interface DevlinkHandle {
  bus: string;
  dev: string;
}

export function handleString(h: DevlinkHandle): string {
  return `${h.bus}/${h.dev}`;
}

export function parseHandle(s: string): DevlinkHandle {
  const i = s.indexOf('/');
  if (i <= 0 || i === s.length - 1) throw new NetlinkParseError(`'${s}' is not a devlink handle (bus/dev)`);
  return { bus: s.slice(0, i), dev: s.slice(i + 1) };
}

function handleAttrs(h: DevlinkHandle): Attr[] {
  return [str(DEVLINK_ATTR.BUS_NAME, h.bus), str(DEVLINK_ATTR.DEV_NAME, h.dev)];
}

function req(family: number, seq: number, cmd: number, attrs: Attr[], dump = false): Uint8Array {
  return encodeGenlRequest(family, seq, { cmd, version: DEVLINK_GENL_VERSION }, attrs, { dump });
}

// ---- requests ---------------------------------------------------------------------------

export function encodeDevDump(family: number, seq: number): Uint8Array {
  return req(family, seq, DEVLINK_CMD.GET, [], true);
}

export function encodeInfoGet(family: number, seq: number, h: DevlinkHandle): Uint8Array {
  return req(family, seq, DEVLINK_CMD.INFO_GET, handleAttrs(h));
}

export function encodePortDump(family: number, seq: number, h?: DevlinkHandle): Uint8Array {
  return req(family, seq, DEVLINK_CMD.PORT_GET, h ? handleAttrs(h) : [], true);
}

export function encodeTrapDump(family: number, seq: number, h: DevlinkHandle): Uint8Array {
  return req(family, seq, DEVLINK_CMD.TRAP_GET, handleAttrs(h), true);
}

export function encodeTrapGroupDump(family: number, seq: number, h: DevlinkHandle): Uint8Array {
  return req(family, seq, DEVLINK_CMD.TRAP_GROUP_GET, handleAttrs(h), true);
}

export function encodeTrapGroupGet(family: number, seq: number, h: DevlinkHandle, group: string): Uint8Array {
  return req(family, seq, DEVLINK_CMD.TRAP_GROUP_GET, [...handleAttrs(h), str(DEVLINK_ATTR.TRAP_GROUP_NAME, group)]);
}

/** Bind a trap group to a policer (0 = unbind) and/or set the group's action. */
export function encodeTrapGroupSet(
  family: number,
  seq: number,
  h: DevlinkHandle,
  group: string,
  set: { policerId?: number; action?: TrapAction },
): Uint8Array {
  const attrs = [...handleAttrs(h), str(DEVLINK_ATTR.TRAP_GROUP_NAME, group)];
  if (set.action !== undefined) attrs.push(u8(DEVLINK_ATTR.TRAP_ACTION, TRAP_ACTIONS.indexOf(set.action)));
  if (set.policerId !== undefined) attrs.push(u32(DEVLINK_ATTR.TRAP_POLICER_ID, set.policerId));
  return req(family, seq, DEVLINK_CMD.TRAP_GROUP_SET, attrs);
}

export function encodeTrapPolicerDump(family: number, seq: number, h: DevlinkHandle): Uint8Array {
  return req(family, seq, DEVLINK_CMD.TRAP_POLICER_GET, handleAttrs(h), true);
}

export function encodeTrapPolicerGet(family: number, seq: number, h: DevlinkHandle, id: number): Uint8Array {
  return req(family, seq, DEVLINK_CMD.TRAP_POLICER_GET, [...handleAttrs(h), u32(DEVLINK_ATTR.TRAP_POLICER_ID, id)]);
}

/** Rate in packets/s, burst in packets; omitted = unchanged (the kernel keeps the old value). */
export function encodeTrapPolicerSet(
  family: number,
  seq: number,
  h: DevlinkHandle,
  id: number,
  set: { ratePps?: number; burst?: number },
): Uint8Array {
  const attrs = [...handleAttrs(h), u32(DEVLINK_ATTR.TRAP_POLICER_ID, id)];
  if (set.ratePps !== undefined) attrs.push(u64(DEVLINK_ATTR.TRAP_POLICER_RATE, set.ratePps));
  if (set.burst !== undefined) attrs.push(u64(DEVLINK_ATTR.TRAP_POLICER_BURST, set.burst));
  return req(family, seq, DEVLINK_CMD.TRAP_POLICER_SET, attrs);
}

// ---- replies ----------------------------------------------------------------------------

function handleOf(attrs: RawAttr[], where: string): DevlinkHandle {
  const bus = find(attrs, DEVLINK_ATTR.BUS_NAME);
  const dev = find(attrs, DEVLINK_ATTR.DEV_NAME);
  if (!bus || !dev) throw new NetlinkParseError(`${where}: no BUS_NAME/DEV_NAME handle`);
  return { bus: getStr(bus), dev: getStr(dev) };
}

function optStr(attrs: RawAttr[], type: number): string | undefined {
  const a = find(attrs, type);
  return a ? getStr(a) : undefined;
}

export interface DevlinkStats {
  rxPackets?: number;
  rxBytes?: number;
  rxDropped?: number;
}

function statsOf(attrs: RawAttr[]): DevlinkStats {
  const s = find(attrs, DEVLINK_ATTR.STATS);
  if (!s) return {};
  const c = children(s, 'DEVLINK_ATTR_STATS');
  const out: DevlinkStats = {};
  const p = find(c, DEVLINK_STATS.RX_PACKETS);
  const b = find(c, DEVLINK_STATS.RX_BYTES);
  const d = find(c, DEVLINK_STATS.RX_DROPPED);
  if (p) out.rxPackets = getU64(p);
  if (b) out.rxBytes = getU64(b);
  if (d) out.rxDropped = getU64(d);
  return out;
}

export function decodeDev(m: NlMessage): DevlinkHandle {
  return handleOf(decodeGenl(m, 'DEVLINK_CMD_NEW').attrs, 'DEVLINK_CMD_NEW');
}

export interface DevlinkVersion {
  name: string;
  value: string;
}

export interface DevlinkInfo {
  handle: DevlinkHandle;
  driver: string;
  serial?: string;
  fixed: DevlinkVersion[];
  running: DevlinkVersion[];
  stored: DevlinkVersion[];
}

export function decodeInfo(m: NlMessage): DevlinkInfo {
  const { attrs } = decodeGenl(m, 'DEVLINK_CMD_INFO_GET reply');
  const versions = (type: number): DevlinkVersion[] =>
    attrs.filter((a) => a.type === type).map((a) => {
      const c = children(a, 'DEVLINK_ATTR_INFO_VERSION');
      return { name: optStr(c, DEVLINK_ATTR.INFO_VERSION_NAME) ?? '', value: optStr(c, DEVLINK_ATTR.INFO_VERSION_VALUE) ?? '' };
    });
  const driver = optStr(attrs, DEVLINK_ATTR.INFO_DRIVER_NAME);
  if (driver === undefined) throw new NetlinkParseError('DEVLINK_CMD_INFO_GET reply without INFO_DRIVER_NAME');
  const info: DevlinkInfo = {
    handle: handleOf(attrs, 'DEVLINK_CMD_INFO_GET reply'),
    driver,
    fixed: versions(DEVLINK_ATTR.INFO_VERSION_FIXED),
    running: versions(DEVLINK_ATTR.INFO_VERSION_RUNNING),
    stored: versions(DEVLINK_ATTR.INFO_VERSION_STORED),
  };
  const serial = optStr(attrs, DEVLINK_ATTR.INFO_SERIAL_NUMBER);
  if (serial !== undefined) info.serial = serial;
  return info;
}

export interface DevlinkPort {
  handle: DevlinkHandle;
  index: number;
  type: string;
  flavour: string;
  netdev?: string;
  ifindex?: number;
  number?: number;
}

export function decodePort(m: NlMessage): DevlinkPort {
  const { attrs } = decodeGenl(m, 'DEVLINK_CMD_PORT_NEW');
  const idx = find(attrs, DEVLINK_ATTR.PORT_INDEX);
  if (!idx) throw new NetlinkParseError('DEVLINK_CMD_PORT_NEW without PORT_INDEX');
  const t = find(attrs, DEVLINK_ATTR.PORT_TYPE);
  const f = find(attrs, DEVLINK_ATTR.PORT_FLAVOUR);
  const port: DevlinkPort = {
    handle: handleOf(attrs, 'DEVLINK_CMD_PORT_NEW'),
    index: getU32(idx),
    type: t ? PORT_TYPES[getU16(t)] ?? `type ${getU16(t)}` : 'notset',
    flavour: f ? PORT_FLAVOURS[getU16(f)] ?? `flavour ${getU16(f)}` : 'physical',
  };
  const nd = optStr(attrs, DEVLINK_ATTR.PORT_NETDEV_NAME);
  if (nd !== undefined) port.netdev = nd;
  const ifi = find(attrs, DEVLINK_ATTR.PORT_NETDEV_IFINDEX);
  if (ifi) port.ifindex = getU32(ifi);
  const num = find(attrs, DEVLINK_ATTR.PORT_NUMBER);
  if (num) port.number = getU32(num);
  return port;
}

export interface TrapPolicer {
  handle: DevlinkHandle;
  id: number;
  ratePps: number;
  burst: number;
  /** Packets this policer dropped (DEVLINK_ATTR_STATS_RX_DROPPED), when the driver reports it. */
  dropped?: number;
}

export function decodeTrapPolicer(m: NlMessage): TrapPolicer {
  const { attrs } = decodeGenl(m, 'DEVLINK_CMD_TRAP_POLICER_NEW');
  const id = find(attrs, DEVLINK_ATTR.TRAP_POLICER_ID);
  const rate = find(attrs, DEVLINK_ATTR.TRAP_POLICER_RATE);
  const burst = find(attrs, DEVLINK_ATTR.TRAP_POLICER_BURST);
  if (!id || !rate || !burst) throw new NetlinkParseError('DEVLINK_CMD_TRAP_POLICER_NEW without ID/RATE/BURST');
  const p: TrapPolicer = { handle: handleOf(attrs, 'trap policer'), id: getU32(id), ratePps: getU64(rate), burst: getU64(burst) };
  const st = statsOf(attrs);
  if (st.rxDropped !== undefined) p.dropped = st.rxDropped;
  return p;
}

export interface TrapGroup {
  handle: DevlinkHandle;
  name: string;
  generic: boolean;
  /** Bound policer id, 0 = none. */
  policerId: number;
  rxPackets: number;
  rxBytes: number;
}

export function decodeTrapGroup(m: NlMessage): TrapGroup {
  const { attrs } = decodeGenl(m, 'DEVLINK_CMD_TRAP_GROUP_NEW');
  const name = optStr(attrs, DEVLINK_ATTR.TRAP_GROUP_NAME);
  if (name === undefined) throw new NetlinkParseError('DEVLINK_CMD_TRAP_GROUP_NEW without TRAP_GROUP_NAME');
  const pol = find(attrs, DEVLINK_ATTR.TRAP_POLICER_ID);
  const st = statsOf(attrs);
  return {
    handle: handleOf(attrs, 'trap group'),
    name,
    generic: find(attrs, DEVLINK_ATTR.TRAP_GENERIC) !== undefined,
    policerId: pol ? getU32(pol) : 0,
    rxPackets: st.rxPackets ?? 0,
    rxBytes: st.rxBytes ?? 0,
  };
}

export interface Trap {
  handle: DevlinkHandle;
  name: string;
  group: string;
  type: string;
  action: string;
  generic: boolean;
  rxPackets: number;
  rxBytes: number;
}

export function decodeTrap(m: NlMessage): Trap {
  const { attrs } = decodeGenl(m, 'DEVLINK_CMD_TRAP_NEW');
  const name = optStr(attrs, DEVLINK_ATTR.TRAP_NAME);
  const group = optStr(attrs, DEVLINK_ATTR.TRAP_GROUP_NAME);
  if (name === undefined || group === undefined) throw new NetlinkParseError('DEVLINK_CMD_TRAP_NEW without TRAP_NAME/GROUP_NAME');
  const t = find(attrs, DEVLINK_ATTR.TRAP_TYPE);
  const a = find(attrs, DEVLINK_ATTR.TRAP_ACTION);
  const st = statsOf(attrs);
  return {
    handle: handleOf(attrs, 'trap'),
    name,
    group,
    type: t ? TRAP_TYPES[getU8(t)] ?? `type ${getU8(t)}` : 'unknown',
    action: a ? TRAP_ACTIONS[getU8(a)] ?? `action ${getU8(a)}` : 'unknown',
    generic: find(attrs, DEVLINK_ATTR.TRAP_GENERIC) !== undefined,
    rxPackets: st.rxPackets ?? 0,
    rxBytes: st.rxBytes ?? 0,
  };
}
