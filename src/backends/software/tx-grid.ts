/**
 * Where in its interval a software VOE transmits (the native scheduler's first deadline).
 * Many sessions are spread over the interval so their CCMs do not all leave at once; on the
 * phase grid (default) the spread is over a few slots instead of one phase per VOE, and the VOEs
 * of one slot are due at the same instant: one scheduler wakeup and one sendmmsg per port for all
 * of them, and a peer receives them in one batch. 802.1Q 20.10 fixes only each MEP's own
 * interval (CCIwhile), not how MEPs are phased against each other.
 */

/** Every session starts within this, so peers come up fast whatever the interval. */
const MAX_FIRST_DELAY_NS = 100_000_000;
/** Longest interval put on the grid (longer ones send too rarely for batching to matter). */
const GRID_MAX_INTERVAL_NS = 100_000_000;
/**
 * Slots about this far apart (2 at 3.33 ms, 5 at 10 ms, 16 at 100 ms): fewer slots = bigger
 * batches = less CPU per CCM, more slots = smaller bursts on the wire.
 */
const GRID_SLOT_NS = 2_000_000;
const GRID_MAX_SLOTS = 16;

/** The scheduler's placement of one VOE: its own start delay, or a phase on the shared grid. */
export type TxPlacement = { startDelayNs: number } | { phaseNs: number };

export function txPlacement(handle: number, periodNs: number, grid: boolean): TxPlacement {
  // golden-ratio stride: consecutive handles land far apart
  const frac = (handle * 0.6180339887498949) % 1;
  if (!grid || periodNs > GRID_MAX_INTERVAL_NS) return { startDelayNs: Math.floor(frac * Math.min(periodNs, MAX_FIRST_DELAY_NS)) };
  const slots = Math.min(GRID_MAX_SLOTS, Math.max(1, Math.round(periodNs / GRID_SLOT_NS)));
  return { phaseNs: Math.floor(Math.floor(frac * slots) * (periodNs / slots)) };
}
