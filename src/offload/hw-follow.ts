/**
 * The hardware MEPs after an apply's VOE writes succeeded: forget the ones that left hardware or
 * got a new VOE, follow the rest (reconfigure, or a new HwMep on the VOE's handle), take over the
 * state of adopted VOEs (a warm restart keeps its defects and RDI instead of assuming "all OK"),
 * then push presentRDI (802.1Q 20.9.6) and the VOEs' hardware DM / LM.
 *
 * From here on the configuration is in place: what fails now (a status read, an RDI write, both
 * run-time state) is a warning caught up by the next event poll (hw-runtime.ts), not a failed apply.
 */
import type { VoeState, VoeStatus } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import type { CommitDeps, CommitScope } from './commit-context.js';
import { HwMep } from './hw-mep.js';
import { Slicer } from './slice.js';
import { syncVoePm } from './y1731/hw-pm.js';

/** What the apply knew of the VOEs before its writes. */
export interface HwBefore {
  /** VOE handles of the creates (applyOps). */
  handles: ReadonlyMap<string, number>;
  /** The first VOE of each key as read back before the ops. */
  beforeOf: ReadonlyMap<string, VoeState>;
  /** Status of adopted VOEs, read before anything was written. */
  adoptStatus: ReadonlyMap<string, VoeStatus>;
}

/** Make the manager's hardware MEPs match the applied VOEs and push their run-time state. */
export async function followHardware(d: CommitDeps, c: CommitScope, b: HwBefore): Promise<void> {
  const ops = c.t.diff.ops;
  const created = new Set(ops.filter((o) => o.kind === 'create').map((o) => o.key));
  const updated = new Set(ops.filter((o) => o.kind === 'update').map((o) => o.key));
  // forget what left hardware or got a new VOE
  for (const key of c.keys) {
    const h = d.hw.get(key);
    if (h && (!c.isHw(key) || created.has(key))) {
      h.stop();
      d.hw.delete(key);
      d.cpu.dropCompanion(key);
    }
  }
  const slicer = new Slicer(); // 1,000s of HwMeps and engine companions: yield now and then (issue 16)
  const resync = await followPlanned(d, c, b, created, updated, slicer);
  for (const h of resync) d.hwRt.pending.add(h);
  await pushState(d, c, slicer);
}

/** Follow every MEP planned in hardware; returns the HwMeps whose status must be read back. */
async function followPlanned(d: CommitDeps, c: CommitScope, b: HwBefore, created: Set<string>, updated: Set<string>, slicer: Slicer): Promise<HwMep[]> {
  const resync: HwMep[] = [];
  // what runs the VOEs (capabilities() is a copy per call: once, not once per MEP)
  const source = d.backend.capabilities().kind === 'software' ? 'software' : 'hardware';
  for (const key of c.keys) {
    if (!c.isHw(key)) continue;
    if (slicer.due()) await slicer.yield();
    const mep = c.t.mepOf(key)!;
    const spec = c.t.planOf(key)!.voe!;
    const have = d.hw.get(key);
    if (have) {
      have.reconfigure(mep, spec);
      if (updated.has(key)) resync.push(have);
      d.cpu.setCompanion(mep);
      continue;
    }
    const handle = b.handles.get(key) ?? b.beforeOf.get(key)?.handle;
    if (handle === undefined) throw new CfmError('INTERNAL', `no VOE handle for ${key} after apply`);
    const h = new HwMep(mep, handle, spec, d.clock, d.emit, source);
    d.hw.set(key, h);
    d.cpu.setCompanion(mep);
    // Adopted VOEs keep their state (warm restart): take it over instead of assuming "all OK".
    if (!created.has(key)) {
      h.rdiSent = b.beforeOf.get(key)?.spec.rdi ?? false;
      const st = b.adoptStatus.get(key);
      if (st) h.syncStatus(st);
      else resync.push(h);
    }
  }
  return resync;
}

/** presentRDI of every hardware MEP of the scope, the pending status reads, then the VOEs' DM / LM. */
async function pushState(d: CommitDeps, c: CommitScope, slicer: Slicer): Promise<void> {
  d.tracker.step('hardware MEP status');
  for (const key of c.keys) {
    const h = d.hw.get(key);
    if (h && !d.hwRt.pending.has(h)) await d.hwRt.step(h, () => h.pushRdi(d.backend));
    if (slicer.due()) await slicer.yield();
  }
  await d.hwRt.syncPending();
  // the VOEs' hardware DM / LM for PM sessions and tests (y1731/hw-pm.ts): of the scope only, a
  // MEP outside a change's scope kept its plan and VOE (a change costs O(changed MEPs))
  await syncVoePm(d.backend, d.hw, c.t.planOf, d.voePm, (k, fn) => d.hwRt.step(d.hw.get(k)!, fn, 'apply or change'), c.t.scope);
}
