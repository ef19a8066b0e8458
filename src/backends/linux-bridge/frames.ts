/**
 * The CPU frame path of the linux-bridge backend: one AF_PACKET socket per bridge member port
 * (src/native PacketSocket: CFM frames only, VLAN tags restored, our own transmissions unseen).
 * It lets the engine run what the kernel's bridge CFM cannot (up MEPs, VLAN MEPs, MIPs, LBM/LBR,
 * LTM/LTR, Y.1731) in software next to the kernel's MEPs, as on an ASIC.
 *
 * A packet socket taps a port before the bridge's rx handler, so it sees every CFM frame that
 * arrives, including those the kernel's MEP on that port consumes. Two rules keep the engine's
 * view the one an ASIC's CPU port would give:
 * - an untagged CCM at the level of the kernel MEP of its port is the kernel's (br_cfm_frame_rx
 *   checks it): not handed on. Every other frame is (the kernel eats LBM/LTM at its MEP's level,
 *   so the engine part of that MEP must answer them, cfm-facts 1.3).
 * - the bridge relay, as seen by software up MEPs (802.1Q 19.2.7): a frame from the wire of one
 *   port that the kernel does not consume is also offered to the relay side of every other port;
 *   a frame an up MEP sends into the relay leaves through the other ports (group addresses flood;
 *   there is no FDB lookup here) and is offered to their relay side. A port whose kernel MEP sits
 *   at or above an untagged frame's level stops it (802.1Q 19.2: MPs filter lower levels).
 */
import type { FrameDirection, FramePort, FrameRx } from '../../common/frame-port.js';
import type { Clock } from '../../common/clock.js';
import { CfmError } from '../../common/errors.js';
import { PacketSocket } from '../../native/packet.js';

const ETH_P_CFM = 0x8902;
const OPCODE_CCM = 1;

/** What the frame path needs of a port socket (PacketSocket, or a fake in tests). */
export interface PortSocket {
  send(frame: Uint8Array): boolean;
  /** `arrivalNs[i]`: frame i's kernel receive time (CLOCK_MONOTONIC ns), when the addon gives it. */
  onFrames(handler: (frames: Uint8Array[], readMonoNs: number, arrivalNs?: Float64Array) => void): void;
  close(): void;
}

export type PortSocketFactory = (port: string) => PortSocket;

export function packetSocketFactory(netns?: string): PortSocketFactory {
  return (port) => new PacketSocket(port, { netns, membership: true, rcvbufBytes: 1 << 20 });
}

function monoNowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Untagged CFM frame: its MD level and opcode; undefined for tagged or non-CFM frames. */
function untaggedCfm(f: Uint8Array): { level: number; opcode: number } | undefined {
  if (f.length < 16 || ((f[12] << 8) | f[13]) !== ETH_P_CFM) return undefined;
  return { level: f[14] >> 5, opcode: f[15] };
}

export class BridgePortFrames implements FramePort {
  private readonly sockets = new Map<string, PortSocket>();
  private readonly handlers = new Set<(rx: FrameRx) => void>();
  /** Port -> MD level of the kernel MEP there (one per port). */
  private kernelLevels = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly open: PortSocketFactory,
    private readonly clock: Clock,
    private readonly bridge: string,
  ) {}

  /** Follow the bridge's member ports: open sockets on new ones, close those that left. */
  sync(ports: readonly string[]): void {
    if (this.closed) return;
    const want = new Set(ports);
    for (const [p, s] of this.sockets) {
      if (!want.has(p)) {
        s.close();
        this.sockets.delete(p);
      }
    }
    for (const p of want) {
      if (this.sockets.has(p)) continue;
      const s = this.open(p);
      this.sockets.set(p, s);
      s.onFrames((frames, readMonoNs, arrivalNs) => this.onRx(p, frames, readMonoNs, arrivalNs));
    }
  }

  ports(): string[] {
    return [...this.sockets.keys()];
  }

  /** The kernel MEPs' levels by port (called whenever the backend's MEPs change). */
  setKernelMeps(levels: Map<string, number>): void {
    this.kernelLevels = levels;
  }

  send(port: string, frame: Uint8Array, towards: FrameDirection = 'wire'): void {
    if (this.closed) throw new CfmError('BACKEND', `linux-bridge: CPU frame path on ${this.bridge} is closed`);
    if (!this.sockets.has(port)) throw new CfmError('BACKEND', `linux-bridge: '${port}' is not a port of ${this.bridge}`);
    if (towards === 'wire') {
      this.transmit(port, frame);
      return;
    }
    // Into the relay: out of every other port that does not stop it, and to their relay side.
    const rxNs = this.clock.nowNs();
    for (const p of this.sockets.keys()) {
      if (p === port || this.kernelStops(p, frame)) continue;
      this.transmit(p, frame);
      this.deliver({ port: p, frame: Uint8Array.from(frame), from: 'relay', rxNs });
    }
  }

  onReceive(handler: (rx: FrameRx) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
    this.handlers.clear();
  }

  private transmit(port: string, frame: Uint8Array): void {
    const s = this.sockets.get(port);
    if (!s) return;
    if (!s.send(frame)) throw new CfmError('BACKEND', `linux-bridge: send on ${port}: socket buffer full`);
  }

  /** A kernel MEP at or above an untagged CFM frame's level on `port` stops it (br_cfm_frame_rx). */
  private kernelStops(port: string, frame: Uint8Array): boolean {
    const level = this.kernelLevels.get(port);
    if (level === undefined) return false;
    const c = untaggedCfm(frame);
    return c !== undefined && c.level <= level;
  }

  private onRx(port: string, frames: Uint8Array[], readMonoNs: number, arrivalNs?: Float64Array): void {
    if (this.handlers.size === 0) return;
    const nowNs = this.clock.nowNs();
    const monoNs = monoNowNs();
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const c = untaggedCfm(f);
      const level = this.kernelLevels.get(port);
      // The kernel MEP's own CCMs: its continuity check, not the CPU's.
      if (c && level !== undefined && c.level === level && c.opcode === OPCODE_CCM) continue;
      // Frame time on the backend clock: the kernel's receive stamp when the addon gives one.
      const rxNs = nowNs - (monoNs - (arrivalNs?.[i] ?? readMonoNs));
      this.deliver({ port, frame: Uint8Array.from(f), from: 'wire', rxNs });
      if (this.kernelStops(port, f)) continue; // consumed by the kernel: the relay never sees it
      for (const p of this.sockets.keys()) {
        if (p !== port && !this.kernelStops(p, f)) this.deliver({ port: p, frame: Uint8Array.from(f), from: 'relay', rxNs });
      }
    }
  }

  private deliver(rx: FrameRx): void {
    for (const h of this.handlers) h(rx);
  }
}

/** When the backend is opened without a CPU path: frames cannot be sent; nothing is received. */
export class NoFrames implements FramePort {
  send(port: string, _frame: Uint8Array, _towards?: FrameDirection): void {
    throw new CfmError('UNSUPPORTED', `linux-bridge: opened without a CPU frame path (cannot send on ${port}); open it with frames: 'af-packet'`);
  }
  onReceive(_handler: (rx: FrameRx) => void): () => void {
    return () => undefined;
  }
}
