/**
 * rtnetlink link messages (struct ifinfomsg: u8 family, u8 pad, u16 type, s32 index,
 * u32 flags, u32 change; linux/rtnetlink.h) and the link attributes we read.
 */
import { type Attr, type RawAttr, find, getStr, getU32, getU8, parseAttrs, u32 } from './attrs.js';
import {
  AF_UNSPEC,
  IFF_LOWER_UP,
  IFF_UP,
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MASTER,
  IFLA_OPERSTATE,
  IF_OPER_NAMES,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RTM_GETLINK,
} from './constants.js';
import { NetlinkParseError } from './errors.js';
import { encodeMessage, type NlMessage } from './message.js';

export const IFINFOMSG_LEN = 16;

export interface IfInfoMsg {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

export function encodeIfInfoMsg(h: Partial<IfInfoMsg>): Uint8Array {
  const b = new Uint8Array(IFINFOMSG_LEN);
  const dv = new DataView(b.buffer);
  dv.setUint8(0, h.family ?? AF_UNSPEC);
  dv.setUint16(2, h.type ?? 0, true);
  dv.setInt32(4, h.index ?? 0, true);
  dv.setUint32(8, h.flags ?? 0, true);
  dv.setUint32(12, h.change ?? 0, true);
  return b;
}

export function decodeIfInfoMsg(payload: Uint8Array): IfInfoMsg {
  if (payload.length < IFINFOMSG_LEN) {
    throw new NetlinkParseError(`ifinfomsg needs ${IFINFOMSG_LEN} bytes, got ${payload.length}`);
  }
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    family: dv.getUint8(0),
    type: dv.getUint16(2, true),
    index: dv.getInt32(4, true),
    flags: dv.getUint32(8, true),
    change: dv.getUint32(12, true),
  };
}

/** An RTM_NEWLINK (reply, dump part or notification) split into header and attributes. */
export interface LinkMessage {
  header: IfInfoMsg;
  attrs: RawAttr[];
}

export function decodeLinkMessage(m: NlMessage): LinkMessage {
  const header = decodeIfInfoMsg(m.payload);
  return { header, attrs: parseAttrs(m.payload, IFINFOMSG_LEN, m.payload.length, 'RTM_NEWLINK') };
}

/** What we need to know about an interface. */
export interface LinkInfo {
  index: number;
  name: string;
  /** ifindex of the master (bridge) or 0. */
  master: number;
  /** IFF_UP: administratively up. */
  up: boolean;
  /** IFF_LOWER_UP: carrier. */
  lowerUp: boolean;
  operState: string;
  mac: string | null;
  /** IFLA_LINKINFO / IFLA_INFO_KIND, e.g. 'bridge', 'veth' ('' if not reported). */
  kind: string;
}

export function macToString(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

export function linkInfo(l: LinkMessage): LinkInfo {
  const name = find(l.attrs, IFLA_IFNAME);
  const master = find(l.attrs, IFLA_MASTER);
  const oper = find(l.attrs, IFLA_OPERSTATE);
  const addr = find(l.attrs, IFLA_ADDRESS);
  const li = find(l.attrs, IFLA_LINKINFO);
  let kind = '';
  if (li) {
    const k = find(parseAttrs(li.value, 0, li.value.length, 'IFLA_LINKINFO'), IFLA_INFO_KIND);
    if (k) kind = getStr(k);
  }
  const operIdx = oper ? getU8(oper) : 0;
  return {
    index: l.header.index,
    name: name ? getStr(name) : '',
    master: master ? getU32(master) : 0,
    up: (l.header.flags & IFF_UP) !== 0,
    lowerUp: (l.header.flags & IFF_LOWER_UP) !== 0,
    operState: IF_OPER_NAMES[operIdx] ?? `oper ${operIdx}`,
    mac: addr && addr.value.length === 6 ? macToString(addr.value) : null,
    kind,
  };
}

/** IFLA_AF_SPEC nest of a link message (sent by the kernel without NLA_F_NESTED). */
export function afSpec(l: LinkMessage): RawAttr[] | undefined {
  const a = find(l.attrs, IFLA_AF_SPEC);
  return a ? parseAttrs(a.value, 0, a.value.length, 'IFLA_AF_SPEC') : undefined;
}

/** RTM_GETLINK dump for `family`, optionally with IFLA_EXT_MASK filter bits. */
export function encodeGetLinkDump(seq: number, family: number, extMask?: number): Uint8Array {
  const attrs: Attr[] = extMask !== undefined ? [u32(IFLA_EXT_MASK, extMask)] : [];
  return encodeMessage(
    { type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, portId: 0 },
    encodeIfInfoMsg({ family }),
    attrs,
  );
}
