/**
 * One apply is one transaction over everything it writes to the ASIC: the VOEs and the
 * CPU-protection policers. A failure at any ABI call leaves both exactly as they were.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AsicError } from '../../src/backends/asic-binding/status.js';
import type { CfmModel } from '../../src/config/model.js';
import { voeSpecToJson } from '../../src/offload/format.js';
import { mkMep, mkProfile } from './fixtures.js';
import { PROFILE, mkModel, newManager, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const WITH_POLICERS = mkProfile({ ...PROFILE, name: 'mock-policers', policers: { count: 4, granularityPps: 1, maxRatePps: 100000 } });

function model(ratePps: number, extra: boolean): CfmModel {
  const meps = [
    mkMep({ mepId: 1, associationId: 'ma1', switch: 'a', port: 'swp1', interval: extra ? 2 : 3 }),
    mkMep({ mepId: 2, associationId: 'ma2', switch: 'a', port: 'swp2', interval: 3 }),
    ...(extra ? [mkMep({ mepId: 3, associationId: 'ma3', switch: 'a', port: 'swp3', interval: 4 })] : []),
  ];
  const m = mkModel(meps);
  const binding = (port: string) => ({ key: `a/${port}/0`, switch: 'a', port, vlan: 0, policy: 1, ethCfmMonitoring: true, aggregate: true, macMonitoring: false, squelchIngressLevels: [] });
  m.cpuProtection = {
    policies: [{ id: 1, overallRatePps: null, ethCfm: [{ entry: 10, levels: [5], opcodes: [1], ratePps }] }],
    bindings: extra ? [binding('swp1'), binding('swp2')] : [binding('swp1')],
  };
  return m;
}

describe('apply transaction: VOEs and policers', () => {
  it('a failure at any ABI call leaves VOEs and policers as they were; the apply then goes through', async () => {
    r = rig(['a'], []);
    const m = newManager(r.sw.a, WITH_POLICERS, r.events);
    r.mgr.a2 = m;
    const b = r.sw.a.backend;
    const snapshot = () => {
      const voes: Record<string, unknown> = {};
      return b.listVoes().then((l) => {
        for (const v of l) voes[v.spec.key] = voeSpecToJson(v.spec);
        b.device.invalidate(); // the next read-back must really read the device
        const policers = [0, 1, 2, 3].map((id) => {
          try {
            const c = b.device.policerGet(id);
            return c.enable ? { ...c, opcode_mask: [...c.opcode_mask] } : null;
          } catch (e) {
            if (e instanceof AsicError && e.status === 'ENOENT') return null;
            throw e;
          }
        });
        return { voes, policers };
      });
    };
    await m.apply(model(100, false));
    const first = await snapshot();
    expect(first.policers.filter((p) => p !== null)).toHaveLength(1);
    let failures = 0;
    let k = 1;
    for (; k < 60; k++) {
      const before = await snapshot();
      b.failCall(k, 'EIO');
      try {
        await m.apply(model(50, true));
        b.failCall(0, 'EIO');
        break;
      } catch (e) {
        b.failCall(0, 'EIO');
        failures++;
        expect((e as Error).message, `call ${k}`).toMatch(/EIO/);
        expect(await snapshot(), `after a failure at call ${k}`).toEqual(before);
        expect(before).toEqual(first);
      }
    }
    // both kinds of write were hit before the apply got through
    expect(failures).toBeGreaterThan(4);
    const after = await snapshot();
    expect(Object.keys(after.voes).sort()).toEqual(['md1/ma1/1', 'md1/ma2/2', 'md1/ma3/3']);
    expect(after.policers.filter((p) => p !== null)).toHaveLength(2);
    expect(after.policers.find((p) => p !== null)).toMatchObject({ rate_pps: 50 });
    // an unchanged re-apply writes nothing: no VOE op, no policer or port flag write (the
    // device's configuration generation counts every write)
    const gen = b.device.configGeneration();
    const rep = await m.apply(model(50, true));
    expect(rep.ops).toEqual([]);
    expect(b.device.configGeneration()).toBe(gen);
  });
});
