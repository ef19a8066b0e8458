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
  /** Optional: the link on `port` was cut (up = false) or restored (the port's oper state). */
  linkChanged?(port: string, up: boolean): void;
}

/** Impairments of one direction of a link (or of both). */
export interface LinkImpairments {
  /** One-way delay, ns (default 1000). */
  delayNs?: number;
  /** Extra uniform random delay 0..jitterNs per frame (reorders frames). */
  jitterNs?: number;
  /** Probability 0..1 that a frame is lost. */
  lossRate?: number;
  /** Probability 0..1 that a frame has the octet before its End TLV (its last data octet) flipped. */
  corruptRate?: number;
}

export interface LinkOptions extends LinkImpairments {
  /** Corrupt only frames transmitted by this node (default: both directions). */
  corruptFrom?: string;
}

export interface Endpoint {
  node: string;
  port: string;
}

type Dir = 'ab' | 'ba';

export class SimLink {
  private isUp = true;
  delayNs: number;
  jitterNs: number;
  lossRate: number;
  corruptRate: number;
  corruptFrom: string | undefined;
  /** Frames carried / lost, both directions. */
  carried = 0;
  lost = 0;
  /** Per-direction overrides ('ab' = frames sent by endpoint a), set with set(o, from). */
  private readonly dirs: Record<Dir, LinkImpairments> = { ab: {}, ba: {} };
  /** Called when the link is cut or restored (the network tells the two nodes). */
  onStateChange: ((up: boolean) => void) | null = null;
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
  /** Link state; cutting it drops frames in flight and takes both ports' oper state down. */
  get up(): boolean {
    return this.isUp;
  }
  set up(v: boolean) {
    if (v === this.isUp) return;
    this.isUp = v;
    this.onStateChange?.(v);
  }
  /**
   * Change the impairments of both directions, or with `from` ("node" or "node:port" of one end)
   * only of the frames that end sends (one-way loss, corruption, delay).
   */
  set(o: LinkOptions, from?: string): void {
    if (from !== undefined) {
      const d = this.dirOf(from);
      if (!d) throw new CfmError('CONFIG', `link ${this.name}: '${from}' is not one of its ends`);
      const x = this.dirs[d];
      if (o.delayNs !== undefined) x.delayNs = o.delayNs;
      if (o.jitterNs !== undefined) x.jitterNs = o.jitterNs;
      if (o.lossRate !== undefined) x.lossRate = o.lossRate;
      if (o.corruptRate !== undefined) x.corruptRate = o.corruptRate;
      return;
    }
    if (o.delayNs !== undefined) this.delayNs = o.delayNs;
    if (o.jitterNs !== undefined) this.jitterNs = o.jitterNs;
    if (o.lossRate !== undefined) this.lossRate = o.lossRate;
    if (o.corruptRate !== undefined) this.corruptRate = o.corruptRate;
    if (o.corruptFrom !== undefined) this.corruptFrom = o.corruptFrom;
  }
  /** The direction of frames sent by `from` ("node" or "node:port"), or null. */
  dirOf(from: string): Dir | null {
    const hit = (e: Endpoint): boolean => (from.includes(':') ? `${e.node}:${e.port}` === from : e.node === from);
    if (hit(this.a)) return 'ab';
    if (hit(this.b)) return 'ba';
    return null;
  }
  /** Effective impairments of frames sent by `node` on `port`. */
  impairments(node: string, port: string): Required<LinkImpairments> {
    const d = this.a.node === node && this.a.port === port ? this.dirs.ab : this.dirs.ba;
    return {
      delayNs: d.delayNs ?? this.delayNs, jitterNs: d.jitterNs ?? this.jitterNs,
      lossRate: d.lossRate ?? this.lossRate,
      corruptRate: d.corruptRate ?? (this.corruptFrom === undefined || this.corruptFrom === node ? this.corruptRate : 0),
    };
  }
}

export interface TxRecord {
  atNs: number;
  node: string;
  port: string;
  frame: Uint8Array;
  /**
   * 'sent' onto a link, 'lost' by the link, 'down' link cut, 'unlinked' port without link,
   * 'cut' in flight when the link was cut (reported at the instant it would have arrived).
   */
  fate: 'sent' | 'lost' | 'down' | 'unlinked' | 'cut';
  /** The link's name when the port has one. */
  link?: string;
  /** The frame was corrupted by the link (frame = the bytes as sent; the peer got them altered). */
  corrupted?: boolean;
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
    l.onStateChange = (up) => {
      for (const e of [ea, eb]) this.nodes.get(e.node)?.linkChanged?.(e.port, up);
    };
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
    const im = l ? l.impairments(node, port) : null;
    let fate: TxRecord['fate'] = 'sent';
    if (!e || !l || !im) fate = 'unlinked';
    else if (!l.up) fate = 'down';
    else if (im.lossRate > 0 && this.prng.next() < im.lossRate) fate = 'lost';
    // corruption and delay are drawn before the taps see the frame, so a tap knows the truth
    const corrupt = fate === 'sent' && im !== null && im.corruptRate > 0 && this.prng.next() < im.corruptRate && frame.length > 2;
    const delay = fate === 'sent' && im ? im.delayNs + (im.jitterNs > 0 ? Math.floor(this.prng.next() * im.jitterNs) : 0) : 0;
    if (this.taps.length) this.report({ atNs: this.clock.nowNs(), node, port, frame, fate, ...(l ? { link: l.name } : {}), ...(corrupt ? { corrupted: true } : {}) });
    if (!e || !l) return;
    if (fate !== 'sent') {
      if (fate === 'lost') l.lost++;
      return;
    }
    l.carried++;
    let f = frame;
    if (corrupt) {
      f = f.slice();
      f[f.length - 2] ^= 0xff;
    }
    const peer = e.peer;
    const dst = this.nodes.get(peer.node)!;
    this.clock.setTimer(delay, () => {
      // a frame in flight when the link is cut is lost with it
      if (l.up) dst.receive(peer.port, f);
      else if (this.taps.length) this.report({ atNs: this.clock.nowNs(), node, port, frame, fate: 'cut', link: l.name });
    });
  }

  private report(r: TxRecord): void {
    for (const t of this.taps) t(r);
  }

  /** Advance virtual time. */
  runMs(ms: number): void {
    this.clock.advance(Math.round(ms * 1e6));
  }

  runNs(ns: number): void {
    this.clock.advance(ns);
  }
}
