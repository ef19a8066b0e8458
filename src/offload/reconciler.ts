/**
 * Reconciler: desired VOEs (the hardware part of a Plan) against the backend's actual VOEs,
 * read back with listVoes (never remembered), as an ordered list of operations applied
 * all-or-nothing.
 *
 * - Deletes come first (they free VOEs the creates may need), then in-place updates, then creates
 *   in plan order (shortest interval first).
 * - A VOE whose key is desired and whose configuration already matches is adopted: nothing is
 *   sent to the hardware, so a manager restart does not interrupt its CCMs (warm restart).
 * - Any failure undoes what was done, restoring the configuration read back before the apply
 *   (see rollback); the error names the failing step. An unchanged re-apply is 0 ops.
 */
import type { Backend, VoeSpec, VoeState } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import { cloneSpec, needsRecreate, specEqual } from './voe-spec.js';
import { runSteps, runStepsSliced, Slicer } from './slice.js';

export type ReconcileOp =
  | { kind: 'delete'; key: string; handle: number; old: VoeSpec; why: 'not in plan' | 'duplicate' | 'recreate' }
  | { kind: 'update'; key: string; handle: number; old: VoeSpec; spec: VoeSpec }
  | { kind: 'create'; key: string; spec: VoeSpec };

export interface ReconcileDiff {
  ops: ReconcileOp[];
  /** Keys already in hardware exactly as desired (adopted, untouched). */
  adopted: string[];
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function sortedByHandle(actual: readonly VoeState[]): readonly VoeState[] {
  for (let i = 1; i < actual.length; i++) {
    if (actual[i - 1].handle > actual[i].handle) return [...actual].sort((a, b) => a.handle - b.handle);
  }
  return actual; // backends list in handle order: no copy, no sort
}

/**
 * Pure diff. `desired` in plan order; `actual` as read back. One pass over each list with a
 * cheap comparison per VOE and no allocation for VOEs that match (the common case: a re-apply
 * of one change at 8,192 MEPs compares 8,192 pairs and builds one op); only the ops and the
 * adopted list are sorted.
 */
export function diffVoes(desired: VoeSpec[], actual: readonly VoeState[]): ReconcileDiff {
  return runSteps(diffVoesSteps(desired, actual));
}

/**
 * diffVoes with yields to the event loop every ~0.5 ms of work (slice.ts): the diff of thousands of
 * VOEs (~3 ms for 1,000) must not hold a software MEP's CCM timer (issue 16). Same result.
 */
export function diffVoesSliced(desired: VoeSpec[], actual: readonly VoeState[], slicer: Slicer = new Slicer()): Promise<ReconcileDiff> {
  return runStepsSliced(diffVoesSteps(desired, actual), slicer);
}

/** diffVoes as a generator of one step per VOE (runSteps / runStepsSliced drain it). */
export function* diffVoesSteps(desired: VoeSpec[], actual: readonly VoeState[]): Generator<void, ReconcileDiff, void> {
  // Index the actual VOEs by key; keep the first (lowest handle) and delete duplicates, which
  // only exist after a crash between create and bookkeeping in another tool.
  const acts = sortedByHandle(actual);
  const have = new Map<string, number>(); // key -> index in acts
  const deletes: ReconcileOp[] = [];
  for (let i = 0; i < acts.length; i++) {
    if ((i & 63) === 63) yield;
    const v = acts[i];
    if (have.has(v.spec.key)) deletes.push({ kind: 'delete', key: v.spec.key, handle: v.handle, old: cloneSpec(v.spec), why: 'duplicate' });
    else have.set(v.spec.key, i);
  }
  // One pass over the desired VOEs: a lookup and a comparison each.
  const matched = new Uint8Array(acts.length);
  const updates: ReconcileOp[] = [];
  const creates: ReconcileOp[] = [];
  const createKeys = new Set<string>();
  const adopted: string[] = [];
  let nMatched = 0;
  for (const w of desired) {
    yield;
    const key = w.key;
    const i = have.get(key);
    if (i === undefined || createKeys.has(key)) {
      if (createKeys.has(key)) throw new CfmError('INTERNAL', `two desired VOEs with key ${key}`);
      createKeys.add(key);
      creates.push({ kind: 'create', key, spec: cloneSpec(w) });
      continue;
    }
    if (matched[i]) throw new CfmError('INTERNAL', `two desired VOEs with key ${key}`);
    matched[i] = 1;
    nMatched++;
    if (pairOp(w, acts[i], deletes, updates, creates)) adopted.push(key);
  }
  if (nMatched < have.size) {
    for (const i of have.values()) {
      if (matched[i]) continue;
      const v = acts[i];
      deletes.push({ kind: 'delete', key: v.spec.key, handle: v.handle, old: cloneSpec(v.spec), why: 'not in plan' });
    }
  }
  deletes.sort((a, b) => byKey(a, b) || (a as { handle: number }).handle - (b as { handle: number }).handle);
  updates.sort(byKey);
  return { ops: [...deletes, ...updates, ...creates], adopted: adopted.sort() };
}

/**
 * The ops for one desired VOE `w` and the actual VOE `v` with its key: none (returns true:
 * adopted), an update in place, or a delete + create when a field cannot change in place.
 */
function pairOp(w: VoeSpec, v: VoeState, deletes: ReconcileOp[], updates: ReconcileOp[], creates: ReconcileOp[]): boolean {
  const key = w.key;
  if (specEqual(w, v.spec)) return true;
  if (needsRecreate(w, v.spec)) {
    deletes.push({ kind: 'delete', key, handle: v.handle, old: cloneSpec(v.spec), why: 'recreate' });
    creates.push({ kind: 'create', key, spec: cloneSpec(w) });
  } else {
    // Keep the run-time RDI the VOE has now: it follows the defects, not the config.
    updates.push({ kind: 'update', key, handle: v.handle, old: cloneSpec(v.spec), spec: { ...cloneSpec(w), rdi: v.spec.rdi } });
  }
  return false;
}

/**
 * The diff restricted to `keys` (the same ops diffVoes gives for them): what a change to a few
 * MEPs needs, in time proportional to the change. `desiredOf(key)` is the desired VOE (undefined:
 * none), `actualOf(key)` the VOEs with that key, ascending by handle. Creates come in `order`.
 */
export function diffKeys(
  keys: Iterable<string>,
  desiredOf: (key: string) => VoeSpec | undefined,
  actualOf: (key: string) => readonly VoeState[],
  order: (a: VoeSpec, b: VoeSpec) => number,
): ReconcileDiff {
  const deletes: ReconcileOp[] = [];
  const updates: ReconcileOp[] = [];
  const creates: Array<ReconcileOp & { kind: 'create' }> = [];
  const adopted: string[] = [];
  for (const key of new Set(keys)) {
    const acts = actualOf(key);
    for (let i = 1; i < acts.length; i++) {
      deletes.push({ kind: 'delete', key, handle: acts[i].handle, old: cloneSpec(acts[i].spec), why: 'duplicate' });
    }
    const w = desiredOf(key);
    const v = acts[0];
    if (w === undefined) {
      if (v) deletes.push({ kind: 'delete', key, handle: v.handle, old: cloneSpec(v.spec), why: 'not in plan' });
    } else if (v === undefined) {
      creates.push({ kind: 'create', key, spec: cloneSpec(w) });
    } else if (pairOp(w, v, deletes, updates, creates)) {
      adopted.push(key);
    }
  }
  deletes.sort((a, b) => byKey(a, b) || (a as { handle: number }).handle - (b as { handle: number }).handle);
  updates.sort(byKey);
  creates.sort((a, b) => order(a.spec, b.spec));
  return { ops: [...deletes, ...updates, ...creates], adopted: adopted.sort() };
}

export interface ApplyProgress {
  done: number;
  total: number;
  op: ReconcileOp;
}

export interface ApplyOptions {
  onProgress?: (p: ApplyProgress) => void;
}

export interface ApplyResult {
  ops: ReconcileOp[];
  adopted: string[];
  /** Handle of every desired VOE after the apply, by key. */
  handles: Map<string, number>;
}

export class ApplyError extends CfmError {
  constructor(
    message: string,
    readonly step: number,
    readonly rolledBack: boolean,
    cause?: unknown,
  ) {
    super('APPLY', message, { cause });
    this.name = 'ApplyError';
  }
}

function describe(op: ReconcileOp): string {
  return `${op.kind} ${op.key}`;
}

async function runOp(backend: Backend, op: ReconcileOp): Promise<number> {
  switch (op.kind) {
    case 'delete':
      await backend.deleteVoe(op.handle);
      return op.handle;
    case 'update':
      await backend.updateVoe(op.handle, op.spec);
      return op.handle;
    case 'create':
      return backend.createVoe(op.spec);
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Undo attempts (each: read back, diff against the old state, run the diff) before giving up. */
const UNDO_ATTEMPTS = 3;

/**
 * An idempotent undo step (write the old state again), tried up to UNDO_ATTEMPTS times: true
 * when one attempt put it back, so a failed first try is not reported as a lost rollback.
 */
export async function undoWithRetries(write: () => Promise<void>): Promise<boolean> {
  for (let attempt = 0; attempt < UNDO_ATTEMPTS; attempt++) {
    try {
      await write();
      return true;
    } catch {
      // try again: the step writes the whole old state, not a delta
    }
  }
  return false;
}

/**
 * Undo after a failure. A failed call may still have changed the device (the change went
 * through, then a later step of the same call, e.g. draining events, failed), so the undo is
 * computed from a fresh read-back, not from the list of operations believed done: diff the
 * device against the state read before the apply and run that (deletes of what was created
 * first, updates back to the old configuration, re-creation of what was deleted last, i.e. the
 * operations in reverse). An attempt that fails part-way is retried from a new read-back; the
 * verdict comes from the last read-back only: `restored` when the device matches the old state
 * (earlier failed undo calls that a later attempt made good are then only `retried`), else the
 * failures of the last attempt say what is still wrong.
 */
async function rollback(backend: Backend, before: VoeState[], scope?: ReadonlySet<string>): Promise<{ restored: boolean; undone: number; retried: string[]; failures: string[] }> {
  const seen = new Set<string>();
  const old = before.filter((v) => !seen.has(v.spec.key) && seen.add(v.spec.key)).map((v) => v.spec);
  const retried: string[] = [];
  let failures: string[] = [];
  let undone = 0;
  // One read-back more than attempts: the last one only checks what the last attempt left.
  for (let attempt = 0; attempt <= UNDO_ATTEMPTS; attempt++) {
    let ops: ReconcileOp[];
    try {
      const now = await backend.listVoes();
      ops = diffVoes(old, scope ? now.filter((v) => scope.has(v.spec.key)) : now).ops;
    } catch (e) {
      retried.push(...failures);
      failures = [`read-back: ${errText(e)}`];
      continue;
    }
    if (ops.length === 0) return { restored: true, undone, retried: [...retried, ...failures], failures: [] };
    if (attempt === UNDO_ATTEMPTS) return { restored: false, undone, retried, failures: failures.length ? failures : ops.map((op) => `${describe(op)}: not undone`) };
    retried.push(...failures);
    failures = [];
    for (const op of ops) {
      try {
        await runOp(backend, op);
        undone++;
      } catch (e) {
        failures.push(`${describe(op)}: ${errText(e)}`);
      }
    }
  }
  return { restored: false, undone, retried, failures };
}

/**
 * Apply ops in order. On a failure, restore `before` (the state read back before computing the
 * ops) and throw ApplyError naming the failing step. With `scope`, `before` holds only the VOEs
 * of those keys and the undo leaves VOEs of other keys alone (an incremental apply).
 */
export async function applyOps(
  backend: Backend,
  ops: ReconcileOp[],
  before: VoeState[],
  opts: ApplyOptions = {},
  scope?: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const handles = new Map<string, number>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    try {
      const handle = await runOp(backend, op);
      if (op.kind !== 'delete') handles.set(op.key, handle);
      opts.onProgress?.({ done: i + 1, total: ops.length, op });
    } catch (e) {
      const r = await rollback(backend, before, scope);
      const where = `step ${i + 1}/${ops.length} (${describe(op)})`;
      if (!r.restored) {
        throw new ApplyError(`apply failed at ${where}: ${errText(e)}; rollback incomplete, hardware state unknown: ${r.failures.join('; ')}`, i + 1, false, e);
      }
      const retried = r.retried.length ? `, after ${r.retried.length} failed undo call${r.retried.length === 1 ? '' : 's'} retried: ${r.retried.join('; ')}` : '';
      throw new ApplyError(`apply failed at ${where}: ${errText(e)}; rolled back (${r.undone} undo operation${r.undone === 1 ? '' : 's'}${retried})`, i + 1, true, e);
    }
  }
  return handles;
}

/** Read back, diff, apply. */
export async function reconcile(backend: Backend, desired: VoeSpec[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const actual = await backend.listVoes();
  const diff = diffVoes(desired, actual);
  const created = await applyOps(backend, diff.ops, actual, opts);
  const handles = new Map<string, number>();
  const adopted = new Set(diff.adopted);
  for (const v of actual) if (adopted.has(v.spec.key) && !handles.has(v.spec.key)) handles.set(v.spec.key, v.handle);
  for (const [k, h] of created) handles.set(k, h);
  return { ops: diff.ops, adopted: diff.adopted, handles };
}
