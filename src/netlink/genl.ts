/**
 * Generic netlink (linux/genetlink.h): struct genlmsghdr { u8 cmd; u8 version; u16 reserved; }
 * after the nlmsghdr, and the controller's CTRL_CMD_GETFAMILY that turns a family name
 * ("devlink") into its dynamic message type id and multicast group ids.
 */
import { type Attr, type RawAttr, children, find, getStr, getU16, getU32, parseAttrs, str } from './attrs.js';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
} from './constants.js';
import { NetlinkParseError } from './errors.js';
import { encodeMessage, type NlMessage } from './message.js';

export interface GenlHeader {
  cmd: number;
  version: number;
}

export function encodeGenlHeader(h: GenlHeader): Uint8Array {
  return Uint8Array.of(h.cmd, h.version, 0, 0);
}

export interface GenlMessage {
  /** nlmsg_type = the family id. */
  family: number;
  header: GenlHeader;
  attrs: RawAttr[];
}

export function decodeGenl(m: NlMessage, where = 'generic netlink'): GenlMessage {
  if (m.payload.length < GENL_HDRLEN) {
    throw new NetlinkParseError(`${where}: genlmsghdr needs ${GENL_HDRLEN} bytes, got ${m.payload.length}`);
  }
  return {
    family: m.type,
    header: { cmd: m.payload[0], version: m.payload[1] },
    attrs: parseAttrs(m.payload, GENL_HDRLEN, m.payload.length, where),
  };
}

/** A generic netlink request: `dump` adds NLM_F_DUMP, otherwise NLM_F_ACK asks for an ack. */
export function encodeGenlRequest(
  family: number,
  seq: number,
  header: GenlHeader,
  attrs: Attr[],
  opts: { dump?: boolean } = {},
): Uint8Array {
  const flags = NLM_F_REQUEST | (opts.dump ? NLM_F_DUMP : NLM_F_ACK);
  return encodeMessage({ type: family, flags, seq, portId: 0 }, encodeGenlHeader(header), attrs);
}

export function encodeGetFamily(seq: number, name: string): Uint8Array {
  return encodeGenlRequest(GENL_ID_CTRL, seq, { cmd: CTRL_CMD_GETFAMILY, version: 1 }, [str(CTRL_ATTR_FAMILY_NAME, name)]);
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  maxAttr: number;
  /** Multicast group name -> id (for NETLINK_ADD_MEMBERSHIP). */
  groups: Record<string, number>;
}

/** Decodes the CTRL_CMD_NEWFAMILY reply. */
export function decodeFamily(m: NlMessage): GenlFamily {
  const g = decodeGenl(m, 'CTRL_CMD_NEWFAMILY');
  const id = find(g.attrs, CTRL_ATTR_FAMILY_ID);
  const name = find(g.attrs, CTRL_ATTR_FAMILY_NAME);
  if (!id || !name) throw new NetlinkParseError('CTRL_CMD_NEWFAMILY without FAMILY_ID or FAMILY_NAME');
  const version = find(g.attrs, CTRL_ATTR_VERSION);
  const maxAttr = find(g.attrs, CTRL_ATTR_MAXATTR);
  const groups: Record<string, number> = {};
  const mc = find(g.attrs, CTRL_ATTR_MCAST_GROUPS);
  if (mc) {
    for (const grp of children(mc, 'CTRL_ATTR_MCAST_GROUPS')) {
      const ga = children(grp, 'CTRL_ATTR_MCAST_GROUPS entry');
      const gn = find(ga, CTRL_ATTR_MCAST_GRP_NAME);
      const gi = find(ga, CTRL_ATTR_MCAST_GRP_ID);
      if (gn && gi) groups[getStr(gn)] = getU32(gi);
    }
  }
  return {
    id: getU16(id),
    name: getStr(name),
    version: version ? getU32(version) : 0,
    maxAttr: maxAttr ? getU32(maxAttr) : 0,
    groups,
  };
}
