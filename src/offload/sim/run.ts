/**
 * Drive a virtual clock while the manager's asynchronous work (backend calls return promises)
 * keeps up: advance in steps and let pending promise callbacks run after each step. Backends
 * on the mock ASIC answer synchronously inside their promises, so one macrotask turn per step
 * is enough for hardware events to reach the FNG at the step's time.
 */
import type { VirtualClock } from '../../common/clock.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function settle(): Promise<void> {
  await turn();
  await turn();
}

/** Advance `clock` by `durationNs` in steps of `stepNs` (default 1 ms), settling after each. */
export async function runVirtual(clock: VirtualClock, durationNs: number, stepNs = 1_000_000): Promise<void> {
  const end = clock.nowNs() + durationNs;
  await settle();
  while (clock.nowNs() < end) {
    clock.advanceTo(Math.min(end, clock.nowNs() + stepNs));
    await settle();
  }
}
