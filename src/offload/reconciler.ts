/**
 * Reconciler: desired VOEs (the hardware part of a Plan) against the backend's actual VOEs,
 * read back with listVoes (never remembered), as an ordered list of operations applied
 * all-or-nothing.
 *
 * - Deletes come first (they free VOEs the creates may need), then in-place updates, then creates
 *   in plan order (shortest interval first).
 * - A VOE whose key is desired and whose configuration already matches is adopted: nothing is
 *   sent to the hardware, so a manager restart does not interrupt its CCMs (warm restart).
 * - Any failure undoes the operations already done, in reverse, restoring the configuration read
 *   back before the apply; the error names the failing step. An unchanged re-apply is 0 ops.
 */
import type { Backend, VoeSpec, VoeState } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import { cloneSpec, needsRecreate, specEqual } from './voe-spec.js';

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

/** Pure diff. `desired` in plan order; `actual` as read back. */
export function diffVoes(desired: VoeSpec[], actual: VoeState[]): ReconcileDiff {
  const want = new Map<string, VoeSpec>();
  for (const s of desired) {
    if (want.has(s.key)) throw new CfmError('INTERNAL', `two desired VOEs with key ${s.key}`);
    want.set(s.key, s);
  }
  // Group the actual VOEs by key; keep the first (lowest handle) and delete duplicates, which
  // only exist after a crash between create and bookkeeping in another tool.
  const have = new Map<string, VoeState>();
  const deletes: ReconcileOp[] = [];
  const updates: ReconcileOp[] = [];
  const recreate = new Set<string>();
  for (const v of [...actual].sort((a, b) => a.handle - b.handle)) {
    const key = v.spec.key;
    if (have.has(key)) {
      deletes.push({ kind: 'delete', key, handle: v.handle, old: cloneSpec(v.spec), why: 'duplicate' });
      continue;
    }
    have.set(key, v);
  }
  const adopted: string[] = [];
  for (const v of [...have.values()].sort((a, b) => byKey(a.spec, b.spec))) {
    const key = v.spec.key;
    const w = want.get(key);
    if (!w) deletes.push({ kind: 'delete', key, handle: v.handle, old: cloneSpec(v.spec), why: 'not in plan' });
    else if (specEqual(w, v.spec)) adopted.push(key);
    else if (needsRecreate(w, v.spec)) {
      deletes.push({ kind: 'delete', key, handle: v.handle, old: cloneSpec(v.spec), why: 'recreate' });
      recreate.add(key);
    } else {
      // Keep the run-time RDI the VOE has now: it follows the defects, not the config.
      updates.push({ kind: 'update', key, handle: v.handle, old: cloneSpec(v.spec), spec: { ...cloneSpec(w), rdi: v.spec.rdi } });
    }
  }
  const creates: ReconcileOp[] = desired
    .filter((s) => !have.has(s.key) || recreate.has(s.key))
    .map((s) => ({ kind: 'create', key: s.key, spec: cloneSpec(s) }));
  deletes.sort((a, b) => byKey(a, b) || (a as { handle: number }).handle - (b as { handle: number }).handle);
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

type Done = { op: ReconcileOp; handle: number };

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

async function undo(backend: Backend, d: Done): Promise<void> {
  switch (d.op.kind) {
    case 'delete':
      await backend.createVoe(d.op.old);
      return;
    case 'update':
      await backend.updateVoe(d.handle, d.op.old);
      return;
    case 'create':
      await backend.deleteVoe(d.handle);
      return;
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Apply ops in order; on failure roll back what was done (in reverse) and throw ApplyError. */
export async function applyOps(backend: Backend, ops: ReconcileOp[], opts: ApplyOptions = {}): Promise<Map<string, number>> {
  const done: Done[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    try {
      const handle = await runOp(backend, op);
      done.push({ op, handle });
      opts.onProgress?.({ done: i + 1, total: ops.length, op });
    } catch (e) {
      const failures: string[] = [];
      for (const d of done.reverse()) {
        try {
          await undo(backend, d);
        } catch (u) {
          failures.push(`${describe(d.op)}: ${errText(u)}`);
        }
      }
      const where = `step ${i + 1}/${ops.length} (${describe(op)})`;
      if (failures.length) {
        throw new ApplyError(`apply failed at ${where}: ${errText(e)}; rollback incomplete, hardware state unknown: ${failures.join('; ')}`, i + 1, false, e);
      }
      throw new ApplyError(`apply failed at ${where}: ${errText(e)}; rolled back ${done.length} operation${done.length === 1 ? '' : 's'}`, i + 1, true, e);
    }
  }
  const handles = new Map<string, number>();
  for (const d of done) if (d.op.kind !== 'delete') handles.set(d.op.key, d.handle);
  return handles;
}

/** Read back, diff, apply. */
export async function reconcile(backend: Backend, desired: VoeSpec[], opts: ApplyOptions = {}): Promise<ApplyResult> {
  const actual = await backend.listVoes();
  const diff = diffVoes(desired, actual);
  const created = await applyOps(backend, diff.ops, opts);
  const handles = new Map<string, number>();
  const adopted = new Set(diff.adopted);
  for (const v of actual) if (adopted.has(v.spec.key) && !handles.has(v.spec.key)) handles.set(v.spec.key, v.handle);
  for (const [k, h] of created) handles.set(k, h);
  return { ops: diff.ops, adopted: diff.adopted, handles };
}
