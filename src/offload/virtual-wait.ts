/**
 * A loopback or linktrace session ends on the manager's clock. On a VirtualClock nothing moves
 * unless the caller advances it: `await sw.loopback(...)` with nobody advancing would wait forever,
 * and Node, with no handle left, exits 0 without a word. While such a wait is pending this keeps
 * one real-time watchdog: if virtual time stands still for `stallMs` of real time, the wait fails
 * with an error that says what to do.
 */
import { VirtualClock, type Clock } from '../common/clock.js';
import { CfmError } from '../common/errors.js';

export const VIRTUAL_STALL_MS = 2000;

export function watchVirtualClock<T>(clock: Clock, wait: Promise<T>, what: string, stallMs = VIRTUAL_STALL_MS): Promise<T> {
  if (!(clock instanceof VirtualClock)) return wait;
  return new Promise<T>((resolve, reject) => {
    let seen = clock.nowNs();
    const dog = setInterval(() => {
      const now = clock.nowNs();
      if (now !== seen) {
        seen = now;
        return;
      }
      clearInterval(dog);
      reject(new CfmError('USAGE', `${what} waits on a virtual clock that did not advance for ${stallMs} ms of real time: advance the clock (e.g. runVirtual) while awaiting it, or use a RealClock`));
    }, stallMs);
    wait.then(
      (v) => {
        clearInterval(dog);
        resolve(v);
      },
      (e: unknown) => {
        clearInterval(dog);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
