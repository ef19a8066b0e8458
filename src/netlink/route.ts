/**
 * rtnetlink helpers on a NetlinkSocket: the interface table (names <-> ifindex, master, carrier).
 */
import { AF_UNSPEC, NETLINK_ROUTE, RTM_NEWLINK } from './constants.js';
import { decodeLinkMessage, encodeGetLinkDump, linkInfo, type LinkInfo } from './rtnl.js';
import { NetlinkSocket, type SocketOptions } from './socket.js';
import { AddonTransport, type OpenOptions } from './transport.js';

/** Opens an rtnetlink socket through the addon (optionally in a netns / joined to groups). */
export function openRoute(opts: OpenOptions & SocketOptions = {}): NetlinkSocket {
  return new NetlinkSocket(new AddonTransport(NETLINK_ROUTE, opts), opts);
}

/** All interfaces (RTM_GETLINK dump, AF_UNSPEC). */
export async function listLinks(sock: NetlinkSocket): Promise<LinkInfo[]> {
  const msgs = await sock.dump((seq) => encodeGetLinkDump(seq, AF_UNSPEC), 'list interfaces (RTM_GETLINK)');
  return msgs.filter((m) => m.type === RTM_NEWLINK).map((m) => linkInfo(decodeLinkMessage(m)));
}
