/**
 * Time-of-day timestamps in Y.1731 DM frames (TxTimeStampf, RxTimeStampf, TxTimeStampb,
 * RxTimeStampb; 9.14-9.16): 8 octets in the IEEE 1588 PTP representation, 4 octets seconds and
 * 4 octets nanoseconds since 1970-01-01 00:00 UTC (the low 32 bits of PTP's 48-bit seconds, as
 * the PDU has room for). The engine writes its clock's time of day (Clock.timeOfDay) so that a
 * 1DM's RxTimef - TxTimeStampf (8.2.1) between two systems with synchronised time of day (PTP,
 * NTP) is the link's delay, not the gap between the two processes' starts.
 *
 * As one JS number a time of day (1.7e18 ns) loses the ns (2^53), so differences are taken on
 * seconds and nanoseconds apart: exact whatever the epoch. A VOE may stamp in its own clock
 * (docs/vendor-abi.md 5c): differences of two fields it wrote stay exact too.
 */
import { clockNsAt, clockTimeOfDay, diffNs, type Clock, type TimeOfDay } from '../common/clock.js';
import { getU32 } from './responders.js';

/** The timestamp field at `at`. */
export function getTod(b: Uint8Array, at: number): TimeOfDay {
  return { seconds: getU32(b, at), nanoseconds: getU32(b, at + 4) };
}

/** Whether the field at `at` is all zero ("reserved", not written: Y.1731 9.15 / 9.16). */
export function isZeroTs(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (b[at + i] !== 0) return false;
  return true;
}

/** Field at `a` minus field at `c` of the same frame, in ns, exact. */
export function fieldDiffNs(b: Uint8Array, a: number, c: number): number {
  return diffNs(getTod(b, a), getTod(b, c));
}

/**
 * The time on `clock`'s own count (the count rxNs is on) at which the time-of-day field at `at`
 * was: a peer's TxTimeStampf made comparable with the local receive time (8.2.1 / 8.2.2).
 */
export function fieldClockNs(clock: Clock, b: Uint8Array, at: number): number {
  return clockNsAt(clock, getTod(b, at));
}

/** `clock`'s time of day at `atNs` (default now), as written into DM frames. */
export function todOf(clock: Clock, atNs?: number): TimeOfDay {
  return clockTimeOfDay(clock, atNs);
}
