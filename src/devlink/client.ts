/**
 * devlink over generic netlink, through the addon's netlink socket: device list, `dev info`,
 * ports, traps, trap groups and trap policers (rate / burst / counters) for CPU protection.
 * Errors are NetlinkErrors carrying the kernel's errno and extack text, e.g. EINVAL
 * "Policer rate lower than limit", ENOENT "Device did not register this trap policer".
 */
import { CfmError } from '../common/errors.js';
import { resolveFamily, openGeneric } from '../netlink/genl-client.js';
import type { GenlFamily } from '../netlink/genl.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import {
  DEVLINK_CMD,
  DEVLINK_GENL_NAME,
  type DevlinkHandle,
  type DevlinkInfo,
  type DevlinkPort,
  type Trap,
  type TrapAction,
  type TrapGroup,
  type TrapPolicer,
  decodeDev,
  decodeInfo,
  decodePort,
  decodeTrap,
  decodeTrapGroup,
  decodeTrapPolicer,
  encodeDevDump,
  encodeInfoGet,
  encodePortDump,
  encodeTrapDump,
  encodeTrapGroupDump,
  encodeTrapGroupGet,
  encodeTrapGroupSet,
  encodeTrapPolicerDump,
  encodeTrapPolicerGet,
  encodeTrapPolicerSet,
  handleString,
} from '../netlink/devlink.js';
import type { OpenOptions } from '../netlink/transport.js';
import type { NlMessage } from '../netlink/message.js';

export class DevlinkClient {
  private constructor(
    private readonly sock: NetlinkSocket,
    readonly family: GenlFamily,
    private readonly ownSocket: boolean,
  ) {}

  /**
   * Opens a generic netlink socket and resolves the devlink family. A kernel without devlink
   * (CONFIG_NET_DEVLINK off) gives CfmError('UNSUPPORTED').
   */
  static async open(opts: OpenOptions & { socket?: NetlinkSocket } = {}): Promise<DevlinkClient> {
    const sock = opts.socket ?? openGeneric(opts);
    try {
      const family = await resolveFamily(sock, DEVLINK_GENL_NAME);
      return new DevlinkClient(sock, family, !opts.socket);
    } catch (e) {
      if (!opts.socket) sock.close();
      throw e;
    }
  }

  private get id(): number {
    return this.family.id;
  }

  private async only<T>(msgs: Promise<NlMessage[]>, cmd: number, decode: (m: NlMessage) => T, what: string): Promise<T> {
    const list = (await msgs).filter((m) => m.type === this.id && m.payload[0] === cmd);
    if (list.length === 0) throw new CfmError('NETLINK', `${what}: the kernel sent no reply`);
    return decode(list[0]);
  }

  private async all<T>(msgs: Promise<NlMessage[]>, cmd: number, decode: (m: NlMessage) => T): Promise<T[]> {
    return (await msgs).filter((m) => m.type === this.id && m.payload[0] === cmd).map(decode);
  }

  async devices(): Promise<DevlinkHandle[]> {
    return this.all(this.sock.dump((s) => encodeDevDump(this.id, s), 'devlink dev list'), DEVLINK_CMD.NEW, decodeDev);
  }

  async info(h: DevlinkHandle): Promise<DevlinkInfo> {
    const what = `devlink dev info ${handleString(h)}`;
    return this.only(this.sock.request((s) => encodeInfoGet(this.id, s, h), what), DEVLINK_CMD.INFO_GET, decodeInfo, what);
  }

  async ports(h?: DevlinkHandle): Promise<DevlinkPort[]> {
    const ports = await this.all(this.sock.dump((s) => encodePortDump(this.id, s, h), 'devlink port list'), DEVLINK_CMD.PORT_NEW, decodePort);
    return h ? ports.filter((p) => p.handle.bus === h.bus && p.handle.dev === h.dev) : ports;
  }

  async traps(h: DevlinkHandle): Promise<Trap[]> {
    return this.all(this.sock.dump((s) => encodeTrapDump(this.id, s, h), `devlink trap show ${handleString(h)}`), DEVLINK_CMD.TRAP_NEW, decodeTrap);
  }

  async trapGroups(h: DevlinkHandle): Promise<TrapGroup[]> {
    return this.all(this.sock.dump((s) => encodeTrapGroupDump(this.id, s, h), `devlink trap group show ${handleString(h)}`), DEVLINK_CMD.TRAP_GROUP_NEW, decodeTrapGroup);
  }

  async trapGroup(h: DevlinkHandle, group: string): Promise<TrapGroup> {
    const what = `devlink trap group show ${handleString(h)} group ${group}`;
    return this.only(this.sock.request((s) => encodeTrapGroupGet(this.id, s, h, group), what), DEVLINK_CMD.TRAP_GROUP_NEW, decodeTrapGroup, what);
  }

  /** Binds `group` to policer `policerId` (0 unbinds); optionally sets the group's action. */
  async setTrapGroup(h: DevlinkHandle, group: string, set: { policerId?: number; action?: TrapAction }): Promise<void> {
    if (set.policerId !== undefined && (!Number.isInteger(set.policerId) || set.policerId < 0 || set.policerId > 0xffffffff)) {
      throw new CfmError('USAGE', `devlink trap group ${group}: policer id ${set.policerId} is not a u32`);
    }
    const what = `devlink trap group set ${handleString(h)} group ${group}${set.policerId !== undefined ? ` policer ${set.policerId}` : ''}`;
    await this.sock.request((s) => encodeTrapGroupSet(this.id, s, h, group, set), what);
  }

  async policers(h: DevlinkHandle): Promise<TrapPolicer[]> {
    return this.all(this.sock.dump((s) => encodeTrapPolicerDump(this.id, s, h), `devlink trap policer show ${handleString(h)}`), DEVLINK_CMD.TRAP_POLICER_NEW, decodeTrapPolicer);
  }

  async policer(h: DevlinkHandle, id: number): Promise<TrapPolicer> {
    const what = `devlink trap policer show ${handleString(h)} policer ${id}`;
    return this.only(this.sock.request((s) => encodeTrapPolicerGet(this.id, s, h, id), what), DEVLINK_CMD.TRAP_POLICER_NEW, decodeTrapPolicer, what);
  }

  /**
   * Sets a policer's rate (packets/s) and/or burst (packets). The driver's limits are enforced by
   * the kernel (EINVAL with an extack naming the limit), an unknown id is ENOENT.
   */
  async setPolicer(h: DevlinkHandle, id: number, set: { ratePps?: number; burst?: number }): Promise<void> {
    for (const [k, v] of Object.entries(set)) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new CfmError('USAGE', `devlink trap policer ${id}: ${k} ${v} is not a non-negative integer`);
    }
    const what = `devlink trap policer set ${handleString(h)} policer ${id}${set.ratePps !== undefined ? ` rate ${set.ratePps}` : ''}${set.burst !== undefined ? ` burst ${set.burst}` : ''}`;
    await this.sock.request((s) => encodeTrapPolicerSet(this.id, s, h, id, set), what);
  }

  close(): void {
    if (this.ownSocket) this.sock.close();
  }
}
