/**
 * Run-time steps of hardware MEPs after an apply (src/offload/hw-runtime.ts): a failed status
 * read is a warning that says the next event poll retries it, and the poll does (the VOE PM
 * write's own retry, at the next apply or change, is in change-scope.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runVirtual } from '../../src/offload/sim/run.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

describe('a hardware MEP\'s failed status read after an apply', () => {
  it('warns "retried at the next event poll", and the next poll reads it', async () => {
    const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    r = x;
    const meps = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1' });
    const model = mkModel(meps);
    for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(model);
    await runVirtual(x.net.clock, 2e9);

    const b = x.sw.sw1.backend;
    const read = b.readStatus.bind(b);
    let failing = 0;
    const reads: number[] = [];
    b.readStatus = async (h) => {
      reads.push(h);
      if (failing > 0) {
        failing--;
        throw new Error(`VOE ${h}: injected status read failure`);
      }
      return read(h);
    };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      failing = 1;
      // a changed VOE is read back after its update (hw-follow.ts): that read fails
      await x.mgr.sw1.change({ meps: [{ key: meps[0].key, ccmLtmPriority: 3 }] });
      await new Promise((res) => setImmediate(res)); // warnings are emitted on the next tick
      const h = x.mgr.sw1.hardwareHandle(meps[0].key)!;
      expect(warnings.filter((w) => w.includes('injected status read failure'))).toEqual([
        `cfm offload: ${meps[0].key}: VOE ${h}: injected status read failure (retried at the next event poll)`,
      ]);
      expect(reads).toEqual([h]);
      // the next event poll (10 ms) reads it again, and it succeeds: no further warning
      await runVirtual(x.net.clock, 50e6);
      expect(reads.filter((v) => v === h).length).toBeGreaterThanOrEqual(2);
      expect(warnings.filter((w) => w.includes('injected status read failure'))).toHaveLength(1);
      expect((await x.mgr.sw1.status()).meps.find((m) => m.key === meps[0].key)).toMatchObject({ placement: 'hardware', defects: [] });
    } finally {
      process.off('warning', onWarning);
    }
  });
});
