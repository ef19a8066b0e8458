/**
 * Netlink numbers from the kernel's uapi headers (linux/netlink.h, linux/rtnetlink.h,
 * linux/if_link.h, linux/if_bridge.h, linux/genetlink.h). ABI: these never change.
 */

// linux/netlink.h
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;

export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_DUMP_INTR = 0x10;
/** GET requests */
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
/** NEW requests */
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Flags of an NLMSG_ERROR ack: the echoed request was cut to its header / TLVs follow. */
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
/** Attribute type without the two flag bits (the kernel's NLA_TYPE_MASK). */
export const NLA_TYPE_MASK = 0x3fff;

/** enum nlmsgerr_attrs: extended ack TLVs after the echoed request. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_MISS_TYPE = 5;

// linux/rtnetlink.h
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
/** Legacy bind() group bitmask for RTNLGRP_LINK (= group 1). */
export const RTMGRP_LINK = 0x1;
export const RTNLGRP_LINK = 1;

/** RTEXT_FILTER_* for IFLA_EXT_MASK (mainline values; 1<<7 is MST, not the vendor tree's EVENT). */
export const RTEXT_FILTER_VF = 1 << 0;
export const RTEXT_FILTER_BRVLAN = 1 << 1;
export const RTEXT_FILTER_CFM_CONFIG = 1 << 5;
export const RTEXT_FILTER_CFM_STATUS = 1 << 6;

// linux/socket.h, linux/if.h
export const AF_UNSPEC = 0;
export const AF_BRIDGE = 7;
export const IFF_UP = 0x1;
export const IFF_RUNNING = 0x40;
export const IFF_LOWER_UP = 0x10000;

// linux/if_link.h: IFLA_*
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_AF_SPEC = 26;
export const IFLA_EXT_MASK = 29;
export const IFLA_INFO_KIND = 1;

/** RFC 2863 operational states (IFLA_OPERSTATE). */
export const IF_OPER_NAMES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;

// linux/if_bridge.h
export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_CFM = 5;
export const BRIDGE_FLAGS_MASTER = 1;
export const BRIDGE_FLAGS_SELF = 2;

// linux/genetlink.h
export const GENL_HDRLEN = 4;
export const GENL_ID_CTRL = 0x10;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

/** The errno names we report (Linux x86/arm values). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM',
  13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 28: 'ENOSPC',
  34: 'ERANGE', 71: 'EPROTO', 90: 'EMSGSIZE', 93: 'EPROTONOSUPPORT', 95: 'EOPNOTSUPP',
  97: 'EAFNOSUPPORT', 105: 'ENOBUFS', 110: 'ETIMEDOUT',
};
export const EPERM = 1;
export const ENOENT = 2;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ERANGE = 34;
export const EOPNOTSUPP = 95;
export const ENOBUFS = 105;

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}
