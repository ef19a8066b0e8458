/**
 * The real port state in the Port Status / Interface Status TLVs of hardware MEPs (issue 12
 * item 3; 802.1Q 20.9.2-20.9.3, 21.5.4-21.5.5).
 *
 * A VOE of a vendor shim or of the kernel bridge sends the TLV values of its spec. For such
 * backends (capabilities().voePortState not set) that report port state (Backend.onPortState),
 * the manager writes the port's state into the specs it applies: psBlocked (1) while the port
 * does not forward (STP / active topology, 21.5.4), psUp (2) otherwise; the port's operational
 * state (21.5.5: isUp 1 .. isLowerLayerDown 7) in the Interface Status TLV, so an Up MEP whose
 * port is down reports isDown / isLowerLayerDown and its peers raise defMACstatus (20.33.6).
 * Only TLVs the MEP is configured to send are touched (a 0 stays 0).
 *
 * When a port's state changes, the VOEs on it are updated in place: only the two TLV values and
 * only where they differ from what is read back, with the VOE's run-time RDI kept. An update in
 * place keeps the VOE's sequence numbers (Backend.updateVoe; the kernel's CC_CCM_TX with new TLV
 * values neither resets them nor stops transmission, cfm-facts 1.3), so no CCM is missed. An
 * identical re-apply diffs equal and writes nothing. A VOE that also differs otherwise is left to
 * the next apply's reconcile.
 */
import type { Backend, PortStateChange, VoeSpec, VoeState } from '../backends/types.js';
import { IF_STATUS, PS_BLOCKED, PS_UP } from '../engine/types.js';
import { cloneSpec, specEqual } from './voe-spec.js';

export class PortTlvs {
  /** Port states reported by the backend, by port (absent: forwarding and up). */
  private readonly states = new Map<string, PortStateChange>();
  private readonly unsubscribe: (() => void) | undefined;
  /** Whether the manager writes port state into VOE specs for this backend. */
  readonly active: boolean;
  /** Ports changed since the last onChange call (a burst of changes is one call). */
  private readonly dirty = new Set<string>();
  private queued = false;

  /** `onChange(ports)` runs after ports' state changed (the manager then updates their VOEs). */
  constructor(backend: Backend, onChange: (ports: ReadonlySet<string>) => void) {
    this.active = backend.capabilities().voePortState !== true && typeof backend.onPortState === 'function';
    if (!this.active) return;
    this.unsubscribe = backend.onPortState!((s) => {
      const prev = this.states.get(s.port);
      const next: PortStateChange = { port: s.port, forwarding: s.forwarding ?? prev?.forwarding, operStatus: s.operStatus ?? prev?.operStatus };
      this.states.set(s.port, next);
      if (prev?.forwarding === next.forwarding && prev?.operStatus === next.operStatus) return;
      this.dirty.add(s.port);
      if (this.queued) return;
      this.queued = true;
      queueMicrotask(() => {
        this.queued = false;
        const ports = new Set(this.dirty);
        this.dirty.clear();
        onChange(ports);
      });
    });
  }

  /** The TLV values a VOE with `spec`'s configuration sends on its port now. */
  valuesOf(spec: VoeSpec): { portStatusTlv: number; interfaceStatusTlv: number } {
    const s = this.states.get(spec.port);
    return {
      portStatusTlv: spec.portStatusTlv === 0 ? 0 : s?.forwarding === false ? PS_BLOCKED : PS_UP,
      interfaceStatusTlv: spec.interfaceStatusTlv === 0 ? 0 : IF_STATUS[s?.operStatus ?? 'up'],
    };
  }

  /**
   * `spec` (a planned VOE, configured values) with the port's state in its TLV values: the same
   * object when nothing differs (or the backend's VOEs follow their port themselves).
   */
  stamp(spec: VoeSpec): VoeSpec {
    if (!this.active) return spec;
    const v = this.valuesOf(spec);
    if (v.portStatusTlv === spec.portStatusTlv && v.interfaceStatusTlv === spec.interfaceStatusTlv) return spec;
    return { ...cloneSpec(spec), ...v };
  }

  /**
   * Make the VOEs of hardware MEPs on `ports` send their state now. `meps`: the hardware MEPs
   * (their handle, planned spec and the RDI last written); `actualOf(key)`: the VOE read back. A
   * VOE is written only when its TLV values alone differ. Returns the keys written.
   */
  async followPorts(
    backend: Backend,
    ports: ReadonlySet<string>,
    meps: Iterable<{ key: string; handle: number; spec: VoeSpec; rdiSent: boolean }>,
    actualOf: (key: string) => VoeState | undefined,
  ): Promise<string[]> {
    const written: string[] = [];
    for (const h of meps) {
      const actual = actualOf(h.key);
      if (!ports.has(h.spec.port) || !actual || actual.handle !== h.handle) continue;
      const want = this.stamp(h.spec);
      if (specEqual(want, actual.spec)) continue;
      if (!specEqual(want, { ...actual.spec, portStatusTlv: want.portStatusTlv, interfaceStatusTlv: want.interfaceStatusTlv })) continue;
      // Keep the run-time RDI: it follows the defects, not the port (20.9.6).
      await backend.updateVoe(actual.handle, { ...cloneSpec(want), rdi: h.rdiSent });
      written.push(h.key);
    }
    return written;
  }

  close(): void {
    this.unsubscribe?.();
  }
}
