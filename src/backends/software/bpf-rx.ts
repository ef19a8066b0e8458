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

/**
 * Entries of the program's MEP and peer hash maps (issue 17): sized to need, like a chip's VOE and
 * remote-MEP tables. A hash map's bucket array has one slot per entry, so a map sized for the
 * maximum (65,536 peers: a 1 MB bucket array) makes each CCM's two lookups land on cold cache
 * lines; at 256 entries they stay warm. Default: the most the program takes (8192, 65536).
 */
export interface BpfCapacity {
  meps: number;
  peers: number;
}
export const BPF_MAX_CAPACITY: Readonly<BpfCapacity> = { meps: 8192, peers: 65536 };

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

  /** Keys in the MEP and peer maps (to refuse a VOE beyond the capacity before touching them). */
  private readonly mepKeys = new Set<string>();
  private readonly peerKeys = new Set<string>();

  private constructor(readonly mode: BpfMode, private readonly dp: BpfDatapath, readonly capacity: Readonly<BpfCapacity>) {}

  /**
   * Load the program and attach it to every port (the sockets are the ports' transmit sockets:
   * CPU-protection policers are keyed by them). Throws a CfmError naming why it cannot.
   */
  static open(mode: BpfMode, netns: string | undefined, sockets: Map<string, PacketSocket>, sink: BpfRxSink, capacity?: Partial<BpfCapacity>): BpfRx {
    const reason = bpfUnavailableReason();
    if (reason) throw new CfmError('UNSUPPORTED', reason);
    const cap: BpfCapacity = { meps: capacity?.meps ?? BPF_MAX_CAPACITY.meps, peers: capacity?.peers ?? BPF_MAX_CAPACITY.peers };
    let rx: BpfRx | undefined = undefined;
    // BpfDatapath checks the sizes (a typed USAGE error naming maxMeps / maxPeers and the range)
    const dp = new BpfDatapath({ mode, netns, maxMeps: cap.meps, maxPeers: cap.peers }, (recs) => rx?.deliver(recs, sink));
    rx = new BpfRx(mode, dp, Object.freeze(cap));
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

  private static mepKey(k: MepKey): string {
    return `${k.ifindex}/${k.vlan}/${k.level}`;
  }

  /**
   * Throws a BACKEND CfmError, before any map is touched, when `spec` (replacing `old`, if given)
   * needs more MEP or peer entries than the maps hold: the caller then creates nothing, and an
   * all-or-nothing apply rolls back what it did before.
   */
  checkFits(spec: VoeSpec, old?: VoeSpec): void {
    const k = this.key(spec);
    if (!k || !spec.ccmRx) return;
    const mk = BpfRx.mepKey(k);
    const ok = old?.ccmRx ? this.key(old) : undefined;
    const freed = ok ? BpfRx.mepKey(ok) : undefined;
    const oldPeers = ok && old ? old.peers.map((p) => `${freed}/${p}`) : [];
    // entries once `old` is gone and `spec` is in: keys `spec` shares with what stays are reused
    const meps = this.mepKeys.size - (freed !== undefined && this.mepKeys.has(freed) ? 1 : 0) + (this.mepKeys.has(mk) && mk !== freed ? 0 : 1);
    const gone = new Set(oldPeers.filter((pk) => this.peerKeys.has(pk)));
    let peers = this.peerKeys.size - gone.size;
    for (const p of new Set(spec.peers)) {
      const pk = `${mk}/${p}`;
      if (gone.has(pk) || !this.peerKeys.has(pk)) peers++;
    }
    if (meps > this.capacity.meps) {
      throw new CfmError('BACKEND', `software backend: eBPF MEP map full (${this.mepKeys.size}/${this.capacity.meps} MEPs): VOE '${spec.key}' does not fit; raise the capacity (bpfCapacity.meps, cfm run --bpf-capacity)`);
    }
    if (peers > this.capacity.peers) {
      throw new CfmError('BACKEND', `software backend: eBPF peer map full (with VOE '${spec.key}' it would hold ${peers} peers, capacity ${this.capacity.peers}): raise the capacity (bpfCapacity.peers)`);
    }
  }

  /** A VOE that checks CCMs: its MEP and its peers into the maps (existing peers keep their state). */
  add(handle: number, spec: VoeSpec): void {
    const k = this.key(spec);
    if (!k) return;
    this.checkFits(spec);
    const mk = BpfRx.mepKey(k);
    this.mepKeys.add(mk);
    for (const peer of spec.peers) this.peerKeys.add(`${mk}/${peer}`);
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
    const mk = BpfRx.mepKey(k);
    this.mepKeys.delete(mk);
    this.dp.deleteMep(k.ifindex, k.vlan, k.level);
    for (const peer of spec.peers) {
      this.peerKeys.delete(`${mk}/${peer}`);
      this.dp.deletePeer(k.ifindex, k.vlan, k.level, peer);
    }
  }

  /** A VOE changed: peers that stay with the same interval at the same place keep their state. */
  change(handle: number, old: VoeSpec, spec: VoeSpec): void {
    const same = old.port === spec.port && old.vlan === spec.vlan && old.level === spec.level && old.interval === spec.interval;
    if (!same) this.remove(old);
    else {
      const k = this.key(old);
      if (k) {
        for (const peer of old.peers) {
          if (spec.peers.includes(peer)) continue;
          this.peerKeys.delete(`${BpfRx.mepKey(k)}/${peer}`);
          this.dp.deletePeer(k.ifindex, k.vlan, k.level, peer);
        }
      }
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
