/**
 * The verdict of a failed apply's rollback (issue 16 item 3): "rolled back" when the device is
 * back as it was, also when an undo write failed once and its retry put it back; "could not be
 * put back" only when it really was not.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { VoeSpec } from '../../src/backends/types.js';
import { CfmError } from '../../src/common/errors.js';
import { ApplyError } from '../../src/offload/reconciler.js';
import { mkMep } from './fixtures.js';
import { mkModel, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const hw = mkMep({ mepId: 1, associationId: 'ma1', switch: 'a', port: 'swp1', interval: 3 });
const hw2 = mkMep({ mepId: 2, associationId: 'ma2', switch: 'a', port: 'swp2', interval: 3 });
// a software MEP on swp3: the apply turns swp3's CPU punt flag on before the VOE writes
const sw = mkMep({ mepId: 3, associationId: 'ma3', switch: 'a', port: 'swp3', interval: 4, placement: 'software' });

/** Apply [hw], then [hw, hw2, sw] with hw2's VOE create failing; punt writes fail `puntFailures` times after that. */
async function failedApply(puntFailures: number): Promise<{ err: unknown; punted: () => boolean[] }> {
  r = rig(['a'], []);
  const m = r.mgr.a;
  const b = r.sw.a.backend;
  await m.apply(mkModel([hw]));
  const flags = new Map<string, boolean>();
  const setPunt = b.setPortPuntAll.bind(b);
  let failing = false;
  let left = puntFailures;
  b.setPortPuntAll = (port: string, on: boolean) => {
    if (failing && left > 0) {
      left--;
      throw new CfmError('BACKEND', `setPortPuntAll ${port}: EIO (injected)`);
    }
    setPunt(port, on);
    flags.set(port, on);
  };
  const create = b.createVoe.bind(b);
  b.createVoe = async (s: VoeSpec) => {
    if (s.key === hw2.key) {
      failing = true; // from here on it is the rollback
      throw new CfmError('BACKEND', `cfm_voe_alloc (key '${s.key}'): EIO (injected)`);
    }
    return create(s);
  };
  const err = await m.apply(mkModel([hw, hw2, sw])).catch((e: unknown) => e);
  return { err, punted: () => ['swp1', 'swp2', 'swp3'].map((p) => flags.get(p) ?? false) };
}

describe('rollback verdict of the CPU punt flags (issue 16 item 3)', () => {
  it('a punt-flag undo that fails once and then goes through: rolled back, flags as before', async () => {
    const { err, punted } = await failedApply(1);
    expect(err).toBeInstanceOf(ApplyError);
    const e = err as ApplyError;
    expect(e.rolledBack, e.message).toBe(true);
    expect(e.message).not.toMatch(/could not be put back/);
    expect(punted()).toEqual([false, false, false]);
    expect((await r!.sw.a.backend.listVoes()).map((v) => v.spec.key)).toEqual([hw.key]);
  });

  it('a punt-flag undo that keeps failing: reported, not rolled back', async () => {
    const { err, punted } = await failedApply(100);
    expect(err).toBeInstanceOf(ApplyError);
    const e = err as ApplyError;
    expect(e.rolledBack).toBe(false);
    expect(e.message).toMatch(/the CPU punt flags could not be put back/);
    expect(punted()).toEqual([false, false, true]); // really not restored
  });
});
