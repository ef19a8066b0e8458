/**
 * One call that puts a config's CPU protection in place on a backend: compile, decide where
 * each binding is enforced (hardware policers, the native AF_PACKET policer, or the TypeScript
 * engine), program the hardware, and hand back the software stages for wrapFramePort.
 */
import type { Backend, PolicerSpec } from '../backends/types.js';
import type { CfmModel } from '../config/model.js';
import type { HwProfile } from '../profiles/types.js';
import { compileProtection } from './compile.js';
import { CpuProtectionEngine } from './engine.js';
import { applyHardware, planEnforcement, readHardware, softwarePart, type EnforcementPlan } from './hardware.js';
import { NativeCpuPolicer, nativePolicerAvailable, type NativeCpuPolicerModule } from './native.js';
import { Squelcher } from './squelch.js';
import type { CompiledProtection, CounterSnapshot } from './types.js';

export interface ProtectionOptions {
  switch?: string;
  profile?: HwProfile | null;
  /** Use the native policer on a software backend's sockets: 'auto' (default) = when available. */
  native?: 'auto' | boolean;
  /** AF_PACKET socket descriptor per port (software backend); default: asked of the backend. */
  socketFds?: Map<string, number>;
  maxPeers?: number;
}

export interface ProtectionRuntime {
  compiled: CompiledProtection;
  plan: EnforcementPlan;
  /** Squelching for frames that reach JavaScript (null when the native policer squelches). */
  squelch: Squelcher | null;
  /** TypeScript engine for the bindings enforced in JavaScript (null if none). */
  engine: CpuProtectionEngine | null;
  native: NativeCpuPolicer | null;
  counters(): Promise<CounterSnapshot[]>;
  close(): void;
}

/** Backend policers usable for CPU protection (backend capability, capped by the profile). */
export function policerCapacity(backend: Pick<Backend, 'capabilities'>, profile?: HwProfile | null): number {
  const caps = backend.capabilities().policers;
  const prof = profile?.policers?.count;
  if (profile && !profile.policers) return 0;
  return prof === null || prof === undefined ? caps : Math.min(caps, prof);
}

/** Descriptors of a software backend's AF_PACKET sockets, when the backend has them. */
export function backendSocketFds(backend: Backend): Map<string, number> | null {
  const b = backend as Backend & { socketFd?: (port: string) => number };
  if (typeof b.socketFd !== 'function') return null;
  return new Map(backend.ports().map((p) => [p, b.socketFd!(p)]));
}

/** Where CPU protection will be enforced, decided before anything is programmed (pure). */
export interface PlannedProtection {
  compiled: CompiledProtection;
  plan: EnforcementPlan;
  nativeOk: boolean;
  fds: Map<string, number> | null;
}

export function planProtection(model: CfmModel, backend: Backend, o: ProtectionOptions = {}): PlannedProtection {
  const compiled = compileProtection(model, o.switch);
  const fds = o.socketFds ?? backendSocketFds(backend);
  const nativeOk = o.native !== false && fds !== null && nativePolicerAvailable();
  const plan = planEnforcement(compiled, {
    policers: policerCapacity(backend, o.profile),
    maxRatePps: o.profile?.policers?.maxRatePps ?? undefined,
    native: nativeOk,
  });
  return { compiled, plan, nativeOk, fds };
}

/** What each backend policer id holds under `plan` (null = cleared), as applyHardware writes it. */
export function policerSpecs(plan: EnforcementPlan): Array<PolicerSpec | null> {
  return Array.from({ length: plan.capacity }, (_, id) => plan.policers[id]?.spec ?? null);
}

export async function setupProtection(model: CfmModel, backend: Backend, o: ProtectionOptions = {}): Promise<ProtectionRuntime> {
  return startProtection(planProtection(model, backend, o), backend, o);
}

/**
 * Program the hardware part of a planned protection (unless `hardwareProgrammed`: the offload
 * manager writes policers inside its apply transaction) and start the software parts.
 */
export async function startProtection(
  planned: PlannedProtection,
  backend: Backend,
  o: ProtectionOptions & { hardwareProgrammed?: boolean } = {},
): Promise<ProtectionRuntime> {
  const { compiled, plan, nativeOk, fds } = planned;
  if (!o.hardwareProgrammed) await applyHardware(backend, plan);
  const sw = softwarePart(compiled, plan);
  let native: NativeCpuPolicer | null = null;
  let engine: CpuProtectionEngine | null = null;
  if (nativeOk && fds) {
    // The native policer also squelches: it gets every binding with squelch levels too.
    const nat = { bindings: compiled.bindings.filter((b) => sw.bindings.includes(b) || b.squelchMask !== 0).map((b) => (sw.bindings.includes(b) ? b : { ...b, rules: [], overallRatePps: null })) };
    // eBPF datapath: the same policer inside the kernel program (issue 17); else on the sockets
    const kernel = (backend as Backend & { kernelPolicer?: () => NativeCpuPolicerModule | undefined }).kernelPolicer?.();
    native = new NativeCpuPolicer(nat, { ports: backend.ports(), maxPeers: o.maxPeers, addon: kernel });
    for (const [port, fd] of fds) native.attachSocket(fd, port);
  } else if (sw.bindings.length) {
    engine = new CpuProtectionEngine(sw, { maxPeers: o.maxPeers });
  }
  const squelch = native ? null : new Squelcher(compiled);
  return {
    compiled, plan, squelch, engine, native,
    async counters() {
      const out: CounterSnapshot[] = [];
      if (plan.policers.length) out.push(await readHardware(backend, plan));
      if (native) out.push(native.counters());
      if (engine) out.push(engine.counters());
      return out;
    },
    close() {
      native?.close();
    },
  };
}
