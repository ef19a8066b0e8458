/**
 * The software backend's eBPF receive side (issue 17): one BPF program per backend (tc clsact
 * ingress or XDP on each port), the MEP and peer maps kept in step with the VOEs, and the ring
 * buffer's records turned into calls on the backend's receive path. Steady-state CCMs of the
 * configured peers stop in the kernel; everything else arrives here as a frame (with the kernel's
 * previous state of the peer) or as a LOC declared by the peer's kernel timer.
 */
import { CfmError } from '../../common/errors.js';
import { intervalNs, remoteMepTimeoutNs } from '../../common/interval.js';
import { BpfDatapath, bpfUnavailableReason, type BpfMode, type BpfPeerState, type BpfRecord, type BpfStats } from '../../native/bpf.js';
import type { PacketSocket } from '../../native/packet.js';
import type { VoeSpec } from '../types.js';
import type { KernelPrior } from './checker.js';

/** Receive datapath of the software backend. */
export type Datapath = 'tc' | 'xdp' | 'af-packet';
/** What to use: `auto` = tc where the eBPF program loads and attaches, AF_PACKET where not. */
export type DatapathChoice = 'auto' | Datapath;
export const DATAPATH_CHOICES: readonly DatapathChoice[] = ['auto', 'tc', 'xdp', 'af-packet'];

export interface BpfRxSink {
  /**
   * A CFM frame the kernel sent up, `atNs` its arrival. `kernel.timed`: a configured peer's valid
   * CCM whose rMEPwhile the kernel now times; `kernel.prior`: the kernel's state of that peer before it.
   */
  frame(port: string, frame: Uint8Array, atNs: number, kernel: KernelView): void;
  /** The kernel's rMEPwhile timer of a peer expired. */
  loc(port: string, vlan: number, level: number, peer: number, atNs: number, lastSeenNs: number): void;
}

/** The native CpuPolicer's surface (src/cpu-protection/native.ts NativeCpuPolicerHandle). */
export interface KernelPolicer {
  configure(program: Uint32Array): void;
  attach(fd: number, port: number): void;
  detach(fd: number): void;
  admitBatch(port: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array;
  counters(): { buckets: Float64Array; bindings: Float64Array };
  close(): void;
}

export interface KernelView {
  timed: boolean;
  prior: KernelPrior | undefined;
}

/** The kernel-side identity of a VOE's receive state. */
interface MepKey {
  ifindex: number;
  vlan: number;
  level: number;
}

export class BpfRx {
  private readonly ifindexByPort = new Map<string, number>();
  private readonly portByIfindex = new Map<number, string>();
  /** The ports' transmit sockets (the key CPU-protection policers attach by) -> ifindex. */
  private readonly ifindexByFd = new Map<number, number>();

  private constructor(readonly mode: BpfMode, private readonly dp: BpfDatapath) {}

  /**
   * Load the program and attach it to every port (the sockets are the ports' transmit sockets:
   * CPU-protection policers are keyed by them). Throws a CfmError naming why it cannot.
   */
  static open(mode: BpfMode, netns: string | undefined, sockets: Map<string, PacketSocket>, sink: BpfRxSink): BpfRx {
    const reason = bpfUnavailableReason();
    if (reason) throw new CfmError('UNSUPPORTED', reason);
    let rx: BpfRx | undefined = undefined;
    const dp = new BpfDatapath({ mode, netns }, (recs) => rx?.deliver(recs, sink));
    rx = new BpfRx(mode, dp);
    try {
      for (const [port, s] of sockets) {
        const idx = dp.attach(port, s.fd);
        rx.ifindexByPort.set(port, idx);
        rx.portByIfindex.set(idx, port);
        rx.ifindexByFd.set(s.fd, idx);
      }
    } catch (e) {
      dp.close();
      throw e;
    }
    return rx;
  }

  private deliver(recs: BpfRecord[], sink: BpfRxSink): void {
    for (const r of recs) {
      const port = this.portByIfindex.get(r.ifindex);
      if (port === undefined) continue;
      if (r.type === 'loc') sink.loc(port, r.vlan, r.level, r.peer, r.atNs, r.prevSeenNs);
      else if (r.frame) sink.frame(port, r.frame, r.atNs, { timed: r.timed, prior: r.prevSeen ? { seenNs: r.prevSeenNs, seq: r.prevSeq } : undefined });
    }
  }

  private key(spec: VoeSpec): MepKey | undefined {
    const ifindex = this.ifindexByPort.get(spec.port);
    return ifindex === undefined ? undefined : { ifindex, vlan: spec.vlan, level: spec.level };
  }

  /** A VOE that checks CCMs: its MEP and its peers into the maps (existing peers keep their state). */
  add(handle: number, spec: VoeSpec): void {
    const k = this.key(spec);
    if (!k) return;
    this.dp.setMep(k.ifindex, k.vlan, k.level, {
      maid: spec.maid, mepId: spec.mepId, interval: spec.interval, intervalNs: intervalNs(spec.interval),
      timeoutNs: remoteMepTimeoutNs(spec.interval), priority: spec.priority, handle,
    });
    for (const peer of spec.peers) this.dp.setPeer(k.ifindex, k.vlan, k.level, peer, remoteMepTimeoutNs(spec.interval));
  }

  /** Remove a VOE's MEP and peers (its CCMs then go up as frames, like any other CFM frame). */
  remove(spec: VoeSpec): void {
    const k = this.key(spec);
    if (!k) return;
    this.dp.deleteMep(k.ifindex, k.vlan, k.level);
    for (const peer of spec.peers) this.dp.deletePeer(k.ifindex, k.vlan, k.level, peer);
  }

  /** A VOE changed: peers that stay with the same interval at the same place keep their state. */
  change(handle: number, old: VoeSpec, spec: VoeSpec): void {
    const same = old.port === spec.port && old.vlan === spec.vlan && old.level === spec.level && old.interval === spec.interval;
    if (!same) this.remove(old);
    else {
      const k = this.key(old);
      if (k) for (const peer of old.peers) if (!spec.peers.includes(peer)) this.dp.deletePeer(k.ifindex, k.vlan, k.level, peer);
    }
    this.add(handle, spec);
  }

  peer(spec: VoeSpec, peer: number): BpfPeerState | undefined {
    const k = this.key(spec);
    return k ? this.dp.readPeer(k.ifindex, k.vlan, k.level, peer) : undefined;
  }

  /**
   * CPU protection (seed 002) inside the program, shaped like the native CpuPolicer module
   * (src/cpu-protection/native.ts `addon` option): attach(fd, port) binds the port whose packet
   * socket is `fd`; frames over their rate are then dropped in the kernel, before any record.
   */
  policerModule(): { CpuPolicer: new () => KernelPolicer } {
    const dp = this.dp;
    const byFd = this.ifindexByFd;
    return {
      CpuPolicer: class implements KernelPolicer {
        private readonly attached = new Map<number, number>();
        configure(program: Uint32Array): void {
          dp.cpConfigure(program);
        }
        attach(fd: number, port: number): void {
          const ifindex = byFd.get(fd);
          if (ifindex === undefined) throw new CfmError('USAGE', `eBPF policer: descriptor ${fd} is not one of the backend's port sockets`);
          dp.cpPort(ifindex, port);
          this.attached.set(fd, ifindex);
        }
        detach(fd: number): void {
          const ifindex = this.attached.get(fd);
          if (ifindex !== undefined) dp.cpPort(ifindex, -1);
          this.attached.delete(fd);
        }
        admitBatch(port: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array {
          return dp.cpTestRun(port, data, lengths, timesNs);
        }
        counters(): { buckets: Float64Array; bindings: Float64Array } {
          return dp.cpCounters();
        }
        close(): void {
          for (const fd of [...this.attached.keys()]) this.detach(fd);
          dp.cpConfigure(Uint32Array.of(0xcf01, 0, 0));
        }
      },
    };
  }

  /** Read the ring buffer now (before a LOC decision in user space). */
  poll(): void {
    this.dp.poll();
  }

  stats(): BpfStats {
    return this.dp.stats();
  }

  close(): void {
    this.dp.close();
  }
}
