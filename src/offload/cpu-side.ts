/**
 * The manager's CPU side: the engine that runs software MEPs, the engine parts of hardware MEPs
 * and the MIPs, the punt flags that bring their frames to the CPU, and the relay the CPU plays
 * for them on a punting backend.
 *
 * A punting backend (the mock ASIC) hands the CPU only what arrives from the wire at punted
 * ports. The CPU then plays the relay's part: frames no software MP consumed go back into the
 * relay (802.1Q 19.2: MPs only stop frames at or below their level), and whatever the relay
 * carries (frames from the wire, frames software up MEPs send into the relay) is also offered to
 * the relay side of ports with software up MEPs (802.1Q 19.2.7).
 */
import type { Backend } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import type { FramePort, FrameRx } from '../common/frame-port.js';
import type { RelayAwareFramePort } from '../debug/tap.js';
import type { LocalMep, Mip as ModelMip } from '../config/model.js';
import type { BridgeView } from '../engine/context.js';
import { attachCcmInjector } from './sw-injector.js';
import { CfmEngine } from '../engine/engine.js';
import type { FaultListener } from '../engine/events.js';
import type { Mip } from '../engine/mip.js';
import { companionConfigOf, sameSoftwareConfig } from './sw-mep.js';
import { derivedPortMac } from './voe-spec.js';

/** Optional backend extension: punt all CFM frames of a port to the CPU (software MPs there). */
export interface PuntControl {
  setPortPuntAll(port: string, on: boolean): void;
}

/**
 * The bridge as the CPU sees it when the backend gives no view of its own (the vendor C ABI has
 * no FDB read): no FDB entries, so MIPs relay LTMs by the MIP CCM database (802.1Q 20.42.1,
 * RlyMPDB) learnt from the CCMs punted through them; port MACs are the derived ones.
 */
export function cpuBridgeView(sw: string): BridgeView {
  return { fdbLookup: () => null, portMac: (p) => derivedPortMac(sw, p), bridgeMac: () => derivedPortMac(sw, '(bridge)') };
}

export interface CpuSideOptions {
  backend: Backend;
  /**
   * The CPU frame path (the backend's, behind squelching/CPU protection/debug taps). Its
   * `relayed` hook, when present, hears the frames this CPU relays to up MEPs' ports.
   */
  frames: RelayAwareFramePort;
  clock: Clock;
  bridge: BridgeView;
  onFault: FaultListener;
}

export class CpuSide {
  readonly engine: CfmEngine;
  /** Hardware MEPs with an engine part (companionConfigOf), by key: the LocalMep it was made from. */
  private readonly companions = new Map<string, LocalMep>();
  /** MIPs running in the engine (MHF half functions, 802.1Q 19.3), by key. */
  readonly mips = new Map<string, Mip>();
  private readonly puntPorts = new Set<string>();
  /** Ports with software up MEPs: the relay side of these hears what the relay carries. */
  private upPorts = new Set<string>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly o: CpuSideOptions) {
    const reinject = typeof (o.backend as Partial<PuntControl>).setPortPuntAll === 'function';
    const relayDeliver = (fromPort: string, frame: Uint8Array, rxNs: number) => {
      for (const p of this.upPorts) {
        if (p === fromPort) continue;
        // the frame reaches p's MPs without passing the frame port there: the debug tap hears
        // it here (at fromPort it was seen as received, or as sent, for fromPort's MPs only)
        o.frames.relayed?.(p, frame, rxNs);
        this.engine.process(p, 'relay', frame, rxNs);
      }
    };
    // A backend may answer inside send() (the mock ASIC pumps its punt queue on every call: an LBR
    // to an LBM arrives before send returns). The engine then sees its own frame's answer before
    // it has counted the frame sent (a loopback never saw all its LBRs in and waited for its
    // timeout): frames received during a send are handed over once the send returns.
    let sending = 0;
    const held: FrameRx[] = [];
    const port: FramePort = {
      send: (p, frame, towards) => {
        sending++;
        try {
          o.frames.send(p, frame, towards);
          if (reinject && towards === 'relay') relayDeliver(p, frame, o.clock.nowNs());
        } finally {
          sending--;
        }
        if (sending === 0 && held.length) queueMicrotask(() => this.drainHeld(held));
      },
      onReceive: (h) => o.frames.onReceive(h),
    };
    this.engine = new CfmEngine({ clock: o.clock, port, bridge: o.bridge, subscribe: false });
    attachCcmInjector(this.engine, o.backend); // software MEPs' CCMs by the device's injector when it has one (issue 16)
    // LOC on receive times, not read times: a backend that reads punted frames late says when
    // the frames received before a deadline are in (src/engine/continuity.ts, issue 16)
    const b = o.backend;
    if (b.rxSettled) this.engine.rxSettled = (_deadlineNs, cb) => b.rxSettled!(cb);
    // ... on this clock: a device stamps punted frames with its own (AsicBackend.useClock maps them)
    b.useClock?.(o.clock);
    // A remote-mep event already carries the highest defect once the change is in (the engine
    // recomputes the defects first, src/engine/continuity.ts; 802.1Q 12.14.7.1.3 o).
    this.engine.onEvent((e) => o.onFault(e));
    this.receive = (rx) => {
      if (this.closed) return;
      if (sending > 0) {
        held.push(rx);
        return;
      }
      const pass = this.engine.process(rx.port, rx.from, rx.frame, rx.rxNs);
      if (pass && reinject && rx.from === 'wire') {
        o.backend.frames.send(rx.port, rx.frame, 'relay');
        relayDeliver(rx.port, rx.frame, rx.rxNs);
      }
    };
    const offFrames = o.frames.onReceive(this.receive);
    // Port state from the backend drives the status TLVs of software MEPs (802.1Q 20.9.2-20.9.3).
    const offPorts = o.backend.onPortState?.((s) => {
      if (!this.closed) this.engine.setPortState(s.port, { forwarding: s.forwarding, ifStatus: s.operStatus });
    });
    this.unsubscribe = () => {
      offFrames();
      offPorts?.();
    };
  }

  private readonly receive: (rx: FrameRx) => void;

  private drainHeld(held: FrameRx[]): void {
    for (const rx of held.splice(0)) this.receive(rx);
  }

  /** Give hardware MEP `mep` its engine part, or replace it when its configuration changed. */
  setCompanion(mep: LocalMep): void {
    const cur = this.companions.get(mep.key);
    if (cur && sameSoftwareConfig(cur, mep)) return;
    if (cur) this.engine.removeMep(mep.key);
    this.companions.delete(mep.key);
    if (!mep.enabled) return;
    this.engine.addMep(companionConfigOf(mep));
    this.companions.set(mep.key, mep);
  }

  dropCompanion(key: string): void {
    if (!this.companions.delete(key)) return;
    this.engine.removeMep(key);
  }

  /**
   * Run the switch's MIPs in the engine (the plan places every MIP in software: the backend
   * interface has no MIP objects). Their ports punt CFM frames (see punt ports) and the CPU
   * relays on what they do not consume.
   */
  syncMips(mips: readonly ModelMip[], sw: string): void {
    const want = new Map(mips.filter((m) => m.switch === sw).map((m) => [m.key, m]));
    const macOf = (m: ModelMip) => m.macAddress ?? derivedPortMac(m.switch, m.port);
    for (const [key, mip] of this.mips) {
      const w = want.get(key);
      if (w && w.port === mip.cfg.port && w.level === mip.cfg.level && w.vlan === mip.cfg.vlan && macOf(w) === mip.cfg.mac) continue;
      this.engine.removeMip(key);
      this.mips.delete(key);
    }
    for (const [key, m] of want) {
      if (!this.mips.has(key)) this.mips.set(key, this.engine.addMip({ key, level: m.level, vlan: m.vlan, port: m.port, mac: macOf(m) }));
    }
  }

  /**
   * The ports whose CFM frames must reach the CPU: those of software MEPs and MIPs, and every
   * port while a software up MEP runs — it hears its peers through the relay (802.1Q 19.2.7)
   * from whichever port their frames come in, and the ASIC's relay cannot hand a frame to a
   * software MP on the egress side (CPU cost: all CFM frames of the switch). Frames at hardware
   * MEPs' levels reach their engine part through the VOE.
   */
  puntPortsFor(softwareMeps: Iterable<Pick<LocalMep, 'port' | 'direction' | 'enabled'>>, mipPorts: Iterable<string>): Set<string> {
    const ports = new Set<string>(mipPorts);
    let upMep = false;
    for (const m of softwareMeps) {
      ports.add(m.port);
      if (m.direction === 'up' && m.enabled) upMep = true;
    }
    if (upMep) for (const p of this.o.backend.ports()) ports.add(p);
    return ports;
  }

  /** The punted ports now. */
  get punted(): ReadonlySet<string> {
    return this.puntPorts;
  }

  /** Make the backend punt exactly `want` (only ports that differ are written). */
  async writePunting(want: ReadonlySet<string>): Promise<void> {
    const punt = (this.o.backend as Partial<PuntControl>).setPortPuntAll;
    if (typeof punt !== 'function') return;
    for (const port of new Set([...want, ...this.puntPorts])) {
      const on = want.has(port);
      if (on === this.puntPorts.has(port)) continue;
      punt.call(this.o.backend, port, on);
      if (on) this.puntPorts.add(port);
      else this.puntPorts.delete(port);
    }
  }

  /** The software MEPs now running (for the relay side of up MEPs). */
  setSoftwareMeps(meps: Iterable<Pick<LocalMep, 'port' | 'direction' | 'enabled'>>): void {
    const up = new Set<string>();
    for (const m of meps) if (m.direction === 'up' && m.enabled) up.add(m.port);
    this.upPorts = up;
  }

  close(): void {
    this.closed = true;
    this.engine.close();
    this.unsubscribe();
    this.companions.clear();
    this.mips.clear();
  }
}
