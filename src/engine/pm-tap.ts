/**
 * Observers of the Y.1731 performance-measurement replies a MEP receives (DMR, LMR, SLR, 1DM,
 * TST), for measurement sessions that live above the engine (src/offload/y1731: on-demand tests
 * and proactive PM sessions). The dispatcher hands every such frame to the taps of its MEP
 * before the engine's own handling; a MEP without taps pays one WeakMap lookup per PM frame.
 *
 * `rxNs` is the frame's receive time (RxTimeb / RxTimef of Y.1731 8.2); a tap must not keep or
 * modify `frame` (copy what it needs).
 */
import type { Mep } from './mep.js';

export type PmTap = (opcode: number, frame: Uint8Array, p: number, rxNs: number) => void;

const taps = new WeakMap<Mep, Set<PmTap>>();

/** Observe PM frames of `mep`; returns the function that stops observing. */
export function tapPm(mep: Mep, fn: PmTap): () => void {
  let s = taps.get(mep);
  if (!s) taps.set(mep, (s = new Set()));
  s.add(fn);
  return () => {
    s.delete(fn);
  };
}

/** Called by the dispatcher for opcodes 37 (TST), 42 (LMR), 45 (1DM), 46 (DMR), 54 (SLR). */
export function deliverPm(mep: Mep, opcode: number, frame: Uint8Array, p: number, rxNs: number): void {
  const s = taps.get(mep);
  if (s) for (const t of [...s]) t(opcode, frame, p, rxNs);
}
