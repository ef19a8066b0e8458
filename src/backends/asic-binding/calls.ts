/**
 * How vendor C ABI calls run: on the event loop (sync) or on libuv's thread pool (koffi's
 * `fn.async`), written once.
 *
 * An operation is a generator that yields the C calls it makes (`yield call(fn, ...args)`
 * evaluates to the call's status) and returns its result; `runSync` makes the calls directly,
 * `runAsync` runs each on a pool thread and resumes the generator on the event loop when it
 * returns. So the logic around the calls (status checks, all-or-nothing undo, the read-back
 * cache) is the same code in both modes, and a fast backend (the mock in virtual time) keeps
 * today's synchronous path at no cost.
 *
 * cfm_asic.h: "a handle is used by one thread at a time". Async operations of one handle go
 * through its SerialQueue: one operation at a time, each C call awaited before the next, so the
 * pool threads that run them never overlap on the handle and the device sees the calls in order.
 */
import { CfmError } from '../../common/errors.js';

/** A koffi function: callable, with `.async(...args, cb)` for the thread pool. */
type Fn = (...args: unknown[]) => unknown;
interface AsyncFn {
  async(...args: unknown[]): void;
}

/** One C call an operation makes. */
export interface CCall {
  fn: Fn;
  args: unknown[];
}

/** An operation: yields C calls, receives each call's return value, returns T. */
export type CallGen<T> = Generator<CCall, T, number>;

export function call(fn: Fn, ...args: unknown[]): CCall {
  return { fn, args };
}

/** Run an operation's C calls here, on this thread. */
export function runSync<T>(g: CallGen<T>): T {
  let r = g.next();
  while (!r.done) {
    let ret: number;
    try {
      ret = r.value.fn(...r.value.args) as number;
    } catch (e) {
      r = g.throw(e); // let the operation's own try/catch (undo) see a failed call
      continue;
    }
    r = g.next(ret);
  }
  return r.value;
}

function callOnPool(c: CCall): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    (c.fn as unknown as AsyncFn).async(...c.args, (err: unknown, ret: unknown) => {
      if (err) reject(err instanceof Error ? err : new CfmError('BACKEND', String(err)));
      else resolve(ret as number);
    });
  });
}

/** Run an operation's C calls one after the other on libuv's thread pool. */
export async function runAsync<T>(g: CallGen<T>): Promise<T> {
  let r = g.next();
  while (!r.done) {
    let ret: number;
    try {
      ret = await callOnPool(r.value);
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(ret);
  }
  return r.value;
}

/**
 * One operation at a time on a handle, in order. Two classes: `urgent` jobs (frame transmit,
 * draining events and punted frames) go before queued `normal` ones (configuration, status reads)
 * but never into the middle of one, so a software MEP's CCM or a loopback reply does not wait
 * behind an apply of thousands of VOEs - only behind the operation under way.
 */
interface Job {
  job: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class SerialQueue {
  private readonly urgent: Job[] = [];
  private readonly normal: Job[] = [];
  private busy = false;
  private readonly done = (): void => this.next();
  /** Jobs waiting (not counting the one running). */
  get pending(): number {
    return this.urgent.length + this.normal.length;
  }

  get idle(): boolean {
    return !this.busy && this.pending === 0;
  }

  run<T>(job: () => Promise<T>, urgent = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      (urgent ? this.urgent : this.normal).push({ job, resolve: resolve as (v: unknown) => void, reject });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const j = this.urgent.shift() ?? this.normal.shift();
    this.busy = j !== undefined;
    if (!j) return;
    let p: Promise<unknown>;
    try {
      p = j.job();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(j.resolve, j.reject).finally(this.done);
  }
}
