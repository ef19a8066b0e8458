/**
 * The Linux kernel bridge CFM backend (CONFIG_BRIDGE_CFM, net/bridge/br_cfm*.c): VOEs are the
 * kernel's MEP instances on one bridge. The kernel transmits CCMs and watches peers (LOC after
 * 3.25 intervals, RDI); we program it over rtnetlink and read everything back from it.
 *
 * - Handles are the kernel's MEP instance numbers (see keymap.ts for how keys map to them).
 * - Updates work from what is read back (update.ts); CCM TX is kept alive (keepalive.ts).
 * - Events come from RTNLGRP_LINK notifications, with a slow status poll for RDI (events.ts).
 * - The CPU path is AF_PACKET on the bridge's ports (frames.ts): what the kernel cannot do runs
 *   in the engine, as on an ASIC.
 */
import { CfmError } from '../../common/errors.js';
import { RealClock } from '../../common/clock.js';
import type { FramePort } from '../../common/frame-port.js';
import { capabilitiesOf } from './capabilities.js';
import type { LinuxBridgeOptions } from './options.js';
import { RTMGRP_LINK } from '../../netlink/constants.js';
import type { CfmCommand } from '../../netlink/bridge-cfm.js';
import type { LinkInfo } from '../../netlink/rtnl.js';
import { openRoute } from '../../netlink/route.js';
import type { NetlinkSocket } from '../../netlink/socket.js';
import type { Backend, BackendCapabilities, HwEvent, PortStateChange, ReadStatusOptions, VoeSpec, VoeState, VoeStatus } from '../types.js';
import { KernelEvents } from './events.js';
import { BridgePortFrames, NoFrames, packetSocketFactory } from './frames.js';
import { KeepAlive } from './keepalive.js';
import { BridgeCfmKernel } from './kernel.js';
import { KeyMap, foreignKey } from './keymap.js';
import { BridgePortStates } from './port-state.js';
import { ccmTxOf, createCommands, specFromKernel, validateSpec } from './spec.js';
import { StatusTracker } from './status.js';
import { updateFromReadBack, type MepTarget } from './update.js';

interface Owned {
  /** What we last asked the kernel for (keep-alive content, peer order of readStatus). */
  spec: VoeSpec;
}

export type { LinuxBridgeOptions } from './options.js';

export class LinuxBridgeBackend implements Backend {
  readonly kind = 'linux-bridge';
  readonly frames: FramePort;
  private readonly cpu: BridgePortFrames | undefined;
  private readonly owned = new Map<number, Owned>();
  private readonly tracker: StatusTracker;
  private readonly events: KernelEvents;
  private readonly keepAlive: KeepAlive;
  private readonly keys: KeyMap;
  private readonly periodS: number;
  private readonly portStates: BridgePortStates;
  private portLinks: LinkInfo[];
  private closed = false;

  private constructor(
    private readonly kernel: BridgeCfmKernel,
    private readonly eventSock: NetlinkSocket,
    links: LinkInfo[],
    private readonly opts: LinuxBridgeOptions,
    private readonly ownSockets: boolean,
  ) {
    const clock = opts.clock ?? new RealClock();
    this.tracker = new StatusTracker(kernel.ns, kernel.bridgeIfindex);
    this.periodS = opts.ccmTxPeriodS ?? 30;
    this.keys = new KeyMap(kernel.bridge, opts.keyMapPath);
    this.portLinks = links.filter((l) => l.master === kernel.bridgeIfindex);
    this.events = new KernelEvents(eventSock, {
      ns: kernel.ns, bridgeIfindex: kernel.bridgeIfindex, tracker: this.tracker, clock,
      owned: () => new Set(this.owned.keys()),
      statusDump: () => kernel.dump({ status: true }),
      statusPollMs: opts.statusPollMs ?? 1000,
    });
    this.keepAlive = new KeepAlive(
      clock, this.periodS,
      (inst) => {
        const o = this.owned.get(inst);
        return o && !this.closed ? { cmd: { cmd: 'ccmTx', value: ccmTxOf(inst, o.spec, this.periodS) }, what: `keep-alive '${o.spec.key}'` } : undefined;
      },
      (cmds, what) => this.kernel.setlink(cmds, what),
      () => {
        this.events.needResync = true;
      },
    );
    this.portStates = new BridgePortStates(kernel.sock, eventSock, (name) => this.portLinks.some((l) => l.name === name), (e) => {
      process.emitWarning(`linux-bridge: port state of ${kernel.bridge} not read: ${e.message}`);
    });
    const f = opts.frames ?? 'af-packet';
    if (f === 'af-packet') {
      this.cpu = new BridgePortFrames(opts.portSockets ?? packetSocketFactory(opts.netns), clock, kernel.bridge);
      this.frames = this.cpu;
    } else {
      this.frames = f === 'none' ? new NoFrames() : f;
    }
  }

  /**
   * Opens the backend on `bridge`. Throws CfmError('UNSUPPORTED') when the kernel lacks bridge
   * CFM (detected from EOPNOTSUPP), CONFIG when the bridge does not exist.
   */
  static async open(opts: LinuxBridgeOptions): Promise<LinuxBridgeBackend> {
    const own = !opts.sockets;
    const request = opts.sockets?.request ?? openRoute({ netns: opts.netns });
    let events: NetlinkSocket | undefined;
    let b: LinuxBridgeBackend | undefined;
    try {
      const { kernel, links } = await BridgeCfmKernel.attach(request, opts.bridge, opts.netns ?? '');
      await kernel.probe();
      events = opts.sockets?.events ?? openRoute({ netns: opts.netns, groups: RTMGRP_LINK });
      b = new LinuxBridgeBackend(kernel, events, links, opts, own);
      b.cpu?.sync(b.ports());
      await b.adoptExisting();
      return b;
    } catch (e) {
      b?.cpu?.close();
      b?.events.close();
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
      this.owned.set(inst, { spec });
      this.tracker.add(inst);
      this.keepAlive.arm(inst, spec.ccmTx);
    }
    this.syncCpuLevels();
  }

  capabilities(): BackendCapabilities {
    return capabilitiesOf(this.kernel.bridge, this.portLinks.length, this.opts.frames !== 'none');
  }

  ports(): string[] {
    return this.portLinks.map((l) => l.name);
  }

  /** Status dumps done so far (each is a full RTM_GETLINK dump: keep them rare). */
  get statusDumps(): number {
    return this.events.dumps;
  }

  onEventsPending(listener: () => void): () => void {
    return this.events.onPending(listener);
  }

  /**
   * Oper and STP state of the bridge ports (port-state.ts). The kernel's MEPs send the TLV values
   * of their CC_CCM_TX, which the offload manager sets from this (802.1Q 20.9.2-20.9.3).
   */
  onPortState(listener: (s: PortStateChange) => void): () => void {
    return this.portStates.subscribe(listener);
  }

  private portName(ifindex: number): string {
    return this.portLinks.find((l) => l.index === ifindex)?.name ?? `ifindex ${ifindex}`;
  }

  private portIndex(name: string): number {
    const l = this.portLinks.find((x) => x.name === name);
    if (!l) throw new CfmError('BACKEND', `linux-bridge: '${name}' is not a port of ${this.kernel.bridge}`);
    return l.index;
  }

  private async refreshPorts(): Promise<void> {
    this.portLinks = await this.kernel.ports();
    this.cpu?.sync(this.ports());
  }

  /** Tell the CPU path which port has a kernel MEP at which level (it filters by them). */
  private syncCpuLevels(): void {
    this.cpu?.setKernelMeps(new Map([...this.owned.values()].map((o) => [o.spec.port, o.spec.level])));
  }

  private assertOpen(): void {
    if (this.closed) throw new CfmError('BACKEND', 'linux-bridge: backend is closed');
  }

  private owner(handle: number): Owned {
    const o = this.owned.get(handle);
    if (!o) throw new CfmError('BACKEND', `linux-bridge: no VOE with handle ${handle} on ${this.kernel.bridge}`);
    return o;
  }

  private target(instance: number): MepTarget {
    return { kernel: this.kernel, instance, periodS: this.periodS, portName: (i) => this.portName(i), portIndex: (n) => this.portIndex(n) };
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
    this.owned.set(instance, { spec: cloneSpec(spec) });
    this.tracker.add(instance);
    try {
      for (const peer of spec.peers.slice(1)) {
        await this.kernel.setlink([{ cmd: 'peerMepAdd', value: { instance, mepId: peer } }], `add peer ${peer} to '${spec.key}'`);
      }
    } catch (e) {
      await this.deleteVoe(instance).catch(() => undefined);
      throw e;
    }
    this.keepAlive.arm(instance, spec.ccmTx);
    this.syncCpuLevels();
    return instance;
  }

  /**
   * Changes a VOE from what the kernel holds now (read back, not remembered), sending only what
   * differs; a failure midway restores the read-back state (update.ts).
   */
  async updateVoe(handle: number, spec: VoeSpec): Promise<void> {
    this.assertOpen();
    const o = this.owner(handle);
    await this.refreshPorts();
    validateSpec(spec, this.ports());
    let before: VoeSpec | undefined;
    try {
      before = (await updateFromReadBack(this.target(handle), spec)).before;
    } catch (e) {
      // Whatever the kernel holds now is the truth; forget a MEP that is gone.
      if (!(await this.kernel.dump({ config: true })).mepCreate.some((c) => c.instance === handle)) this.drop(handle);
      throw e;
    }
    if (spec.key !== o.spec.key) this.keys.rename(handle, spec.key);
    if (spec.port !== before.port) this.tracker.add(handle); // a re-created MEP starts afresh
    const wasTx = o.spec.ccmTx;
    o.spec = cloneSpec(spec);
    // The refresh timer keeps its phase unless transmission was switched on or off.
    if (wasTx !== spec.ccmTx || !this.keepAlive.armed(handle) || spec.port !== before.port) this.keepAlive.arm(handle, spec.ccmTx);
    this.syncCpuLevels();
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
    this.keepAlive.stop(instance);
    this.owned.delete(instance);
    this.tracker.forget(instance);
    this.keys.forget(instance);
    this.syncCpuLevels();
  }

  /** RDI as read back: nothing is written when the kernel already has it. */
  async setRdi(handle: number, rdi: boolean): Promise<void> {
    this.assertOpen();
    const o = this.owner(handle);
    const info = await this.kernel.dump({ config: true });
    const cur = info.rdi.find((r) => r.instance === handle);
    if (!info.mepCreate.some((c) => c.instance === handle)) {
      throw new CfmError('BACKEND', `linux-bridge: no VOE with handle ${handle} on ${this.kernel.bridge} (deleted outside this process)`);
    }
    if (cur?.rdi !== rdi) {
      const cmd: CfmCommand = { cmd: 'rdi', value: { instance: handle, rdi } };
      await this.kernel.setlink([cmd], `RDI ${rdi ? 'on' : 'off'} for '${o.spec.key}'`);
    }
    o.spec = { ...o.spec, rdi };
  }

  /**
   * One status dump reads every VOE of the bridge: a caller right after pollEvents() (afterPoll,
   * the manager's peer announcement) gets what a dump since that poll began read (the poll's slow
   * dump, or the first of these reads), instead of one more dump per VOE (issue 11 item 18: an
   * idle MEP costs one dump per second).
   */
  async readStatus(handle: number, opts: ReadStatusOptions = {}): Promise<VoeStatus> {
    this.assertOpen();
    const o = this.owner(handle);
    if (!(opts.afterPoll && this.events.dumpedSincePoll)) await this.events.dumpNow();
    return this.tracker.take(handle, o.spec.peers);
  }

  /**
   * LOC events arrive as kernel notifications between calls; the status dump that catches RDI
   * changes runs at most every statusPollMs (events.ts), so a 10 ms poll costs no dumps.
   */
  async pollEvents(): Promise<HwEvent[]> {
    this.assertOpen();
    const resync = this.events.needResync;
    if (resync) {
      this.events.needResync = false;
      await this.refreshPorts();
    }
    return this.events.drain(resync);
  }

  /**
   * Stops our timers and sockets. The MEPs stay in the kernel (a restart adopts them); their CCM
   * transmission ends PERIOD seconds later unless a new process takes over.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.keepAlive.close();
    this.events.close();
    this.portStates.close();
    this.cpu?.close();
    if (this.ownSockets) {
      this.kernel.sock.close();
      this.eventSock.close();
    }
  }
}

function cloneSpec(s: VoeSpec): VoeSpec {
  return { ...s, maid: Uint8Array.from(s.maid), peers: [...s.peers] };
}
