/**
 * The native CPU-protection policer (native/addon/cpu_protection.cc): the compiled policy as a
 * flat program, enforced on the AF_PACKET receive path before a frame reaches JavaScript.
 * `attachSocket` binds it to a PacketSocket; `admitBatch` runs the same decision without a
 * socket (tests, benchmarks).
 *
 * Program (Uint32Array): [0xCF01, nBindings, maxPeers] then per binding
 * [portIndex, vlan, flags (1 aggregate, 2 has overall rate), overallRate, squelchMask, nRules]
 * followed by nRules x [levelMask, ratePps, opcodeWords[8]].
 */
import { CfmError } from '../common/errors.js';
import { loadAddon } from '../native/addon.js';
import { peerName, sortBuckets } from './engine.js';
import {
  DEFAULT_MAX_PEERS,
  type BindingCounters, type BucketCounters, type CompiledProtection, type CounterSnapshot, type SoftwarePolicer,
} from './types.js';

export interface NativeCpuPolicerHandle {
  configure(program: Uint32Array): void;
  attach(fd: number, port: number): void;
  detach(fd: number): void;
  admitBatch(port: number, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array;
  counters(): { buckets: Float64Array; bindings: Float64Array };
  close(): void;
}

export interface NativeCpuPolicerModule {
  CpuPolicer: new () => NativeCpuPolicerHandle;
}

const MAGIC = 0xcf01;

/** True when the loaded addon has the native policer (built with cpu_protection.cc registered). */
export function nativePolicerAvailable(addon?: Partial<NativeCpuPolicerModule>): boolean {
  try {
    const a = addon ?? (loadAddon() as unknown as Partial<NativeCpuPolicerModule>);
    return typeof a.CpuPolicer === 'function';
  } catch {
    return false;
  }
}

export function encodeProgram(p: CompiledProtection, ports: string[], maxPeers = DEFAULT_MAX_PEERS): Uint32Array {
  const w: number[] = [MAGIC, p.bindings.length, maxPeers];
  for (const b of p.bindings) {
    const portIndex = ports.indexOf(b.port);
    if (portIndex < 0) throw new CfmError('INTERNAL', `native policer: binding ${b.key} is on port ${b.port}, not one of ${ports.join(', ')}`);
    if (b.rules.length > 14) throw new CfmError('CONFIG', `native policer: binding ${b.key} has ${b.rules.length} entries (at most 14)`);
    const flags = (b.aggregate ? 1 : 0) | (b.overallRatePps !== null ? 2 : 0);
    w.push(portIndex, b.vlan, flags, b.overallRatePps ?? 0, b.squelchMask, b.rules.length);
    for (const r of b.rules) w.push(r.levelMask, r.ratePps, ...r.opcodeWords);
  }
  return Uint32Array.from(w);
}

export class NativeCpuPolicer implements SoftwarePolicer {
  readonly ports: string[];
  private readonly h: NativeCpuPolicerHandle;
  private readonly fds = new Set<number>();

  constructor(private readonly compiled: CompiledProtection, opts: { ports?: string[]; maxPeers?: number; addon?: NativeCpuPolicerModule } = {}) {
    const addon = opts.addon ?? (loadAddon() as unknown as Partial<NativeCpuPolicerModule>);
    if (typeof addon.CpuPolicer !== 'function') {
      throw new CfmError('UNSUPPORTED', 'the native addon has no CpuPolicer (built without native/addon/cpu_protection.cc registered)');
    }
    this.ports = opts.ports ?? [...new Set(compiled.bindings.map((b) => b.port))];
    this.h = new addon.CpuPolicer();
    this.h.configure(encodeProgram(compiled, this.ports, opts.maxPeers));
  }

  private portIndex(port: string): number {
    const i = this.ports.indexOf(port);
    if (i < 0) throw new CfmError('USAGE', `native policer: unknown port ${port} (ports ${this.ports.join(', ')})`);
    return i;
  }

  /** Police every frame the AF_PACKET socket `fd` receives as traffic of `port`. */
  attachSocket(fd: number, port: string): void {
    this.h.attach(fd, this.portIndex(port));
    this.fds.add(fd);
  }

  detachSocket(fd: number): void {
    this.h.detach(fd);
    this.fds.delete(fd);
  }

  admit(port: string, frame: Uint8Array, nowNs: number): boolean {
    const i = this.ports.indexOf(port);
    if (i < 0) return true;
    return this.h.admitBatch(i, frame, Uint32Array.of(frame.length), Float64Array.of(nowNs))[0] === 1;
  }

  /** Decide a batch (frames back to back in `data`); 1 = pass, 0 = drop. */
  admitBatch(port: string, data: Uint8Array, lengths: Uint32Array, timesNs: Float64Array): Uint8Array {
    return this.h.admitBatch(this.portIndex(port), data, lengths, timesNs);
  }

  counters(): CounterSnapshot {
    const raw = this.h.counters();
    const bs = this.compiled.bindings;
    const buckets: BucketCounters[] = [];
    for (let r = 0; r < raw.buckets.length; r += 7) {
      const b = bs[raw.buckets[r]];
      const slot = raw.buckets[r + 1];
      const overall = slot === 15;
      buckets.push({
        binding: b.key, rule: overall ? 'overall' : b.rules[slot].entry,
        level: overall ? -1 : raw.buckets[r + 2], opcode: overall ? -1 : raw.buckets[r + 3],
        peer: peerName(raw.buckets[r + 4]), passed: raw.buckets[r + 5], dropped: raw.buckets[r + 6],
      });
    }
    const bindings: BindingCounters[] = bs.map((b, i) => ({ binding: b.key, squelched: raw.bindings[i * 2], unmatched: raw.bindings[i * 2 + 1] }));
    return { enforcement: 'native', buckets: sortBuckets(buckets), bindings };
  }

  close(): void {
    this.h.close();
    this.fds.clear();
  }
}
