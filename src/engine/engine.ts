/**
 * The engine: all software MPs (MEPs and MIPs) of one bridge or backend, and the MP level /
 * type demultiplexers in front of them (802.1Q 19.2-19.3, 22.1). Pure: a Clock and a FramePort
 * in, frames and fault events out.
 *
 * Per port the MPs form a stack, from the wire inwards: down MEPs by ascending level, MIPs (MHFs),
 * up MEPs by descending level, then the bridge relay. `process()` walks that stack for one frame
 * (from the wire inwards, or from the relay outwards) and says whether the frame continues:
 *  - frame level above the MP's level: passes;
 *  - at a MEP, arriving on its active side (down MEP: from the wire; up MEP: from the relay):
 *    equal level goes to the MEP by opcode, lower level is dropped (a lower-level CCM is a
 *    cross-connect, 802.1Q 20.23);
 *  - at a MEP, arriving on its passive side: equal or lower level is dropped (the MEP bounds
 *    its domain, seed 003);
 *  - at a MIP, equal level: CCMs are recorded in the MIP CCM database and pass; LBMs to the
 *    MIP's MAC are answered; LTMs from the wire are answered and relayed (802.1Q 19.3, 20.42).
 */
import type { Clock } from '../common/clock.js';
import type { FrameDirection, FramePort, FrameRx } from '../common/frame-port.js';
import { CfmError } from '../common/errors.js';
import type { BridgeView, MpContext } from './context.js';
import type { FaultEvent, FaultListener } from './events.js';
import { Mep } from './mep.js';
import { BatchTimer } from './batch-timer.js';
import type { CcmTxHook } from './ccm-tx-hook.js';
import type { RxSettledHook } from './continuity.js';
import { Mip } from './mip.js';
import { dispatchToMep } from './dispatch.js';
import { ensureY } from './mep-y1731.js';
import { IF_STATUS, type IfStatusName, type MepConfig, type MepStatus, type MipConfig, type PortState } from './types.js';
import { cfmOffset, outerVid } from './wire.js';
import { validCcm } from './ccm.js';

export interface EngineOptions {
  clock: Clock;
  port: FramePort;
  /** The bridge the MPs live in (FDB for linktrace). */
  bridge?: BridgeView;
  /**
   * Subscribe to port.onReceive (default true). A simulator that walks the MP stack itself calls
   * process() and sets this false.
   */
  subscribe?: boolean;
}

type StackEntry = { kind: 'mep'; mp: Mep } | { kind: 'mip'; mp: Mip };

export class CfmEngine implements MpContext {
  readonly clock: Clock;
  readonly bridge: BridgeView | null;
  readonly mipDb = new Map<string, string>();
  readonly txBatch: BatchTimer<Mep>;
  readonly rmepBatch: BatchTimer<Mep>;
  /**
   * Where MEPs hand their CCM transmission (a device's periodic injector, ccm-tx-hook.ts); null =
   * the engine's timers send. Set by the owner of the engine (src/offload/sw-injector.ts); MEPs
   * started from then on use it.
   */
  ccmTxHook: CcmTxHook | null = null;
  /**
   * Asked when a remote MEP's rMEPwhile expires: whether the backend still holds frames received
   * before the deadline (continuity.ts). Set by the owner of the engine (src/offload/cpu-side.ts)
   * on backends that read frames late (a punt queue drained on a slow SDK's thread); null = none.
   */
  rxSettled: RxSettledHook | null = null;
  private readonly port: FramePort;
  private readonly mepsByKey = new Map<string, Mep>();
  private readonly mipsByKey = new Map<string, Mip>();
  /**
   * MP stacks by port and VLAN (802.1Q 22.1.7: the MPs of one port and VID, ordered from the wire
   * inwards). Keyed by VLAN so a port with thousands of service MEPs costs one lookup per frame
   * and per add/remove, not a walk.
   */
  private readonly stacks = new Map<string, Map<number, StackEntry[]>>();
  private readonly listeners: FaultListener[] = [];
  /** Port states set by the owner of the ports (setPortState); absent = forwarding and up. */
  private readonly portStates = new Map<string, PortState>();
  private unsubscribe: (() => void) | null = null;

  constructor(o: EngineOptions) {
    this.clock = o.clock;
    this.port = o.port;
    this.bridge = o.bridge ?? null;
    this.txBatch = new BatchTimer<Mep>(o.clock, (m, at) => m.txTick(at));
    this.rmepBatch = new BatchTimer<Mep>(o.clock, (m, at) => m.rmepTick(at));
    if (o.subscribe !== false) {
      this.unsubscribe = o.port.onReceive((rx: FrameRx) => {
        this.process(rx.port, rx.from, rx.frame, rx.rxNs);
      });
    }
  }

  // ------------------------------------------------------------------ MpContext

  send(port: string, frame: Uint8Array, towards: FrameDirection): void {
    this.port.send(port, frame, towards);
  }

  /** Bound once, shared by every MEP's FNG (no closure per MEP). */
  readonly emit = (e: FaultEvent): void => {
    for (const l of this.listeners) l(e);
  };

  /** Listen to fault events of all MEPs. Returns an unsubscribe function. */
  onEvent(l: FaultListener): () => void {
    this.listeners.push(l);
    return () => {
      const i = this.listeners.indexOf(l);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ------------------------------------------------------------------ port state

  /**
   * Tell the engine the real state of a port: its STP state (`forwarding`) and its operational
   * state (`ifStatus`). Every MEP on the port that sends a Port Status / Interface Status TLV
   * reports it from the next CCM on (802.1Q 20.9.2-20.9.3, 21.5.4-21.5.5: psBlocked on a port
   * that does not forward, isDown / isLowerLayerDown on a port that is down), and MEPs created
   * later start with it. An LTM received on a non-forwarding port is discarded (20.47.1).
   * The simulator calls this from its link and STP state; backends from their port state.
   */
  setPortState(port: string, s: Partial<PortState>): void {
    if (s.ifStatus !== undefined && !(s.ifStatus in IF_STATUS)) {
      throw new CfmError('USAGE', `port ${port}: interface status '${String(s.ifStatus)}' is not one of ${Object.keys(IF_STATUS).join(', ')}`);
    }
    const next: PortState = { ...this.portState(port), ...definedOnly(s) };
    this.portStates.set(port, next);
    for (const st of this.stacks.get(port)?.values() ?? []) {
      for (const e of st) if (e.kind === 'mep') e.mp.applyPortState(next);
    }
  }

  /** The port's state as last set (default forwarding, up). */
  portState(port: string): PortState {
    const s = this.portStates.get(port);
    return s ? { ...s } : { forwarding: true, ifStatus: 'up' as IfStatusName };
  }

  /** Whether `port` forwards: the engine's port state and the bridge's STP view must both say so. */
  portForwarding(port: string): boolean {
    if (this.portStates.get(port)?.forwarding === false) return false;
    return this.bridge?.portForwarding ? this.bridge.portForwarding(port) : true;
  }

  /**
   * The MEP that stops a frame of `level` leaving the bridge through `port` (walking the port's
   * MP stack from the relay outwards): the first MEP at that level or above. Linktrace uses it
   * so that an LTM is never forwarded past a MEP (802.1Q 20.47.1, ForwardLTM).
   */
  egressMep(port: string, vlan: number, level: number): Mep | null {
    const st = this.stacks.get(port)?.get(vlan);
    if (!st) return null;
    for (let k = st.length - 1; k >= 0; k--) {
      const e = st[k];
      if (e.kind === 'mep' && e.mp.cfg.level >= level) return e.mp;
    }
    return null;
  }

  // ------------------------------------------------------------------ MPs

  addMep(cfg: MepConfig): Mep {
    checkMep(cfg);
    if (this.mepsByKey.has(cfg.key)) throw new CfmError('CONFIG', `MEP ${cfg.key}: already exists`);
    for (const e of this.stacks.get(cfg.port)?.get(cfg.vlan) ?? []) {
      if (e.kind === 'mep' && e.mp.cfg.level === cfg.level && e.mp.cfg.direction === cfg.direction) {
        throw new CfmError('CONFIG', `MEP ${cfg.key}: port ${cfg.port} vlan ${cfg.vlan} already has a ${cfg.direction} MEP at level ${cfg.level} (${e.mp.key})`);
      }
    }
    const mep = new Mep({ ...cfg, remoteMepIds: [...cfg.remoteMepIds] }, this);
    this.mepsByKey.set(cfg.key, mep);
    this.insert(cfg.port, { kind: 'mep', mp: mep });
    if (cfg.aisClientLevel !== undefined) ensureY(mep);
    const ps = this.portStates.get(cfg.port);
    if (ps) mep.applyPortState(ps);
    mep.start();
    return mep;
  }

  removeMep(key: string): void {
    const m = this.mepsByKey.get(key);
    if (!m) return;
    m.stop();
    this.mepsByKey.delete(key);
    this.remove(m.cfg.port, m);
  }

  addMip(cfg: MipConfig): Mip {
    if (this.mipsByKey.has(cfg.key)) throw new CfmError('CONFIG', `MIP ${cfg.key}: already exists`);
    if (!Number.isInteger(cfg.level) || cfg.level < 0 || cfg.level > 7) throw new CfmError('CONFIG', `MIP ${cfg.key}: level ${cfg.level} is not 0..7`);
    const mip = new Mip(cfg, this);
    this.mipsByKey.set(cfg.key, mip);
    this.insert(cfg.port, { kind: 'mip', mp: mip });
    return mip;
  }

  removeMip(key: string): void {
    const m = this.mipsByKey.get(key);
    if (!m) return;
    this.mipsByKey.delete(key);
    this.remove(m.cfg.port, m);
  }

  mep(key: string): Mep {
    const m = this.mepsByKey.get(key);
    if (!m) throw new CfmError('CONFIG', `no MEP '${key}' (have: ${[...this.mepsByKey.keys()].join(', ') || 'none'})`);
    return m;
  }

  findMep(key: string): Mep | undefined {
    return this.mepsByKey.get(key);
  }

  mip(key: string): Mip {
    const m = this.mipsByKey.get(key);
    if (!m) throw new CfmError('CONFIG', `no MIP '${key}'`);
    return m;
  }

  meps(): Mep[] {
    return [...this.mepsByKey.values()];
  }

  mips(): Mip[] {
    return [...this.mipsByKey.values()];
  }

  status(key: string): MepStatus {
    return this.mep(key).status();
  }

  statusAll(): MepStatus[] {
    return this.meps().map((m) => m.status());
  }

  close(): void {
    for (const m of this.mepsByKey.values()) m.stop();
    // Stopped MEPs never re-arm, but due times already on the clock would still fire (and on a
    // RealClock keep the process alive): cancel them.
    this.txBatch.clear();
    this.rmepBatch.clear();
    this.unsubscribe?.();
  }

  private rank(e: StackEntry): number {
    // wire side first: down MEPs ascending level (0..7), MIPs (8..15), up MEPs descending (16..23)
    if (e.kind === 'mip') return 8 + e.mp.cfg.level;
    return e.mp.cfg.direction === 'down' ? e.mp.cfg.level : 16 + (7 - e.mp.cfg.level);
  }

  private insert(port: string, e: StackEntry): void {
    let byVlan = this.stacks.get(port);
    if (!byVlan) this.stacks.set(port, (byVlan = new Map()));
    const s = byVlan.get(e.mp.cfg.vlan) ?? [];
    s.push(e);
    s.sort((a, b) => this.rank(a) - this.rank(b));
    byVlan.set(e.mp.cfg.vlan, s);
  }

  private remove(port: string, mp: Mep | Mip): void {
    const byVlan = this.stacks.get(port);
    const s = byVlan?.get(mp.cfg.vlan);
    if (!byVlan || !s) return;
    const i = s.findIndex((e) => e.mp === mp);
    if (i >= 0) s.splice(i, 1);
    if (s.length === 0) byVlan.delete(mp.cfg.vlan);
    if (byVlan.size === 0) this.stacks.delete(port);
  }

  /** Whether a port has any MP (a switch can skip process() for other ports). */
  hasMps(port: string): boolean {
    return this.stacks.has(port);
  }

  // ------------------------------------------------------------------ demultiplexer

  /**
   * Walk the MP stack of `port` for one frame. `from` = 'wire' (received from the link, going to
   * the relay) or 'relay' (leaving the bridge through this port). Returns true when the frame
   * continues (to the relay, or out on the wire), false when an MP consumed or dropped it.
   * Non-CFM frames always continue.
   */
  process(port: string, from: FrameDirection, frame: Uint8Array, rxNs: number = this.clock.nowNs()): boolean {
    const byVlan = this.stacks.get(port);
    if (!byVlan) return true;
    const p = cfmOffset(frame);
    if (p < 0) return true;
    const stack = byVlan.get(outerVid(frame));
    if (!stack) return true;
    const level = frame[p] >> 5;
    const opcode = frame[p + 1];
    const n = stack.length;
    for (let k = 0; k < n; k++) {
      const e = stack[from === 'wire' ? k : n - 1 - k];
      const mpLevel = e.mp.cfg.level;
      if (level > mpLevel) continue;
      if (e.kind === 'mip') {
        if (level < mpLevel) continue;
        if (!e.mp.receive(frame, p, opcode, port, from, rxNs)) return false;
        continue;
      }
      const mep = e.mp;
      if (mep.active !== from) return false; // passive side: equal or lower level stops here
      if (level < mpLevel) {
        // only a valid CCM is a cross-connect (802.1Q 20.23; invalid PDUs are discarded, 20.51)
        if (opcode === 1 && validCcm(frame, p)) mep.receiveLowCcm(frame, p);
        return false;
      }
      dispatchToMep(mep, frame, p, opcode, port, rxNs);
      return false;
    }
    return true;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkMep(c: MepConfig): void {
  const where = `MEP ${c.key}`;
  if (!Number.isInteger(c.mepId) || c.mepId < 1 || c.mepId > 8191) throw new CfmError('CONFIG', `${where}: mepId ${c.mepId} is not 1..8191`);
  if (!Number.isInteger(c.level) || c.level < 0 || c.level > 7) throw new CfmError('CONFIG', `${where}: level ${c.level} is not 0..7`);
  if (!Number.isInteger(c.vlan) || c.vlan < 0 || c.vlan > 4094) throw new CfmError('CONFIG', `${where}: vlan ${c.vlan} is not 0..4094`);
  if (!(c.maid instanceof Uint8Array) || c.maid.length !== 48) throw new CfmError('CONFIG', `${where}: maid must be 48 bytes`);
  if (!Number.isInteger(c.interval) || c.interval < 1 || c.interval > 7) throw new CfmError('CONFIG', `${where}: interval ${c.interval} is not a code 1..7`);
  if (!/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(c.mac)) throw new CfmError('CONFIG', `${where}: mac '${c.mac}' is not aa:bb:cc:dd:ee:ff`);
  for (const r of c.remoteMepIds) {
    if (!Number.isInteger(r) || r < 1 || r > 8191) throw new CfmError('CONFIG', `${where}: remote MEP id ${r} is not 1..8191`);
  }
  // AIS and LCK go to the client (higher) MEG level (Y.1731 7.4.1, 7.6), 1 s or 1 min (9.7, 9.8)
  if (c.aisClientLevel !== undefined && (!Number.isInteger(c.aisClientLevel) || c.aisClientLevel <= c.level || c.aisClientLevel > 7)) {
    throw new CfmError('CONFIG', `${where}: aisClientLevel ${c.aisClientLevel} is not a client level above the MEP's level ${c.level} (${c.level + 1}..7)`);
  }
  if (c.aisPeriod !== undefined && c.aisPeriod !== 4 && c.aisPeriod !== 6) throw new CfmError('CONFIG', `${where}: aisPeriod ${String(c.aisPeriod)} is not 4 (1 s) or 6 (1 min)`);
  const lap = c.lowestAlarmPriority ?? 2;
  if (!Number.isInteger(lap) || lap < 1 || lap > 6) throw new CfmError('CONFIG', `${where}: lowestAlarmPriority ${lap} is not 1..6`);
}
