/**
 * Generic netlink on a NetlinkSocket: resolve a family name to its id (CTRL_CMD_GETFAMILY).
 */
import { ENOENT, NETLINK_GENERIC } from './constants.js';
import { CfmError } from '../common/errors.js';
import { NetlinkError } from './errors.js';
import { decodeFamily, encodeGetFamily, type GenlFamily } from './genl.js';
import { NetlinkSocket, type SocketOptions } from './socket.js';
import { AddonTransport, type OpenOptions } from './transport.js';

export function openGeneric(opts: OpenOptions & SocketOptions = {}): NetlinkSocket {
  return new NetlinkSocket(new AddonTransport(NETLINK_GENERIC, opts), opts);
}

/**
 * The family's id and groups. A kernel without the family answers ENOENT: that becomes
 * CfmError('UNSUPPORTED') naming the family.
 */
export async function resolveFamily(sock: NetlinkSocket, name: string): Promise<GenlFamily> {
  try {
    const replies = await sock.request((seq) => encodeGetFamily(seq, name), `resolve generic netlink family '${name}'`);
    if (replies.length === 0) throw new CfmError('NETLINK', `resolve generic netlink family '${name}': no reply`);
    return decodeFamily(replies[0]);
  } catch (e) {
    if (e instanceof NetlinkError && e.errno === ENOENT) {
      throw new CfmError('UNSUPPORTED', `this kernel has no generic netlink family '${name}'`, { cause: e });
    }
    throw e;
  }
}
