/**
 * Cooperative slicing of long synchronous work on the apply path (issue 16): planning, diffing and
 * the bookkeeping of thousands of MEPs would otherwise hold the event loop for tens of ms, and a
 * software MEP's CCM timer (3.33 / 10 ms, 802.1Q 20.12 CCIwhile) would fire late. A Slicer yields
 * to the event loop (setImmediate: timers and I/O run) once `budgetMs` of work ran since the last
 * yield. Checking is one performance.now() (~50 ns), so the fast path (a virtual-time mock, 8,192
 * MEPs in well under a second) pays a yield per ~0.5 ms of work, not one per item.
 */
import { performance } from 'node:perf_hooks';

export class Slicer {
  private since = performance.now();

  constructor(private readonly budgetMs = 0.5) {}

  /** True when the work since the last yield exceeded the budget: `if (s.due()) await s.yield()`. */
  due(): boolean {
    return performance.now() - this.since >= this.budgetMs;
  }

  /** Let timers and I/O run, then start a new budget. */
  yield(): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        this.since = performance.now();
        resolve();
      }),
    );
  }

  /** Yield only if due (one await when not: a microtask). */
  async pause(): Promise<void> {
    if (this.due()) await this.yield();
  }
}

/** Drain a generator of steps synchronously (the callers that need no slicing). */
export function runSteps<T>(g: Generator<void, T, void>): T {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** Drain a generator of steps, yielding to the event loop every `slicer` budget. */
export async function runStepsSliced<T>(g: Generator<void, T, void>, slicer: Slicer): Promise<T> {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    if (slicer.due()) await slicer.yield();
  }
}
