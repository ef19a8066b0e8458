/**
 * A deterministic network in virtual time: nodes with ports, and point-to-point links between
 * (node, port) pairs that can be cut, restored, delayed, made jittery (which reorders frames),
 * lossy or corrupting. Randomness comes from one seeded PRNG, so a run is reproducible.
 *
 * The node interface is deliberately small so that anything can sit in the network: the
 * simulated switch (switch.ts), a mock-ASIC switch from the offload manager, a test probe.
 *
 *   interface SimNode { name; ports; receive(port, frame); }
 *
 * A node transmits with `net.transmit(node.name, port, frame)`. Frames are whole Ethernet frames
 * (no FCS); receivers must not modify the bytes they are given (copy first).
 */
import { VirtualClock } from '../common/clock.js';
import { CfmError } from '../common/errors.js';
import { Prng } from './prng.js';

export interface SimNode {
  readonly name: string;
  readonly ports: readonly string[];
  /** A frame arrived on `port` from its link. */
  receive(port: string, frame: Uint8Array): void;
}

export interface LinkOptions {
  /** One-way delay, ns (default 1000). */
  delayNs?: number;
  /** Extra uniform random delay 0..jitterNs per frame (reorders frames). */
  jitterNs?: number;
  /** Probability 0..1 that a frame is lost. */
  lossRate?: number;
  /** Probability 0..1 that a frame has the octet before its End TLV (its last data octet) flipped. */
  corruptRate?: number;
  /** Corrupt only frames transmitted by this node (default: both directions). */
  corruptFrom?: string;
}

export interface Endpoint {
  node: string;
  port: string;
}

export class SimLink {
  up = true;
  delayNs: number;
  jitterNs: number;
  lossRate: number;
  corruptRate: number;
  corruptFrom: string | undefined;
  /** Frames carried / lost, both directions. */
  carried = 0;
  lost = 0;
  constructor(readonly a: Endpoint, readonly b: Endpoint, o: LinkOptions) {
    this.delayNs = o.delayNs ?? 1000;
    this.jitterNs = o.jitterNs ?? 0;
    this.lossRate = o.lossRate ?? 0;
    this.corruptRate = o.corruptRate ?? 0;
    this.corruptFrom = o.corruptFrom;
  }
  get name(): string {
    return `${this.a.node}:${this.a.port}-${this.b.node}:${this.b.port}`;
  }
  set(o: LinkOptions): void {
    if (o.delayNs !== undefined) this.delayNs = o.delayNs;
    if (o.jitterNs !== undefined) this.jitterNs = o.jitterNs;
    if (o.lossRate !== undefined) this.lossRate = o.lossRate;
    if (o.corruptRate !== undefined) this.corruptRate = o.corruptRate;
    if (o.corruptFrom !== undefined) this.corruptFrom = o.corruptFrom;
  }
}

export interface TxRecord {
  atNs: number;
  node: string;
  port: string;
  frame: Uint8Array;
  /** 'sent' onto a link, 'lost' by the link, 'down' link cut, 'unlinked' port without link. */
  fate: 'sent' | 'lost' | 'down' | 'unlinked';
}

export function parseEndpoint(s: string): Endpoint {
  const i = s.lastIndexOf(':');
  if (i <= 0 || i === s.length - 1) throw new CfmError('CONFIG', `'${s}' is not <node>:<port>`);
  return { node: s.slice(0, i), port: s.slice(i + 1) };
}

export class SimNetwork {
  readonly clock: VirtualClock;
  private readonly prng: Prng;
  private readonly nodes = new Map<string, SimNode>();
  private readonly ends = new Map<string, { link: SimLink; peer: Endpoint }>();
  readonly links: SimLink[] = [];
  private readonly taps: Array<(r: TxRecord) => void> = [];

  constructor(o: { clock?: VirtualClock; seed?: number } = {}) {
    this.clock = o.clock ?? new VirtualClock();
    this.prng = new Prng(o.seed ?? 1);
  }

  addNode<N extends SimNode>(n: N): N {
    if (this.nodes.has(n.name)) throw new CfmError('CONFIG', `node '${n.name}' already exists`);
    this.nodes.set(n.name, n);
    return n;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new CfmError('CONFIG', `no node '${name}' (have: ${[...this.nodes.keys()].join(', ')})`);
    return n;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** Connect two ports ("sw1:p1", "sw2:p1" or endpoints). */
  connect(a: string | Endpoint, b: string | Endpoint, o: LinkOptions = {}): SimLink {
    const ea = typeof a === 'string' ? parseEndpoint(a) : a;
    const eb = typeof b === 'string' ? parseEndpoint(b) : b;
    for (const e of [ea, eb]) {
      const n = this.node(e.node);
      if (!n.ports.includes(e.port)) throw new CfmError('CONFIG', `node '${e.node}' has no port '${e.port}' (ports: ${n.ports.join(', ')})`);
      if (this.ends.has(`${e.node}:${e.port}`)) throw new CfmError('CONFIG', `port ${e.node}:${e.port} is already linked`);
    }
    const l = new SimLink(ea, eb, o);
    this.ends.set(`${ea.node}:${ea.port}`, { link: l, peer: eb });
    this.ends.set(`${eb.node}:${eb.port}`, { link: l, peer: ea });
    this.links.push(l);
    return l;
  }

  /**
   * The link on a port ("sw1:p1"), or between two nodes ("sw1-sw2", either order, first link),
   * or between two ports ("sw1:p1-sw2:p1"). Node names must not contain '-' or ':'.
   */
  link(spec: string): SimLink {
    const dash = spec.indexOf('-');
    if (dash < 0) {
      const e = this.ends.get(spec);
      if (!e) throw new CfmError('CONFIG', `no link on ${spec}`);
      return e.link;
    }
    const x = spec.slice(0, dash);
    const y = spec.slice(dash + 1);
    const hit = (ep: Endpoint, s: string): boolean => (s.includes(':') ? `${ep.node}:${ep.port}` === s : ep.node === s);
    for (const l of this.links) {
      if ((hit(l.a, x) && hit(l.b, y)) || (hit(l.a, y) && hit(l.b, x))) return l;
    }
    throw new CfmError('CONFIG', `no link '${spec}' (links: ${this.links.map((l) => l.name).join(', ')})`);
  }

  /** Observe every transmission (for traces and tests). */
  tap(fn: (r: TxRecord) => void): () => void {
    this.taps.push(fn);
    return () => this.taps.splice(this.taps.indexOf(fn), 1);
  }

  /** Node `node` sends `frame` out of `port`. */
  transmit(node: string, port: string, frame: Uint8Array): void {
    const e = this.ends.get(`${node}:${port}`);
    const l = e?.link;
    let fate: TxRecord['fate'] = 'sent';
    if (!e || !l) fate = 'unlinked';
    else if (!l.up) fate = 'down';
    else if (l.lossRate > 0 && this.prng.next() < l.lossRate) fate = 'lost';
    if (this.taps.length) {
      const r: TxRecord = { atNs: this.clock.nowNs(), node, port, frame, fate };
      for (const t of this.taps) t(r);
    }
    if (!e || !l) return;
    if (fate !== 'sent') {
      if (fate === 'lost') l.lost++;
      return;
    }
    l.carried++;
    let f = frame;
    if (l.corruptRate > 0 && (l.corruptFrom === undefined || l.corruptFrom === node) && this.prng.next() < l.corruptRate && f.length > 2) {
      f = f.slice();
      f[f.length - 2] ^= 0xff;
    }
    const delay = l.delayNs + (l.jitterNs > 0 ? Math.floor(this.prng.next() * l.jitterNs) : 0);
    const peer = e.peer;
    const dst = this.nodes.get(peer.node)!;
    this.clock.setTimer(delay, () => {
      // a frame in flight when the link is cut is lost with it
      if (l.up) dst.receive(peer.port, f);
    });
  }

  /** Advance virtual time. */
  runMs(ms: number): void {
    this.clock.advance(Math.round(ms * 1e6));
  }

  runNs(ns: number): void {
    this.clock.advance(ns);
  }
}
