/**
 * Which apply the manager is in, and how far (issue 16): on a slow switch SDK (ms per vendor
 * call) an apply of 1,000 VOEs takes seconds, and `cfm status` must not wait for it. The manager
 * counts the applies and changes asked for and not yet settled; while there is one, status()
 * answers at once from the state it last knew (placement, the engine's software MEPs, hardware
 * MEPs' last read-back and events) and says so with the snapshot below.
 */
import type { ApplyOptions, ApplyProgress } from './reconciler.js';

/** What status() says about an apply that is under way (ManagerStatus.apply). */
export interface ApplyInProgress {
  inProgress: true;
  /** 'apply' = a full config apply or re-plan; 'change' = manager.change. */
  kind: 'apply' | 'change';
  /** Applies and changes asked for and not settled yet (this one included). */
  queued: number;
  /**
   * The step of the running one: 'waiting' (queued behind other backend work), 'planning',
   * 'reading back VOEs', 'CPU punt flags and policers', 'VOE operations', 'rolling back',
   * 'hardware MEP status', 'software MEPs'.
   */
  step: string;
  /** VOE operations done / total (step 'VOE operations'; 0/0 before it). */
  done: number;
  total: number;
  /** Manager clock when the running one was asked for. */
  sinceNs: number;
  /**
   * Hardware MEPs' counters, peer MACs and sequence numbers are those of their last read-back
   * (this manager clock time at the oldest, null: none read yet); their defects and remote-MEP
   * states follow the hardware events handled so far.
   */
  hardwareReadAtNs: number | null;
}

interface Running {
  kind: 'apply' | 'change';
  started: boolean;
  step: string;
  done: number;
  total: number;
  sinceNs: number;
}

export class ApplyTracker {
  /** Applies and changes asked for and not settled, in call order. */
  private readonly pending: Running[] = [];

  /** True while an apply or change is queued or running. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  /**
   * Track one apply from the call to its settling: `enqueue` queues it on the manager's serial
   * chain and calls `started` when it begins to run.
   */
  track<T>(kind: 'apply' | 'change', nowNs: number, enqueue: (started: () => void) => Promise<T>): Promise<T> {
    const r: Running = { kind, started: false, step: 'waiting', done: 0, total: 0, sinceNs: nowNs };
    this.pending.push(r);
    const settle = () => {
      const i = this.pending.indexOf(r);
      if (i >= 0) this.pending.splice(i, 1);
    };
    let p: Promise<T>;
    try {
      p = enqueue(() => {
        r.started = true;
        r.step = 'planning';
      });
    } catch (e) {
      settle();
      throw e;
    }
    return p.finally(settle);
  }

  /** The running apply moves to `step` (no-op outside an apply). */
  step(step: string): void {
    const r = this.current();
    if (!r) return;
    r.step = step;
    if (step !== 'VOE operations') r.done = r.total = 0;
  }

  /** ApplyOptions for the reconciler that follow its progress and still call the caller's. */
  follow<O extends ApplyOptions>(opts: O): O {
    const r = this.current();
    if (!r) return opts;
    r.step = 'VOE operations';
    const outer = opts.onProgress;
    return {
      ...opts,
      onProgress: (p: ApplyProgress) => {
        r.done = p.done;
        r.total = p.total;
        outer?.(p);
      },
    };
  }

  /** The snapshot status() carries while busy; undefined when idle. */
  snapshot(hardwareReadAtNs: number | null): ApplyInProgress | undefined {
    const r = this.pending.find((x) => x.started) ?? this.pending[0];
    if (!r) return undefined;
    return { inProgress: true, kind: r.kind, queued: this.pending.length, step: r.step, done: r.done, total: r.total, sinceNs: r.sinceNs, hardwareReadAtNs };
  }

  /** The apply that runs now (the serial chain runs one at a time). */
  private current(): Running | undefined {
    return this.pending.find((x) => x.started);
  }
}
