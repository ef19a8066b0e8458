/**
 * The one transaction of an apply: everything it writes - the CPU punt flags of ports with
 * software MPs, the CPU-protection policers (full applies only: a change of MEPs does not touch
 * them), then the VOEs (applyOps, all-or-nothing). A failure anywhere puts all of it back and
 * restarts the software MEPs the apply stopped, so nothing is left half-applied. Reads and checks
 * come before this step (commit.ts) and before any software MEP is stopped.
 */
import type { VoeState } from '../backends/types.js';
import type { ApplyCallOptions } from './apply-report.js';
import type { CommitDeps, CommitScope } from './commit-context.js';
import { plannedMips } from './cpu-path.js';
import { PolicerError, type PreparedOps } from './ops.js';
import { ApplyError, applyOps, undoWithRetries } from './reconciler.js';
import { restartStopped, type StoppedMep } from './software-meps.js';

/** Write punt flags, policers and VOEs; on failure roll all back and throw. Returns the VOE handles by key. */
export async function writeTransaction(d: CommitDeps, c: CommitScope, prep: PreparedOps | null, stopped: readonly StoppedMep[], opts: ApplyCallOptions): Promise<Map<string, number>> {
  const puntBefore = new Set(d.cpu.punted);
  try {
    d.tracker.step('CPU punt flags and policers');
    await d.cpu.writePunting(puntTarget(d, c));
    if (prep) await d.ops.programPolicersOrRestore(prep);
    return await applyOps(d.backend, c.t.diff.ops, c.t.before, d.tracker.follow(opts), c.t.scope ?? undefined);
  } catch (e0) {
    throw await rollBack(d, e0, prep !== null, puntBefore, stopped);
  }
}

/** Put back what the transaction wrote; returns the error to throw (naming what could not be put back). */
async function rollBack(d: CommitDeps, e0: unknown, policers: boolean, puntBefore: Set<string>, stopped: readonly StoppedMep[]): Promise<unknown> {
  d.tracker.step('rolling back');
  let e = e0;
  const undo: string[] = [];
  if (policers && !(e instanceof PolicerError)) {
    if (!(await undoWithRetries(() => d.ops.restorePolicers()))) undo.push('the CPU-protection policers');
  }
  if (!(await undoWithRetries(() => d.cpu.writePunting(puntBefore)))) undo.push('the CPU punt flags');
  if (undo.length) {
    const step = e instanceof ApplyError ? e.step : 0;
    e = new ApplyError(`${e instanceof Error ? e.message : String(e)}; ${undo.join(' and ')} could not be put back`, step, false, e);
  }
  d.voes.forget();
  // A rollback may re-create VOEs under new handles: follow them by key.
  const now = await d.backend.listVoes().catch(() => [] as VoeState[]);
  for (const v of now) {
    const h = d.hw.get(v.spec.key);
    if (h) h.handle = v.handle;
  }
  restartStopped(d.engine, d.sw, stopped);
  return e;
}

/**
 * The ports to punt after this apply (CpuSide.puntPortsFor), from the MEPs and MIPs it leaves:
 * the software MEPs' per-port counts with the commit's keys as planned (SoftwareMeps.portsAfter),
 * so a change costs O(its MEPs + ports), not a walk over every software MEP.
 */
function puntTarget(d: CommitDeps, c: CommitScope): Set<string> {
  const { t } = c;
  const mipPorts = t.scope === null
    ? plannedMips(t.model, t.plan).filter((m) => m.switch === t.plan.switch).map((m) => m.port)
    : [...d.cpu.mips.values()].map((m) => m.cfg.port);
  return d.cpu.puntPortsFor(d.sw.portsAfter(c.keys, c.wantSw), mipPorts);
}
