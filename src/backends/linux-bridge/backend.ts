/**
 * The Linux kernel bridge CFM backend (CONFIG_BRIDGE_CFM, net/bridge/br_cfm*.c): VOEs are the
 * kernel's MEP instances on one bridge. The kernel transmits CCMs and watches peers (LOC after
 * 3.25 intervals, RDI); we program it over rtnetlink and read everything back from it.
 *
 * - Handles are the kernel's MEP instance numbers (see keymap.ts for how keys map to them).
 * - CCM transmission stops by itself after PERIOD seconds (cfm-facts 1.3): a keep-alive timer
 *   re-sends the identical CC_CCM_TX every period/3, which only extends the end time. If this
 *   process dies, the kernel stops sending within PERIOD seconds and the peers see LOC.
 * - Events: RTNLGRP_LINK notifications (sent on each ccm_defect change) plus a status dump on
 *   every pollEvents(), so RDI changes are noticed too.
 */
import { CfmError } from '../../common/errors.js';
import { RealClock, type Clock, type TimerHandle } from '../../common/clock.js';
import { INTERVAL_CODES } from '../../common/interval.js';
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import { RTMGRP_LINK, RTM_NEWLINK } from '../../netlink/constants.js';
import { decodeBridgeCfm, type CfmCommand } from '../../netlink/bridge-cfm.js';
import { decodeLinkMessage, type LinkInfo } from '../../netlink/rtnl.js';
import { openRoute } from '../../netlink/route.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import type { Backend, BackendCapabilities, HwEvent, VoeSpec, VoeState, VoeStatus } from '../types.js';
import { BridgeCfmKernel } from './kernel.js';
import { KeyMap, foreignKey } from './keymap.js';
import { MIN_INTERVAL, ccConfigOf, ccmTxOf, createCommands, mepConfigOf, sameMaid, specFromKernel, validateSpec } from './spec.js';
import { StatusTracker, seenLedger } from './status.js';

export interface LinuxBridgeOptions {
  /** The bridge whose ports get MEPs. */
  bridge: string;
  /** Network namespace (name under /run/netns, or a path such as /proc/<pid>/ns/net). */
  netns?: string;
  /** CCM_TX PERIOD in seconds (default 30): how long the kernel keeps sending without us. */
  ccmTxPeriodS?: number;
  /** JSON file for the instance -> key map (default: in memory only). */
  keyMapPath?: string;
  /** CPU frame path to expose as `frames` (e.g. a software backend's AF_PACKET port). */
  frames?: FramePort;
  clock?: Clock;
  /** Sockets to use instead of opening them (tests, or sharing): requests and notifications. */
  sockets?: { request: NetlinkSocket; events: NetlinkSocket };
}

/** When no CPU path is given: frames cannot be sent; nothing is ever received. */
class NoFrames implements FramePort {
  send(port: string, _frame: Uint8Array, _towards?: FrameDirection): void {
    throw new CfmError('UNSUPPORTED', `linux-bridge: no CPU frame path configured (cannot send on ${port}); pass options.frames`);
  }
  onReceive(_handler: (rx: FrameRx) => void): () => void {
    return () => undefined;
  }
}

interface Owned {
  spec: VoeSpec;
  keepAlive: TimerHandle | undefined;
}

export class LinuxBridgeBackend implements Backend {
  readonly kind = 'linux-bridge';
  readonly frames: FramePort;
  private readonly owned = new Map<number, Owned>();
  private readonly tracker: StatusTracker;
  private readonly pending: HwEvent[] = [];
  private readonly keys: KeyMap;
  private readonly clock: Clock;
  private readonly periodS: number;
  private portLinks: LinkInfo[];
  private readonly unsubscribe: Array<() => void> = [];
  private needResync = false;
  private closed = false;

  private constructor(
    private readonly kernel: BridgeCfmKernel,
    private readonly events: NetlinkSocket,
    links: LinkInfo[],
    private readonly opts: LinuxBridgeOptions,
    private readonly ownSockets: boolean,
  ) {
    this.frames = opts.frames ?? new NoFrames();
    this.tracker = new StatusTracker(kernel.ns, kernel.bridgeIfindex);
    this.clock = opts.clock ?? new RealClock();
    this.periodS = opts.ccmTxPeriodS ?? 30;
    this.keys = new KeyMap(kernel.bridge, opts.keyMapPath);
    this.portLinks = links.filter((l) => l.master === kernel.bridgeIfindex);
    this.unsubscribe.push(events.onNotification((m) => {
      if (m.type !== RTM_NEWLINK) return;
      try {
        const l = decodeLinkMessage(m);
        const info = decodeBridgeCfm(l);
        if (info) seenLedger.record(this.kernel.ns, info);
        if (info && info.bridgeIfindex === this.kernel.bridgeIfindex) {
          this.pending.push(...this.tracker.ingest(info.mepStatus, info.peerStatus, this.ownedSet(), this.clock.nowNs()));
        } else if (l.header.family === 0 && !info) {
          this.refreshPortFromNotification(l.header.index);
        }
      } catch {
        this.needResync = true; // a notification we cannot parse: re-read state on the next poll
      }
    }));
    this.unsubscribe.push(events.onOverrun(() => {
      this.needResync = true;
    }));
  }

  /**
   * Opens the backend on `bridge`. Throws CfmError('UNSUPPORTED') when the kernel lacks bridge
   * CFM (detected from EOPNOTSUPP), CONFIG when the bridge does not exist.
   */
  static async open(opts: LinuxBridgeOptions): Promise<LinuxBridgeBackend> {
    const own = !opts.sockets;
    const request = opts.sockets?.request ?? openRoute({ netns: opts.netns });
    let events: NetlinkSocket | undefined;
    try {
      const { kernel, links } = await BridgeCfmKernel.attach(request, opts.bridge, opts.netns ?? '');
      await kernel.probe();
      events = opts.sockets?.events ?? openRoute({ netns: opts.netns, groups: RTMGRP_LINK });
      const b = new LinuxBridgeBackend(kernel, events, links, opts, own);
      await b.adoptExisting();
      return b;
    } catch (e) {
      if (own) {
        request.close();
        events?.close();
      }
      throw e;
    }
  }

  /** Instances already in the kernel whose key we know get their keep-alive back. */
  private async adoptExisting(): Promise<void> {
    const info = await this.kernel.dump({ config: true });
    const present = new Set(info.mepCreate.map((c) => c.instance));
    this.keys.retain(present);
    for (const inst of present) {
      const key = this.keys.keyOf(inst);
      if (key === undefined) continue;
      const spec = specFromKernel(info, inst, (i) => this.portName(i), key, 7);
      if (!spec) continue;
      this.owned.set(inst, { spec, keepAlive: undefined });
      this.tracker.add(inst);
      this.armKeepAlive(inst);
    }
  }

  capabilities(): BackendCapabilities {
    const realistic = INTERVAL_CODES.filter((c) => c >= MIN_INTERVAL);
    return {
      kind: 'linux-bridge',
      description: `Linux kernel bridge CFM on ${this.kernel.bridge} (software timers in the kernel; untagged port Down-MEPs, CCM only)`,
      // One port MEP per bridge port ("Only one Port MEP on a port allowed").
      portVoes: this.portLinks.length,
      serviceVoes: 0,
      // Jiffy timers: 3.33 ms and 10 ms are accepted but LOC runs far slower than nominal.
      txIntervals: realistic,
      rxIntervals: realistic,
      // No limit in the kernel; a bound keeps the planner honest about one MEP's peer list.
      peersPerVoe: 64,
      upMep: false,
      vlanMep: false,
      ccmTxMode: 'hardware',
      loopbackOffload: false,
      linktraceOffload: false,
      policers: 0,
      frameIo: this.opts.frames !== undefined,
    };
  }

  ports(): string[] {
    return this.portLinks.map((l) => l.name);
  }

  private portName(ifindex: number): string {
    return this.portLinks.find((l) => l.index === ifindex)?.name ?? `ifindex ${ifindex}`;
  }

  private portIndex(name: string): number {
    const l = this.portLinks.find((x) => x.name === name);
    if (!l) throw new CfmError('BACKEND', `linux-bridge: '${name}' is not a port of ${this.kernel.bridge}`);
    return l.index;
  }

  private ownedSet(): Set<number> {
    return new Set(this.owned.keys());
  }

  private async refreshPorts(): Promise<void> {
    this.portLinks = await this.kernel.ports();
  }

  private refreshPortFromNotification(_ifindex: number): void {
    // Port membership changes are rare; re-read lazily on the next call that needs ports.
    this.needResync = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new CfmError('BACKEND', 'linux-bridge: backend is closed');
  }

  private owner(handle: number): Owned {
    const o = this.owned.get(handle);
    if (!o) throw new CfmError('BACKEND', `linux-bridge: no VOE with handle ${handle} on ${this.kernel.bridge}`);
    return o;
  }

  async listVoes(): Promise<VoeState[]> {
    this.assertOpen();
    await this.refreshPorts();
    const info = await this.kernel.dump({ config: true });
    const present = new Set(info.mepCreate.map((c) => c.instance));
    // MEPs the kernel dropped (their port left the bridge) are no longer ours.
    for (const inst of [...this.owned.keys()]) if (!present.has(inst)) this.drop(inst);
    const out: VoeState[] = [];
    for (const c of info.mepCreate) {
      const mine = this.owned.get(c.instance);
      const key = mine?.spec.key ?? this.keys.keyOf(c.instance) ?? foreignKey(this.kernel.bridge, c.instance);
      const spec = specFromKernel(info, c.instance, (i) => this.portName(i), key, mine?.spec.priority ?? 7);
      if (!spec) continue;
      out.push({ handle: c.instance, spec });
    }
    return out.sort((a, b) => a.handle - b.handle);
  }

  async createVoe(spec: VoeSpec): Promise<number> {
    this.assertOpen();
    await this.refreshPorts();
    validateSpec(spec, this.ports());
    const ifindex = this.portIndex(spec.port);
    const info = await this.kernel.dump({ config: true });
    const used = new Set(info.mepCreate.map((c) => c.instance));
    for (const [inst, o] of this.owned) {
      if (o.spec.key === spec.key) throw new CfmError('BACKEND', `linux-bridge: a VOE with key '${spec.key}' exists (handle ${inst})`);
    }
    const onPort = info.mepCreate.find((c) => c.ifindex === ifindex);
    if (onPort) {
      throw new CfmError('BACKEND', `linux-bridge: VOE '${spec.key}': port VOE table full on ${spec.port} (1/1: the kernel allows one port MEP per port; instance ${onPort.instance} is there)`);
    }
    const instance = this.keys.allocate(spec.key, used);
    try {
      await this.kernel.setlink(createCommands(instance, ifindex, spec, this.periodS), `create MEP '${spec.key}' (instance ${instance})`);
    } catch (e) {
      // The kernel may have created the MEP before a later command in the same message failed.
      await this.kernel.setlink([{ cmd: 'mepDelete', value: { instance } }], 'rollback').catch(() => undefined);
      this.keys.forget(instance);
      throw e;
    }
    this.owned.set(instance, { spec: cloneSpec(spec), keepAlive: undefined });
    this.tracker.add(instance);
    try {
      for (const peer of spec.peers.slice(1)) {
        await this.kernel.setlink([{ cmd: 'peerMepAdd', value: { instance, mepId: peer } }], `add peer ${peer} to '${spec.key}'`);
      }
    } catch (e) {
      await this.deleteVoe(instance).catch(() => undefined);
      throw e;
    }
    this.armKeepAlive(instance);
    return instance;
  }

  async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    this.assertOpen();
    const o = this.owner(handle);
    await this.refreshPorts();
    validateSpec(spec, this.ports());
    const old = o.spec;
    if (spec.key !== old.key) this.keys.rename(handle, spec.key);
    if (spec.port !== old.port) {
      // The kernel cannot move a MEP: delete and re-create under the same instance.
      await this.kernel.setlink([{ cmd: 'mepDelete', value: { instance: handle } }], `move MEP '${spec.key}'`);
      this.tracker.add(handle);
      await this.kernel.setlink(createCommands(handle, this.portIndex(spec.port), spec, this.periodS), `re-create MEP '${spec.key}'`);
      for (const peer of spec.peers.slice(1)) {
        await this.kernel.setlink([{ cmd: 'peerMepAdd', value: { instance: handle, mepId: peer } }], `add peer ${peer}`);
      }
      o.spec = cloneSpec(spec);
      this.armKeepAlive(handle);
      return;
    }
    const cmds: CfmCommand[] = [];
    if (spec.level !== old.level || spec.mepId !== old.mepId || spec.unicastMac.toLowerCase() !== old.unicastMac.toLowerCase()) {
      cmds.push({ cmd: 'mepConfig', value: mepConfigOf(handle, spec) });
    }
    // Any CC config change resets the kernel's sequence numbers: send it only when it changed.
    if (spec.ccmRx !== old.ccmRx || spec.interval !== old.interval || !sameMaid(spec.maid, old.maid)) {
      cmds.push({ cmd: 'ccConfig', value: ccConfigOf(handle, spec) });
    }
    if (spec.rdi !== old.rdi) cmds.push({ cmd: 'rdi', value: { instance: handle, rdi: spec.rdi } });
    cmds.push({ cmd: 'ccmTx', value: ccmTxOf(handle, spec, this.periodS) });
    await this.kernel.setlink(cmds, `update MEP '${spec.key}'`);
    for (const peer of old.peers.filter((p) => !spec.peers.includes(p))) {
      await this.kernel.setlink([{ cmd: 'peerMepRemove', value: { instance: handle, mepId: peer } }], `remove peer ${peer} from '${spec.key}'`);
    }
    for (const peer of spec.peers.filter((p) => !old.peers.includes(p))) {
      await this.kernel.setlink([{ cmd: 'peerMepAdd', value: { instance: handle, mepId: peer } }], `add peer ${peer} to '${spec.key}'`);
    }
    o.spec = cloneSpec(spec);
    this.armKeepAlive(handle);
  }

  async deleteVoe(handle: number): Promise<void> {
    this.assertOpen();
    const o = this.owned.get(handle);
    if (!o) {
      // Not created by us: still allow deleting it (e.g. cleaning up a foreign MEP) if it exists.
      const info = await this.kernel.dump({ config: true });
      if (!info.mepCreate.some((c) => c.instance === handle)) {
        throw new CfmError('BACKEND', `linux-bridge: no VOE with handle ${handle} on ${this.kernel.bridge}`);
      }
    }
    this.drop(handle);
    await this.kernel.setlink([{ cmd: 'mepDelete', value: { instance: handle } }], `delete MEP ${o ? `'${o.spec.key}'` : handle}`);
  }

  private drop(instance: number): void {
    const o = this.owned.get(instance);
    o?.keepAlive?.cancel();
    this.owned.delete(instance);
    this.tracker.forget(instance);
    this.keys.forget(instance);
  }

  async setRdi(handle: number, rdi: boolean): Promise<void> {
    this.assertOpen();
    const o = this.owner(handle);
    await this.kernel.setlink([{ cmd: 'rdi', value: { instance: handle, rdi } }], `RDI ${rdi ? 'on' : 'off'} for '${o.spec.key}'`);
    o.spec = { ...o.spec, rdi };
  }

  async readStatus(handle: number): Promise<VoeStatus> {
    this.assertOpen();
    const o = this.owner(handle);
    await this.statusDump();
    return this.tracker.take(handle, o.spec.peers);
  }

  /** One status dump folded into the tracker (keeps every VOE's sticky flags). */
  private async statusDump(): Promise<void> {
    const info = await this.kernel.dump({ status: true });
    this.pending.push(...this.tracker.ingest(info.mepStatus, info.peerStatus, this.ownedSet(), this.clock.nowNs()));
  }

  async pollEvents(): Promise<HwEvent[]> {
    this.assertOpen();
    if (this.needResync) {
      this.needResync = false;
      await this.refreshPorts();
    }
    if (this.owned.size > 0) await this.statusDump();
    return this.pending.splice(0, this.pending.length);
  }

  /** Re-sends the identical CC_CCM_TX every period/3 so the kernel keeps transmitting. */
  private armKeepAlive(instance: number): void {
    const o = this.owned.get(instance);
    if (!o) return;
    o.keepAlive?.cancel();
    o.keepAlive = undefined;
    if (!o.spec.ccmTx) return;
    const everyNs = Math.max(1, Math.floor((this.periodS * 1e9) / 3));
    const tick = (): void => {
      const cur = this.owned.get(instance);
      if (!cur || this.closed) return;
      this.kernel
        .setlink([{ cmd: 'ccmTx', value: ccmTxOf(instance, cur.spec, this.periodS) }], `keep-alive '${cur.spec.key}'`)
        .catch(() => {
          this.needResync = true;
        });
      cur.keepAlive = this.clock.setTimer(everyNs, tick);
    };
    o.keepAlive = this.clock.setTimer(everyNs, tick);
  }

  /**
   * Stops our timers and sockets. The MEPs stay in the kernel (a restart adopts them); their CCM
   * transmission ends PERIOD seconds later unless a new process takes over.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const o of this.owned.values()) o.keepAlive?.cancel();
    for (const u of this.unsubscribe) u();
    if (this.ownSockets) {
      this.kernel.sock.close();
      this.events.close();
    }
  }
}

function cloneSpec(s: VoeSpec): VoeSpec {
  return { ...s, maid: Uint8Array.from(s.maid), peers: [...s.peers] };
}
