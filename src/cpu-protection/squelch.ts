/**
 * Ingress level squelching (seed 004: squelch-ingress-levels): CFM frames of the configured MD
 * levels on a binding are dropped before any MP sees them, and never reach CPU protection or the
 * debug decoder.
 */
import { bindingFor } from './compile.js';
import { classifyFrame } from './classify.js';
import type { CompiledProtection } from './types.js';

export class Squelcher {
  private readonly counts = new Map<string, number>();
  private readonly active: boolean;

  constructor(private readonly compiled: CompiledProtection) {
    this.active = compiled.bindings.some((b) => b.squelchMask !== 0);
  }

  /** True when the frame must be dropped. */
  drop(port: string, frame: Uint8Array): boolean {
    if (!this.active) return false;
    const k = classifyFrame(frame);
    if (!k) return false;
    const b = bindingFor(this.compiled, port, k.vlan);
    if (!b || (b.squelchMask & (1 << k.level)) === 0) return false;
    this.counts.set(b.key, (this.counts.get(b.key) ?? 0) + 1);
    return true;
  }

  /** Frames squelched per binding key. */
  counters(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
