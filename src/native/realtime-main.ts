/**
 * The event thread's priority (issue 17). LOC and other records reach JavaScript on the thread
 * that runs the event loop (the ring buffer's or the packet socket's poll, the checker's timer):
 * on a machine whose cores are busy, an ordinary (CFS, nice 0) thread waited up to ~105 ms for a
 * CPU before it could turn a LOC record into a fault event (3.33 ms and 10 ms, two spinning
 * threads and two spinning processes, 12-06). Raised to nice -10 it was reported within 2.2 ms.
 *
 * Why nice and not SCHED_FIFO (measured equally good here): a JavaScript thread can be busy for
 * seconds (a large apply, a GC), and a busy SCHED_FIFO thread takes its CPU from every ordinary
 * thread (the kernel's RT throttling leaves them 5 %); at nice -10 it still shares (weight 9548
 * against 1024 per nice-0 thread) while a wakeup preempts ordinary load at once. The transmit
 * threads stay above it (SCHED_FIFO, src/native/scheduler.ts).
 *
 * Set with SCHED_FLAG_RESET_ON_FORK, so threads created afterwards (Workers, the libuv pool) do
 * not inherit it. Reference-counted: raised by the first holder on a thread, restored when the
 * last one releases. Needs CAP_SYS_NICE (or RLIMIT_NICE >= 30); refused, it says why.
 */
import { loadAddon } from './addon.js';
import { fromNative, OsError } from './errors.js';

/** The nice value the event thread is raised to. */
export const EVENT_THREAD_NICE = -10;

export interface ThreadSched {
  policy: string;
  priority: number;
  nice: number;
  resetOnFork: boolean;
}

export interface EventThreadPriority {
  /** The thread runs at `nice` (or better: it already did). */
  raised: boolean;
  nice: number;
  /** errno name when raising was refused, e.g. 'EPERM' (no CAP_SYS_NICE). */
  error?: string;
}

let holders = 0;
let saved: ThreadSched | undefined;
let state: EventThreadPriority = { raised: false, nice: 0 };

/** The calling thread's scheduling now (policy, priority, nice). */
export function threadSched(): ThreadSched {
  return loadAddon().threadPriority();
}

/**
 * Raise the calling thread (the one whose event loop reads the reports) to nice -10 where
 * permitted; returns what it runs with and a release function (call once).
 */
export function raiseEventThread(): { priority: EventThreadPriority; release: () => void } {
  if (holders++ === 0) {
    const addon = loadAddon();
    saved = undefined;
    const now = addon.threadPriority();
    if (now.policy !== 'other' || now.nice <= EVENT_THREAD_NICE) {
      state = { raised: true, nice: now.nice }; // already real-time or higher: leave it
    } else {
      try {
        saved = addon.threadPriority({ policy: 'other', nice: EVENT_THREAD_NICE });
        state = { raised: true, nice: EVENT_THREAD_NICE };
      } catch (e) {
        const err = fromNative(e, 'raise the event thread');
        state = { raised: false, nice: now.nice, error: err instanceof OsError ? err.errnoCode : String(err) };
      }
    }
  }
  let released = false;
  return {
    priority: { ...state },
    release: () => {
      if (released) return;
      released = true;
      if (--holders > 0 || !saved) return;
      try {
        loadAddon().threadPriority({ policy: 'other', nice: saved.nice });
      } catch {
        // lowering back to the nice value it had never needs a privilege; nothing to report
      }
      saved = undefined;
      state = { raised: false, nice: 0 };
    },
  };
}
