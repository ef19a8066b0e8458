/**
 * The manager's software MEPs in the engine during an apply: stop those that leave software or
 * whose config changed (keeping each one's next CCM sequence number, handover.ts), start the
 * newly planned ones, and restart the stopped ones when the apply fails (nothing half-applied).
 * `sw` is the manager's table of software MEPs by key (the LocalMep each was started from), with
 * its per-port counts (SoftwareMeps).
 */
import type { LocalMep } from '../config/model.js';
import type { CfmEngine } from '../engine/engine.js';
import { mepConfigOf, sameSoftwareConfig } from './sw-mep.js';

/** What the CPU path needs of a software MEP: its port and whether it is an enabled up MEP (cpu-side.ts). */
export type PuntMep = Pick<LocalMep, 'port' | 'direction' | 'enabled'>;

interface PortCount {
  /** Software MEPs on the port. */
  meps: number;
  /** Enabled up MEPs among them (the relay side: 802.1Q 19.2.7). */
  up: number;
}

const isUp = (m: PuntMep) => m.direction === 'up' && m.enabled;

/**
 * The manager's software MEPs by key, with a count per port kept as they are set and deleted,
 * so the CPU path of a change (the ports to punt, the up MEPs' relay ports) costs O(changed MEPs
 * + ports) instead of a walk over every software MEP (docs/offload.md: a change of one MEP costs
 * the same at 100 and 8,192 MEPs). A stored LocalMep is not changed in place (a change sets a
 * new object), so the counts stay true.
 */
export class SoftwareMeps extends Map<string, LocalMep> {
  private readonly byPort = new Map<string, PortCount>();

  override set(key: string, mep: LocalMep): this {
    const old = super.get(key);
    if (old) this.count(old, -1);
    super.set(key, mep);
    this.count(mep, 1);
    return this;
  }

  override delete(key: string): boolean {
    const old = super.get(key);
    if (!old) return false;
    this.count(old, -1);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.byPort.clear();
  }

  /**
   * One entry per port with software MEPs once the MEPs of `keys` are as `wantSw` says (the
   * others as they are): an enabled up MEP where the port will have one, else a down MEP. The
   * same ports and up ports as the MEPs themselves, for CpuSide.puntPortsFor / setSoftwareMeps.
   */
  portsAfter(keys: Iterable<string>, wantSw: (key: string) => LocalMep | undefined): PuntMep[] {
    const delta = new Map<string, PortCount>();
    const add = (m: PuntMep, sign: 1 | -1) => {
      const d = delta.get(m.port) ?? { meps: 0, up: 0 };
      d.meps += sign;
      if (isUp(m)) d.up += sign;
      delta.set(m.port, d);
    };
    for (const k of keys) {
      const cur = super.get(k);
      if (cur) add(cur, -1);
      const want = wantSw(k);
      if (want) add(want, 1);
    }
    const out: PuntMep[] = [];
    for (const port of new Set([...this.byPort.keys(), ...delta.keys()])) {
      const now = this.byPort.get(port);
      const d = delta.get(port);
      const meps = (now?.meps ?? 0) + (d?.meps ?? 0);
      const up = (now?.up ?? 0) + (d?.up ?? 0);
      if (meps > 0) out.push(up > 0 ? { port, direction: 'up', enabled: true } : { port, direction: 'down', enabled: true });
    }
    return out;
  }

  /** portsAfter with no change: one entry per port of the software MEPs now. */
  ports(): PuntMep[] {
    return this.portsAfter([], () => undefined);
  }

  private count(m: PuntMep, sign: 1 | -1): void {
    const c = this.byPort.get(m.port) ?? { meps: 0, up: 0 };
    c.meps += sign;
    if (isUp(m)) c.up += sign;
    if (c.meps === 0) this.byPort.delete(m.port);
    else this.byPort.set(m.port, c);
  }
}

export interface StoppedMep {
  mep: LocalMep;
  /** The engine's next CCM sequence number as it stopped (0 when it was not running). */
  seq: number;
}

/** Stop the software MEPs of `keys` that are no longer wanted in software as they run. */
export function stopChanged(engine: CfmEngine, sw: Map<string, LocalMep>, keys: Iterable<string>, wantSw: (key: string) => LocalMep | undefined): StoppedMep[] {
  const stopped: StoppedMep[] = [];
  for (const key of keys) {
    const cur = sw.get(key);
    if (!cur) continue;
    const want = wantSw(key);
    if (want && sameSoftwareConfig(cur, want)) continue;
    const m = engine.findMep(key);
    stopped.push({ mep: cur, seq: m ? m.seq : 0 });
    engine.removeMep(key);
    sw.delete(key);
  }
  return stopped;
}

/** A failed apply: run the stopped MEPs again, continuing their sequence numbers. */
export function restartStopped(engine: CfmEngine, sw: Map<string, LocalMep>, stopped: readonly StoppedMep[]): void {
  for (const s of stopped) {
    if (s.mep.enabled) engine.addMep(mepConfigOf(s.mep, s.seq));
    sw.set(s.mep.key, s.mep);
  }
}

/** Start what is planned in software and not running; `seqOf` continues a moved MEP's sequence. Returns the keys started. */
export function startPlanned(
  engine: CfmEngine,
  sw: Map<string, LocalMep>,
  keys: Iterable<string>,
  wantSw: (key: string) => LocalMep | undefined,
  seqOf: (key: string) => number | undefined,
): string[] {
  const started: string[] = [];
  for (const key of keys) {
    const mep = wantSw(key);
    if (!mep || sw.has(key)) continue;
    const seq = seqOf(key);
    if (mep.enabled) engine.addMep(mepConfigOf(mep, seq));
    sw.set(key, mep);
    started.push(key);
  }
  return started;
}
