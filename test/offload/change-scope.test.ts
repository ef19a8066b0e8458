/**
 * A change touches only its MEPs (docs/offload.md "Benchmarks": one change costs the same at 100
 * and 8,192 MEPs). The commit's scope goes to the VOEs' hardware DM / LM (y1731/hw-pm.ts), the
 * proactive PM sessions (y1731/pm-store.ts) and the fault signalling (y1731/signals.ts): what the
 * changed MEP needs is still done (its VOE PM written again on a new VOE, its sessions stopped
 * and started with it, its LCK / AIS), what the others have is left as it is (no VOE PM write,
 * the same running sessions with their history), and a failed VOE PM write is retried by the next
 * change whatever it touches. A full re-apply afterwards finds nothing to do.
 *
 * Three MAs from sw1 to a peer switch each (a star: no loop for the LCK / AIS frames sw1 floods
 * to the client level), every MEP in hardware on a profile that offloads DM and LM; sw1's MEPs of
 * ma1 and ma2 run DMM and LMM sessions and have fault signalling. Placement 'auto': every MEP
 * is planned in hardware until a change pins it to software.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultSignalling, LocalMep, PmSessionConfig } from '../../src/config/model.js';
import { PM_DM, PM_LM, pmGet } from '../../src/backends/asic-binding/index.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { HwProfile } from '../../src/profiles/types.js';
import { mkModel, p2p, PROFILE, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const PM_PROFILE: HwProfile = {
  ...PROFILE, name: 'mock-pm',
  offload: { ...PROFILE.offload, dm: true, lm: true },
  offloadDetail: { ...PROFILE.offloadDetail, dm: 'full', lm: 'full' },
};

const FS: FaultSignalling = { clientLevel: 6, ais: true, period: 4, priority: 3, locked: false, csf: false };

function session(id: string, type: PmSessionConfig['type']): PmSessionConfig {
  return { id, type, targetMepId: 2, enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 1, history: 10, priority: 7, fdBinsUs: [5000], ifdvBinsUs: [1000] };
}

const KEYS = ['md1/ma1/1', 'md1/ma2/1', 'md1/ma3/1'];

interface Setup {
  x: Rig;
  /** The VOE handles sw1's manager wrote hardware DM / LM to, in order. */
  pmWrites: number[];
  /** Make sw1's next `n` VOE PM writes fail. */
  failPmWrites(n: number): void;
}

async function start(): Promise<Setup> {
  const peers = ['sw2', 'sw3', 'sw4'];
  const x = rig(['sw1', ...peers], peers.map((p, i) => [`sw1:swp${i + 1}`, `${p}:swp1`] as [string, string]), PM_PROFILE);
  const meps: LocalMep[] = [];
  for (const i of [1, 2, 3]) {
    const [a, b] = p2p(4, { sw: 'sw1', id: 1, port: `swp${i}` }, { sw: peers[i - 1], id: 2, port: 'swp1' }, `ma${i}`);
    meps.push(i < 3 ? { ...a, pmSessions: [session('dm', 'dmm'), session('lm', 'lmm')], faultSignalling: FS } : a, b);
  }
  const b = x.sw.sw1.backend;
  const pmWrites: number[] = [];
  let failing = 0;
  const write = b.setVoePm!.bind(b);
  b.setVoePm = async (handle, fn) => {
    if (failing > 0) {
      failing--;
      throw new Error(`VOE ${handle}: injected PM write failure`);
    }
    pmWrites.push(handle);
    await write(handle, fn);
  };
  const model = mkModel(meps);
  for (const n of ['sw1', ...peers]) await x.mgr[n].apply(model);
  await runVirtual(x.net.clock, 2e9);
  return { x, pmWrites, failPmWrites: (n) => (failing = n) };
}

/** What sw1's VOE of `key` does of DM / LM (null: no VOE). */
function voePm(x: Rig, key: string): number | null {
  const h = x.mgr.sw1.hardwareHandle(key);
  return h === undefined ? null : pmGet(x.sw.sw1.backend.device, h);
}

const sessionsOf = (x: Rig, key: string) => x.mgr.sw1.y1731.pmShow(key).map((s) => ({ id: s.id, state: s.state, placement: s.placement }));
const counters = (x: Rig, key: string) => x.mgr.sw1.engine.findMep(key)!.counters;

describe('a change touches only its MEPs', () => {
  it('moving one MEP to software and back: its VOE PM is written on the new VOE, its sessions follow it, the others are untouched', async () => {
    const { x, pmWrites } = await start();
    r = x;
    for (const k of KEYS) expect(voePm(x, k)).toBe(PM_DM | PM_LM);
    expect(pmWrites).toHaveLength(3); // one per VOE at the full apply
    await runVirtual(x.net.clock, 120e9, 10e6);
    const ma2 = x.mgr.sw1.y1731.pmShow('md1/ma2/1');
    expect(ma2.map((s) => s.history.length)).toEqual([2, 2]);

    pmWrites.length = 0;
    const toSw = await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }] });
    expect(toSw.moves.map((m) => [m.key, m.to])).toEqual([['md1/ma1/1', 'software']]);
    expect(pmWrites).toEqual([]); // the VOE is gone; nobody else's is written
    expect(voePm(x, 'md1/ma1/1')).toBeNull();
    expect(sessionsOf(x, 'md1/ma1/1')).toEqual([{ id: 'dm', state: 'running', placement: 'software' }, { id: 'lm', state: 'running', placement: 'software' }]);
    for (const k of ['md1/ma2/1', 'md1/ma3/1']) expect(voePm(x, k)).toBe(PM_DM | PM_LM);

    const back = await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'auto' }] });
    expect(back.moves.map((m) => [m.key, m.to])).toEqual([['md1/ma1/1', 'hardware']]);
    const handle = x.mgr.sw1.hardwareHandle('md1/ma1/1')!;
    expect(pmWrites).toEqual([handle]); // the new VOE of the changed MEP only
    expect(voePm(x, 'md1/ma1/1')).toBe(PM_DM | PM_LM);
    expect(sessionsOf(x, 'md1/ma1/1').map((s) => s.placement)).toEqual(['hardware', 'hardware']);

    // ma2's sessions ran on through both changes: the same sessions, their history kept
    await runVirtual(x.net.clock, 60e9, 10e6);
    const ma2Now = x.mgr.sw1.y1731.pmShow('md1/ma2/1');
    expect(ma2Now.map((s) => s.history.length)).toEqual([3, 3]);
    expect(ma2Now.map((s) => s.history.slice(0, 2))).toEqual(ma2.map((s) => s.history));
    // ma1's sessions measured across the moves: DMR and LMR received in the last interval
    for (const s of x.mgr.sw1.y1731.pmShow('md1/ma1/1')) expect(s.history.at(-1)!.received).toBeGreaterThan(50);

    // a full re-apply of the same config finds every VOE, its DM / LM and every session as they should be
    pmWrites.length = 0;
    const full = await x.mgr.sw1.replan();
    expect(full.ops).toEqual([]);
    expect(pmWrites).toEqual([]);
    expect(x.mgr.sw1.y1731.pmShow('md1/ma2/1')).toEqual(ma2Now);
  }, 60_000);

  it('disabling and enabling one MEP stops and starts its PM sessions only', async () => {
    const { x } = await start();
    r = x;
    await runVirtual(x.net.clock, 60e9, 10e6);
    const ma2 = x.mgr.sw1.y1731.pmShow('md1/ma2/1');
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', enabled: false }] });
    expect(x.mgr.sw1.y1731.pmShow('md1/ma1/1')).toEqual([]);
    expect(x.mgr.sw1.y1731.pmShow('md1/ma2/1')).toEqual(ma2);
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', enabled: true }] });
    const ma1 = x.mgr.sw1.y1731.pmShow('md1/ma1/1');
    expect(ma1.map((s) => [s.id, s.history.length])).toEqual([['dm', 0], ['lm', 0]]); // new sessions
    expect(x.mgr.sw1.y1731.pmShow('md1/ma2/1')).toEqual(ma2);
    expect(x.mgr.sw1.y1731.pmShow()).toHaveLength(4);
  }, 60_000);

  it('LCK of the changed MEP only; AIS of a MEP moved and back still follows its VOE', async () => {
    const { x } = await start();
    r = x;
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma2/1', locked: true }] });
    await runVirtual(x.net.clock, 3.5e9);
    expect(counters(x, 'md1/ma2/1').lckOut).toBe(4); // at once, then once a second (Y.1731 7.6)
    expect(counters(x, 'md1/ma1/1').lckOut).toBe(0);

    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'software' }] });
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', placement: 'auto' }] });
    await runVirtual(x.net.clock, 1e9);
    expect(counters(x, 'md1/ma1/1').aisOut).toBe(0);
    x.net.link('sw1:swp1-sw2:swp1').up = false; // the VOE's LOC is ma1/1's signal fail (Y.1731 7.4)
    await runVirtual(x.net.clock, 7e9); // LOC after 3.25-3.5 s (802.1Q 20.20), then AIS once a second
    expect(x.mgr.sw1.engine.findMep('md1/ma1/1')!.y!.externalSignalFail).toBe(true);
    expect(counters(x, 'md1/ma1/1').aisOut).toBeGreaterThanOrEqual(3);
    for (const k of ['md1/ma2/1', 'md1/ma3/1']) expect(counters(x, k).aisOut).toBe(0);
    // the lock of ma2/1 outlived the changes of ma1/1
    expect(counters(x, 'md1/ma2/1').lckOut).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('CSF of an up MEP runs on through a change of another MEP and of itself; DCI when its port is back', async () => {
    const x = rig(['sw1', 'sw2'], [['sw1:swp2', 'sw2:swp2']]);
    r = x;
    const up = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' }).map((m) => ({ ...m, direction: 'up' as const }));
    up[0] = { ...up[0], faultSignalling: { ...FS, csf: true } };
    const down = p2p(4, { sw: 'sw1', id: 1, port: 'swp2' }, { sw: 'sw2', id: 2, port: 'swp2' }, 'ma2');
    for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(mkModel([...up, ...down]));
    await runVirtual(x.net.clock, 2e9);
    const csf = () => x.events.filter((e) => e.switch === 'sw2' && e.type === 'condition' && e.condition?.startsWith('csf')).map((e) => [e.condition, e.active]);
    x.sw.sw1.backend.setPortState('swp1', { operStatus: 'down' });
    await runVirtual(x.net.clock, 3e9);
    expect(csf()).toEqual([['csf-los', true]]);
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma2/1', ccmLtmPriority: 3 }] });
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', ccmLtmPriority: 3 }] }); // restarts the software MEP
    await runVirtual(x.net.clock, 5e9);
    expect(csf()).toEqual([['csf-los', true]]); // the peer kept receiving CSF-LOS (else it clears in 3.5 periods)
    x.sw.sw1.backend.setPortState('swp1', { operStatus: 'up' });
    await runVirtual(x.net.clock, 2e9);
    expect(csf()).toEqual([['csf-los', true], ['csf-los', false]]);
  }, 60_000);

  it('a failed VOE PM write is retried by the next change, whichever MEP it changes', async () => {
    const { x, pmWrites, failPmWrites } = await start();
    r = x;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await x.mgr.sw1.change({ meps: [{ key: 'md1/ma3/1', placement: 'software' }] });
      failPmWrites(1);
      await x.mgr.sw1.change({ meps: [{ key: 'md1/ma3/1', placement: 'auto' }] });
      await new Promise((res) => setImmediate(res)); // warnings are emitted on the next tick
      // the warning names what retries the write: the next apply or change, not the event poll
      const warned = warnings.filter((w) => w.includes('md1/ma3/1') && w.includes('injected PM write failure'));
      expect(warned).toEqual([expect.stringMatching(/\(retried at the next apply or change\)$/)]);
      expect(voePm(x, 'md1/ma3/1')).toBe(0);
      pmWrites.length = 0;
      // and so it is: event polls run (and the MEP's status and RDI, which did not fail, are not
      // retried by them), the write waits for the next change
      await runVirtual(x.net.clock, 2e9);
      expect(pmWrites).toEqual([]);
      expect(voePm(x, 'md1/ma3/1')).toBe(0);
      await x.mgr.sw1.change({ meps: [{ key: 'md1/ma2/1', ccmLtmPriority: 3 }] });
      const h = x.mgr.sw1.hardwareHandle('md1/ma3/1')!;
      expect(pmWrites).toEqual([h]); // ma2's VOE was updated, its DM / LM did not change
      expect(voePm(x, 'md1/ma3/1')).toBe(PM_DM | PM_LM);
      pmWrites.length = 0;
      await x.mgr.sw1.change({ meps: [{ key: 'md1/ma2/1', ccmLtmPriority: 4 }] });
      expect(pmWrites).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 60_000);
});
