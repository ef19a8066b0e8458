/**
 * Offload manager benchmarks on the mock ASIC:
 *  - plan + apply of 8,192 MEPs (8,192 VOE creates), target < 1 s;
 *  - reconcile of one change at 100 and at 8,192 MEPs, target: within 2x of each other. The
 *    change is what an operator or firmware does on a running manager: manager.change() of one
 *    MEP's remote MEP list (check, re-plan, read back what changed, diff, one VOE update,
 *    bookkeeping), timed end to end. Also given: the full reconcile (read back every VOE, diff
 *    every MEP) that a new config file costs, and a full read-back after another handle changed
 *    the ASIC (one bulk cfm_voe_dump).
 */
import { performance } from 'node:perf_hooks';
import type { BenchRow } from './run.js';
import { fleetMock, fleetModel, fleetProfile, withFleetManager } from './mock-fleet.js';
import { plan } from '../src/offload/planner.js';
import { hwResources } from '../src/offload/resources.js';
import { reconcile } from '../src/offload/reconciler.js';
import type { HwProfile } from '../src/profiles/types.js';

export const name = 'offload';

/** CCM intervals 3.33 ms .. 1 s in turn; MEP 3 in every MA so a change can move the remote MEP list between 2 and 3. */
const model = (n: number) => fleetModel(n, { intervals: [1, 2, 3, 4], mepIds: [1, 2, 3] });
const mock = (prof: HwProfile) => fleetMock(prof, 'offload');

interface OneChange {
  applyMs: number;
  changeMs: number;
  ops: number;
  fullMs: number;
  fullReadMs: number;
}

/** Best of `reps` manager.change() of one MEP's peers, and of a full reconcile of the same change. */
async function oneChange(n: number, prof: HwProfile): Promise<OneChange> {
  return withFleetManager(prof, 'offload', async (mgr, b) => {
    const m = model(n);
    const ta = performance.now();
    await mgr.apply(m);
    const applyMs = performance.now() - ta;
    const key = m.domains[0].associations[n >> 1].meps[0].key;
    const reps = n > 1000 ? 30 : 60;
    let changeMs = Infinity;
    let ops = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const rep = await mgr.change({ meps: [{ key, remoteMepIds: [r % 2 ? 2 : 3] }] });
      const dt = performance.now() - t0;
      if (dt < changeMs) {
        changeMs = dt;
        ops = rep.ops.length;
      }
    }
    // the same change as a new config: read back every VOE, diff every MEP
    const res = mgr.resources();
    let fullMs = Infinity;
    for (let r = 0; r < Math.min(reps, 10); r++) {
      m.domains[0].associations[n >> 1].meps[0].remoteMepIds = [r % 2 ? 2 : 3];
      const w = plan(m, res).meps.map((x) => x.voe!);
      const t0 = performance.now();
      await reconcile(b, w);
      fullMs = Math.min(fullMs, performance.now() - t0);
    }
    // a change the binding did not make (what another process or a warm restart looks like)
    let fullReadMs = Infinity;
    for (let r = 0; r < 5; r++) {
      b.device.invalidate();
      const t0 = performance.now();
      await b.listVoes();
      fullReadMs = Math.min(fullReadMs, performance.now() - t0);
    }
    return { applyMs, changeMs, ops, fullMs, fullReadMs };
  });
}

export async function run(): Promise<BenchRow[]> {
  const prof = fleetProfile();
  const rows: BenchRow[] = [];
  {
    const b = mock(prof);
    const m = model(8192);
    const t0 = performance.now();
    const p = plan(m, hwResources(prof, b.capabilities()));
    const t1 = performance.now();
    const r = await reconcile(b, p.meps.filter((x) => x.ccm === 'hardware').map((x) => x.voe!));
    const t2 = performance.now();
    await b.close();
    const hw = p.meps.filter((x) => x.ccm === 'hardware').length;
    rows.push({ case: 'plan 8,192 MEPs', value: t1 - t0, unit: 'ms' });
    rows.push({ case: 'plan + apply 8,192 MEPs to the mock ASIC', value: t2 - t0, unit: 'ms', target: '< 1000', met: t2 - t0 < 1000, note: `${hw} VOEs, ${r.ops.length} creates` });
  }
  const small = await oneChange(100, prof);
  const large = await oneChange(8192, prof);
  rows.push({ case: 'manager.apply of 8,192 MEPs (plan, program, bookkeeping)', value: large.applyMs, unit: 'ms', target: '< 1000', met: large.applyMs < 1000 });
  rows.push({ case: 'reconcile one change (manager.change), 100 MEPs', value: small.changeMs, unit: 'ms', note: `${small.ops} op` });
  rows.push({ case: 'reconcile one change (manager.change), 8,192 MEPs', value: large.changeMs, unit: 'ms', note: `${large.ops} op` });
  const ratio = large.changeMs / small.changeMs;
  rows.push({ case: 'ratio 8,192 / 100 (one change)', value: ratio, unit: 'x', target: '<= 2', met: ratio <= 2 });
  rows.push({ case: 'full reconcile of the same change (new config), 8,192 MEPs', value: large.fullMs, unit: 'ms', note: `${small.fullMs.toFixed(2)} ms at 100; reads back and diffs every VOE` });
  rows.push({ case: 'full read-back (bulk dump), 8,192 VOEs', value: large.fullReadMs, unit: 'ms', note: `${small.fullReadMs.toFixed(2)} ms at 100; after a change by another handle` });
  return rows;
}
