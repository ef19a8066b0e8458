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
/**
 * At least this many VOEs per slot: with few VOEs more slots only mean more wakeups (16 MEPs at
 * 100 ms on 16 slots were one wakeup per CCM, issue 17), so the slot count grows with the VOEs.
 */
const GRID_MIN_PER_SLOT = 8;

/** The scheduler's placement of one VOE: its own start delay, or a phase on the shared grid. */
export type TxPlacement = { startDelayNs: number } | { phaseNs: number };

/** `sharing`: VOEs with this interval on the grid, this one included (default: many). */
export function txPlacement(handle: number, periodNs: number, grid: boolean, sharing = Infinity): TxPlacement {
  // golden-ratio stride: consecutive handles land far apart
  const frac = (handle * 0.6180339887498949) % 1;
  if (!grid || periodNs > GRID_MAX_INTERVAL_NS) return { startDelayNs: Math.floor(frac * Math.min(periodNs, MAX_FIRST_DELAY_NS)) };
  const bySpacing = Math.min(GRID_MAX_SLOTS, Math.max(1, Math.round(periodNs / GRID_SLOT_NS)));
  const slots = Math.min(bySpacing, Math.max(1, Math.ceil(sharing / GRID_MIN_PER_SLOT)));
  // the slots in use are the first `slots` of a fixed order of the interval's positions, so the
  // VOEs placed while there were fewer share their phases with those placed later
  const position = spreadOrder(bySpacing)[Math.floor(frac * slots)]!;
  return { phaseNs: Math.floor(position * (periodNs / bySpacing)) };
}

const orders = new Map<number, number[]>();

/** 0..n-1 in bit-reversed order (0, n/2, n/4, 3n/4, ...): any prefix is spread over the interval. */
function spreadOrder(n: number): number[] {
  let o = orders.get(n);
  if (o) return o;
  let bits = 0;
  while (1 << bits < n) bits++;
  o = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < n) o.push(r);
  }
  orders.set(n, o);
  return o;
}
