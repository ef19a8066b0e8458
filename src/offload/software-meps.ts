/**
 * The manager's software MEPs in the engine during an apply: stop those that leave software or
 * whose config changed (keeping each one's next CCM sequence number, handover.ts), start the
 * newly planned ones, and restart the stopped ones when the apply fails (nothing half-applied).
 * `sw` is the manager's table of software MEPs by key (the LocalMep each was started from).
 */
import type { LocalMep } from '../config/model.js';
import type { CfmEngine } from '../engine/engine.js';
import { mepConfigOf, sameSoftwareConfig } from './sw-mep.js';

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
