/**
 * The kernel side of the linux-bridge backend: one bridge, reached over rtnetlink. Sends bridge
 * CFM SETLINK commands, dumps CFM config/status, lists the bridge's ports, and detects a kernel
 * without bridge CFM from its EOPNOTSUPP answer (never from a guess such as a version number).
 */
import { CfmError } from '../../common/errors.js';
import {
  AF_BRIDGE,
  EOPNOTSUPP,
  RTEXT_FILTER_CFM_CONFIG,
  RTEXT_FILTER_CFM_STATUS,
  RTM_NEWLINK,
} from '../../netlink/constants.js';
import { type BridgeCfmInfo, type CfmCommand, decodeBridgeCfm, encodeCfmSetLink } from '../../netlink/bridge-cfm.js';
import { NetlinkError } from '../../netlink/errors.js';
import { decodeLinkMessage, encodeGetLinkDump, type LinkInfo } from '../../netlink/rtnl.js';
import { listLinks } from '../../netlink/route.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import { seenLedger } from './status.js';

export const UNSUPPORTED_MESSAGE = 'this kernel has no bridge CFM (CONFIG_BRIDGE_CFM is off)';

export class BridgeCfmKernel {
  constructor(
    readonly sock: NetlinkSocket,
    readonly bridge: string,
    readonly bridgeIfindex: number,
    /** Network namespace key for the seen ledger ('' = ours). */
    readonly ns = '',
  ) {}

  /** Finds the bridge by name; a missing or non-bridge interface is a CONFIG error. */
  static async attach(sock: NetlinkSocket, bridge: string, ns = ''): Promise<{ kernel: BridgeCfmKernel; links: LinkInfo[] }> {
    const links = await listLinks(sock);
    const br = links.find((l) => l.name === bridge);
    if (!br) throw new CfmError('CONFIG', `linux-bridge: no interface '${bridge}' (create it: ip link add ${bridge} type bridge)`);
    if (br.kind !== '' && br.kind !== 'bridge') {
      throw new CfmError('CONFIG', `linux-bridge: '${bridge}' is a ${br.kind} interface, not a bridge`);
    }
    return { kernel: new BridgeCfmKernel(sock, bridge, br.index, ns), links };
  }

  /**
   * Harmless request: an empty IFLA_BRIDGE_CFM nest. A kernel with bridge CFM parses it and does
   * nothing; one without answers EOPNOTSUPP (br_cfm_parse stub), which becomes UNSUPPORTED.
   */
  async probe(): Promise<void> {
    try {
      await this.setlink([], 'probe');
    } catch (e) {
      if (e instanceof NetlinkError && e.errno === EOPNOTSUPP) {
        throw new CfmError('UNSUPPORTED', `${UNSUPPORTED_MESSAGE}: bridge CFM request on ${this.bridge} returned EOPNOTSUPP`, { cause: e });
      }
      throw e;
    }
  }

  /** One RTM_SETLINK with these commands (each at most once, run in the kernel's fixed order). */
  async setlink(commands: CfmCommand[], what?: string): Promise<void> {
    const op = `bridge CFM ${what ?? commands.map((c) => c.cmd).join('+')} on ${this.bridge}`;
    await this.sock.request((seq) => encodeCfmSetLink(seq, this.bridgeIfindex, commands), op);
  }

  /**
   * CFM config and/or status of this bridge. NOTE: any STATUS dump clears the kernel's `seen`
   * flags of every MEP on every bridge (br_cfm_status_fill_info with getlink=true).
   */
  async dump(filter: { config?: boolean; status?: boolean }): Promise<BridgeCfmInfo> {
    const mask = (filter.config ? RTEXT_FILTER_CFM_CONFIG : 0) | (filter.status ? RTEXT_FILTER_CFM_STATUS : 0);
    const msgs = await this.sock.dump((seq) => encodeGetLinkDump(seq, AF_BRIDGE, mask), `bridge CFM dump on ${this.bridge}`);
    let mine: BridgeCfmInfo | undefined;
    for (const m of msgs) {
      if (m.type !== RTM_NEWLINK) continue;
      const info = decodeBridgeCfm(decodeLinkMessage(m));
      if (!info) continue;
      // The dump cleared every bridge's seen flags: keep them for whoever owns those MEPs.
      if (filter.status) seenLedger.record(this.ns, info);
      if (info.bridgeIfindex === this.bridgeIfindex) mine = info;
    }
    if (mine) return mine;
    // The kernel omits the CFM nest while the bridge has no MEP (br_cfm_created false).
    return {
      bridgeIfindex: this.bridgeIfindex,
      mepCreate: [], mepConfig: [], ccConfig: [], rdi: [], ccmTx: [], peers: [], mepStatus: [], peerStatus: [],
    };
  }

  /** The bridge's ports (interfaces whose master is the bridge). */
  async ports(): Promise<LinkInfo[]> {
    return (await listLinks(this.sock)).filter((l) => l.master === this.bridgeIfindex);
  }
}
