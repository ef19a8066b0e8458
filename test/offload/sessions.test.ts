import { afterEach, describe, expect, it } from 'vitest';
import { intervalNs, type IntervalCode } from '../../src/common/interval.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

/** Time of the last frame `node` put on the wire that arrived (1 us link delay) before `cutNs`. */
function lastTx(log: Array<{ atNs: number; node: string }>, node: string, cutNs: number): number {
  return Math.max(...log.filter((t) => t.node === node && t.atNs + 1000 < cutNs).map((t) => t.atNs));
}

describe('mixed hardware/software sessions', () => {
  for (const [hwSide, swSide] of [['sw1', 'sw2'], ['sw2', 'sw1']] as const) {
    it(`hardware MEP on ${hwSide} against software MEP on ${swSide}: up, LOC within 3.25..3.5 intervals, RDI, clear`, async () => {
      r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
      const interval: IntervalCode = 3; // 100 ms
      const I = intervalNs(interval);
      const meps = p2p(interval, { sw: 'sw1', id: 1, port: 'swp1', pin: hwSide === 'sw1' ? 'hardware' : 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: hwSide === 'sw2' ? 'hardware' : 'software' });
      const model = mkModel(meps);
      for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
      expect(r.mgr[hwSide].placementOf(`md1/ma1/${hwSide === 'sw1' ? 1 : 2}`)).toBe('hardware');
      expect(r.mgr[swSide].placementOf(`md1/ma1/${swSide === 'sw1' ? 1 : 2}`)).toBe('software');
      const tx: Array<{ atNs: number; node: string }> = [];
      r.net.tap((t) => { if (t.fate === 'sent') tx.push({ atNs: t.atNs, node: t.node }); });

      await runVirtual(r.net.clock, 1e9);
      for (const n of ['sw1', 'sw2']) {
        const st = await r.mgr[n].status();
        expect(st.meps[0].remotes[0].state, n).toBe('ok');
        expect(st.meps[0].defects, n).toEqual([]);
      }
      expect(r.events.filter((e) => e.type === 'defect')).toEqual([]);

      // full cut: both sides lose the peer
      const cutNs = r.net.clock.nowNs();
      r.net.link('sw1-sw2').up = false;
      await runVirtual(r.net.clock, 6 * I);
      for (const [me, peer] of [['sw1', 'sw2'], ['sw2', 'sw1']]) {
        const loc = r.events.find((e) => e.switch === me && e.type === 'defect' && e.defect === 'defRemoteCCM' && e.active);
        expect(loc, `${me} defRemoteCCM`).toBeDefined();
        const since = (loc!.atNs - lastTx(tx, peer, cutNs)) / I;
        expect(since, `${me} LOC after ${since} intervals`).toBeGreaterThanOrEqual(3.25);
        expect(since).toBeLessThanOrEqual(3.5 + 1e-3);
      }
      // both now send RDI (presentRDI): hardware via setRdi, software in the engine
      for (const n of ['sw1', 'sw2']) expect((await r.mgr[n].status()).meps[0].rdi, n).toBe(true);

      // restore: LOC clears on both sides
      r.net.link('sw1-sw2').up = true;
      await runVirtual(r.net.clock, 5 * I);
      for (const n of ['sw1', 'sw2']) {
        const st = await r.mgr[n].status();
        expect(st.meps[0].defects, n).toEqual([]);
        expect(st.meps[0].remotes[0].state, n).toBe('ok');
        expect(r.events.some((e) => e.switch === n && e.defect === 'defRemoteCCM' && e.active === false), n).toBe(true);
      }

      // one-way cut: the hardware side stops hearing the software side; the far end sees RDI
      const far = swSide;
      r.sw[far].cutTx('swp1');
      await runVirtual(r.net.clock, 6 * I);
      const near = (await r.mgr[hwSide].status()).meps[0];
      const farSt = (await r.mgr[far].status()).meps[0];
      expect(near.defects).toContain('defRemoteCCM');
      expect(farSt.defects).toEqual(['defRDICCM']);
      r.sw[far].cutTx('swp1', false);
      await runVirtual(r.net.clock, 5 * I);
      expect((await r.mgr[hwSide].status()).meps[0].defects).toEqual([]);
      expect((await r.mgr[far].status()).meps[0].defects).toEqual([]);
      expect(r.events.filter((e) => e.source === 'hardware').length).toBeGreaterThan(0);
      expect(r.events.filter((e) => e.source === 'software').length).toBeGreaterThan(0);
    });
  }

  it('hardware and software MEPs raise the same FNG alarm 2.5 s after the defect (802.1Q 20.35)', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' }));
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
    await runVirtual(r.net.clock, 1e9);
    r.net.link('sw1-sw2').up = false;
    await runVirtual(r.net.clock, 4e9);
    for (const [n, source] of [['sw1', 'hardware'], ['sw2', 'software']] as const) {
      const d = r.events.find((e) => e.switch === n && e.type === 'defect' && e.defect === 'defRemoteCCM' && e.active)!;
      const a = r.events.find((e) => e.switch === n && e.type === 'alarm')!;
      expect(d.source).toBe(source);
      expect(a).toMatchObject({ defect: 'defRemoteCCM', source, mep: d.mep, highestDefect: 'defRemoteCCM' });
      expect(a.atNs - d.atNs, n).toBe(2.5e9);
    }
  });
});
