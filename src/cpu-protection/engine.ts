/**
 * The TypeScript CPU-protection engine: the compiled policy enforced in JavaScript, for backends
 * without a native receive path (simulator, mock ASIC CPU path). Same rules and buckets as the
 * native policer; see compile.ts for the semantics.
 */
import { bindingFor } from './compile.js';
import { classifyFrame, macString } from './classify.js';
import { newBucket, take, type Bucket } from './bucket.js';
import {
  DEFAULT_MAX_PEERS, OTHER_PEER,
  type BindingCounters, type BucketCounters, type CompiledBinding, type CompiledProtection, type CounterSnapshot,
  type SoftwarePolicer, type Verdict,
} from './types.js';

/** Combination index inside a binding: rule slot (15 = overall) x level x opcode. */
const OVERALL_SLOT = 15;
const comboOf = (slot: number, level: number, opcode: number): number => slot * 2048 + level * 256 + opcode;

interface BindingState {
  b: CompiledBinding;
  /** combo -> peer -> bucket */
  buckets: Map<number, Map<number, Bucket>>;
  peers: Set<number>;
  squelched: number;
  unmatched: number;
}

export interface EngineOptions {
  /** Distinct peer MACs per binding before the rest share one bucket (default 1024). */
  maxPeers?: number;
  /** Also drop squelched levels here (default false: the Squelcher in front does it). */
  squelch?: boolean;
}

export class CpuProtectionEngine implements SoftwarePolicer {
  private readonly state: BindingState[];
  private readonly byBinding = new Map<CompiledBinding, BindingState>();
  private readonly maxPeers: number;
  private readonly squelch: boolean;

  constructor(private readonly compiled: CompiledProtection, opts: EngineOptions = {}) {
    this.maxPeers = opts.maxPeers ?? DEFAULT_MAX_PEERS;
    this.squelch = opts.squelch ?? false;
    this.state = compiled.bindings.map((b) => ({ b, buckets: new Map(), peers: new Set(), squelched: 0, unmatched: 0 }));
    for (const s of this.state) this.byBinding.set(s.b, s);
  }

  admit(port: string, frame: Uint8Array, nowNs: number): boolean {
    return this.decide(port, frame, nowNs).pass;
  }

  /** admit() with the reason. */
  decide(port: string, frame: Uint8Array, nowNs: number): Verdict {
    const k = classifyFrame(frame);
    if (!k) return { pass: true, binding: null, rule: null, squelched: false };
    const b = bindingFor(this.compiled, port, k.vlan);
    if (!b) return { pass: true, binding: null, rule: null, squelched: false };
    const st = this.byBinding.get(b)!;
    if (this.squelch && (b.squelchMask & (1 << k.level)) !== 0) {
      st.squelched++;
      return { pass: false, binding: b.key, rule: null, squelched: true };
    }
    for (let i = 0; i < b.rules.length; i++) {
      const r = b.rules[i];
      if ((r.levelMask & (1 << k.level)) === 0 || (r.opcodeWords[k.opcode >> 5] & (1 << (k.opcode & 31))) === 0) continue;
      const bucket = this.bucket(st, comboOf(i, k.level, k.opcode), b.aggregate ? 0 : k.src, r.ratePps, nowNs);
      return { pass: take(bucket, r.ratePps, nowNs), binding: b.key, rule: r.entry, squelched: false };
    }
    if (b.overallRatePps !== null) {
      const bucket = this.bucket(st, comboOf(OVERALL_SLOT, 0, 0), 0, b.overallRatePps, nowNs);
      return { pass: take(bucket, b.overallRatePps, nowNs), binding: b.key, rule: 'overall', squelched: false };
    }
    st.unmatched++;
    return { pass: true, binding: b.key, rule: null, squelched: false };
  }

  private bucket(st: BindingState, combo: number, src: number, ratePps: number, nowNs: number): Bucket {
    let peer = src;
    if (peer !== 0 && !st.peers.has(peer)) {
      if (st.peers.size >= this.maxPeers) peer = OTHER_PEER;
      else st.peers.add(peer);
    }
    let m = st.buckets.get(combo);
    if (!m) st.buckets.set(combo, (m = new Map()));
    let bk = m.get(peer);
    if (!bk) m.set(peer, (bk = newBucket(ratePps, nowNs)));
    return bk;
  }

  counters(): CounterSnapshot {
    const buckets: BucketCounters[] = [];
    const bindings: BindingCounters[] = [];
    for (const st of this.state) {
      bindings.push({ binding: st.b.key, squelched: st.squelched, unmatched: st.unmatched });
      for (const [combo, peers] of st.buckets) {
        const slot = Math.floor(combo / 2048);
        const overall = slot === OVERALL_SLOT;
        for (const [peer, bk] of peers) {
          buckets.push({
            binding: st.b.key, rule: overall ? 'overall' : st.b.rules[slot].entry,
            level: overall ? -1 : (combo >> 8) & 7, opcode: overall ? -1 : combo & 255,
            peer: peerName(peer), passed: bk.passed, dropped: bk.dropped,
          });
        }
      }
    }
    return { enforcement: 'software', buckets: sortBuckets(buckets), bindings };
  }
}

export function peerName(peer: number): string {
  if (peer === 0) return 'aggregate';
  if (peer === OTHER_PEER) return 'other';
  return macString(peer);
}

function ruleOrder(r: number | 'overall'): number {
  return r === 'overall' ? 1000 : r;
}

/** Stable order: binding, rule, level, opcode, peer. */
export function sortBuckets(b: BucketCounters[]): BucketCounters[] {
  return b.sort((x, y) =>
    (x.binding < y.binding ? -1 : x.binding > y.binding ? 1 : 0) || ruleOrder(x.rule) - ruleOrder(y.rule) ||
    x.level - y.level || x.opcode - y.opcode || (x.peer < y.peer ? -1 : x.peer > y.peer ? 1 : 0));
}
