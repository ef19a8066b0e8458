/**
 * PM session placement (issue 14 "Placement"): with a profile that offloads DM and LM on the mock
 * ASIC (which has the vendor C ABI group "pm"), a hardware MEP's DMM session is timestamped and
 * its LMM session counted by its VOE (`placement: hardware`, the VOE told CFM_PM_DM | CFM_PM_LM);
 * SLM stays on the CPU with its reason; a software MEP's sessions run on the CPU. Over a link with
 * a known one-way delay in each direction (6 ms and 0.5 ms) and frames lost towards the peer, the
 * hardware-placed and software-placed sessions measure the same, exactly in virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CfmModel, LocalMep, PmSessionConfig } from '../../src/config/model.js';
import { PM_DM, PM_LM, pmGet } from '../../src/backends/asic-binding/index.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { HwProfile } from '../../src/profiles/types.js';
import { mkModel, p2p, PROFILE, rig, type Rig } from '../offload/harness.js';
import { pumped } from '../oam-cli/served.js';
import { testResultText } from '../../src/cli/commands/y1731.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

const MIN = 60e9;
const DM_PROFILE: HwProfile = {
  ...PROFILE, name: 'mock-dm',
  offload: { ...PROFILE.offload, dm: true, lm: true },
  offloadDetail: { ...PROFILE.offloadDetail, dm: 'full', lm: 'full' },
};

function session(o: Partial<PmSessionConfig> & Pick<PmSessionConfig, 'id' | 'type'>): PmSessionConfig {
  return { targetMepId: 2, enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 1, history: 10, priority: 7, fdBinsUs: [5000, 10000], ifdvBinsUs: [1000], ...o };
}

const SESSIONS = [session({ id: 'dm', type: 'dmm' }), session({ id: 'lm', type: 'lmm' }), session({ id: 'sl', type: 'slm', testId: 4 })];

/** `clockOffsetNs`: each switch's ASIC clock runs this far ahead of the engine's (a VOE stamps in its own clock domain). */
async function start(pin: LocalMep['placement'], profile: HwProfile, sessions = SESSIONS, clockOffsetNs: Record<string, number> = {}): Promise<Rig> {
  const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']], profile);
  for (const [n, off] of Object.entries(clockOffsetNs)) {
    x.sw[n].backend.device.mockAdvance(off); // nothing configured yet: no timer runs through the jump
    x.sw[n].backend.attachVirtualClock(x.net.clock); // follow the clock from the new offset
  }
  x.net.link('sw1:swp1-sw2:swp1').set({ delayNs: 6_000_000 }, 'sw1');
  x.net.link('sw1:swp1-sw2:swp1').set({ delayNs: 500_000 }, 'sw2');
  await runVirtual(x.net.clock, 0.5e9);
  const [a, b] = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin });
  const m: CfmModel = mkModel([{ ...a, pmSessions: sessions }, b]);
  for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(m);
  return x;
}

/** What the sessions measured per completed interval (the first one is cut short: skipped). */
async function measure(pin: LocalMep['placement'], profile: HwProfile) {
  r = await start(pin, profile);
  // towards the peer only: every frame of a 2 s window in the second minute (each of the four
  // 1 s streams - CCM, DMM, LMM, SLM - loses exactly 2 frames whatever its phase; no LOC at 3.5 s)
  await runVirtual(r.net.clock, 1.5 * MIN, 1e9);
  r.net.link('sw1:swp1-sw2:swp1').set({ lossRate: 1 }, 'sw1');
  await runVirtual(r.net.clock, 2e9, 1e9);
  r.net.link('sw1:swp1-sw2:swp1').set({ lossRate: 0 }, 'sw1');
  await runVirtual(r.net.clock, 2.5 * MIN - 2e9, 1e9);
  const list = r.mgr.sw1.y1731.pmShow('md1/ma1/1');
  const by = (id: string) => list.find((s) => s.id === id)!;
  const handle = (await r.sw.sw1.backend.listVoes()).find((v) => v.spec.key === 'md1/ma1/1')?.handle;
  const voePm = handle === undefined ? null : pmGet(r.sw.sw1.backend.device, handle);
  const figures = (id: string) => by(id).history.slice(1).map((h) => ({ sent: h.sent, received: h.received, fd: h.fd, ifdv: h.ifdv, loss: h.loss }));
  const out = {
    placement: Object.fromEntries(list.map((s) => [s.id, [s.placement, s.reason]])),
    voePm,
    dm: figures('dm'), lm: figures('lm'), sl: figures('sl'),
  };
  await r.close();
  r = null;
  return out;
}

describe('PM session placement', () => {
  it('a hardware MEP on a DM/LM-offloading profile: DMM timestamped, LMM counted by the VOE, SLM on the CPU; results equal a software MEP\'s', async () => {
    const hw = await measure('hardware', DM_PROFILE);
    expect(hw.placement).toEqual({
      dm: ['hardware', 'the VOE timestamps DMM/DMR at the wire (Y.1731 8.2)'],
      lm: ['hardware', 'the VOE counts LM frames at the wire (Y.1731 8.1)'],
      sl: ['software', 'SLM/SLR frames are counted by the MEPs on the CPU (Y.1731 8.1.3)'],
    });
    expect(hw.voePm).toBe(PM_DM | PM_LM);
    expect(hw.dm.length).toBe(3);
    for (const h of hw.dm) expect(h).toMatchObject({ sent: 60, fd: { minNs: 6_500_000, avgNs: 6_500_000, maxNs: 6_500_000 } });
    expect(hw.dm.map((h) => h.received)).toEqual([58, 60, 60]);

    const sw = await measure('software', DM_PROFILE);
    expect(sw.placement.dm).toEqual(['software', 'MEP runs in software']);
    expect(sw.voePm).toBeNull(); // no VOE
    expect(sw.dm).toEqual(hw.dm);
    expect(sw.sl).toEqual(hw.sl);
    // LMM: the VOE counts every frame the MEP exchanges, CCMs included, as a software MEP does
    expect(sw.lm).toEqual(hw.lm);
    expect(hw.lm.map((h) => [h.loss?.farEnd, h.loss?.nearEnd])).toEqual([[8, 0], [0, 0], [0, 0]]);
  }, 60_000);

  it('a profile that offloads no DM keeps a hardware MEP\'s DMM session on the CPU, with the reason; the VOE does nothing', async () => {
    const hw = await measure('hardware', PROFILE);
    expect(hw.placement.dm).toEqual(['software', 'mock-test does not offload DM']);
    expect(hw.voePm).toBe(0);
    for (const h of hw.dm) expect(h.fd).toMatchObject({ avgNs: 6_500_000 });
  }, 60_000);

  it('on-demand DMM, 1DM and LMM from a hardware MEP use its VOE and give what a software MEP gets', async () => {
    const run = async (pin: LocalMep['placement']) => {
      r = await start(pin, DM_PROFILE, []);
      const dm = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 10, intervalMs: 100 }));
      await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, oneWay: true, count: 5, intervalMs: 100 }));
      await runVirtual(r.net.clock, 10e6);
      const [ow] = r.mgr.sw2.y1731.received('md1/ma1/2').oneWay; // RxTimeStampf from sw2's VOE when in hardware
      const lm = r.mgr.sw1.y1731.lm('md1/ma1/1', { targetMepId: 2, count: 20, intervalMs: 100, timeoutMs: 500 });
      await runVirtual(r.net.clock, 1.05e9);
      r.net.link('sw1:swp1-sw2:swp1').set({ lossRate: 1 }, 'sw1'); // 300 ms: 3 LMMs lost towards the peer
      await runVirtual(r.net.clock, 0.3e9);
      r.net.link('sw1:swp1-sw2:swp1').set({ lossRate: 0 }, 'sw1');
      const lmRes = await pumped(r, lm);
      await r.close();
      r = null;
      return {
        placement: [dm.placement, lmRes.placement],
        oneWay: { received: ow.received, delay: ow.delay },
        dm: { sent: dm.sent, received: dm.received, delay: dm.delay }, lm: { sent: lmRes.sent, received: lmRes.received, loss: lmRes.loss },
      };
    };
    const { placement: hwWhere, ...hw } = await run('hardware');
    expect(hwWhere).toEqual([
      { placement: 'hardware', reason: 'the VOE timestamps DMM/DMR at the wire (Y.1731 8.2)' },
      { placement: 'hardware', reason: 'the VOE counts LM frames at the wire (Y.1731 8.1)' },
    ]);
    expect(hw.dm).toMatchObject({ sent: 10, received: 10, delay: { minNs: 6_500_000, maxNs: 6_500_000 } });
    expect(hw.oneWay).toMatchObject({ received: 5, delay: { minNs: 6_000_000, maxNs: 6_000_000 } }); // sw1 -> sw2 only
    expect(hw.lm).toMatchObject({ sent: 20, received: 17 });
    expect(hw.lm.loss!.nearEnd).toBe(0);
    expect(hw.lm.loss!.farEnd).toBeGreaterThanOrEqual(3); // the LMMs and any CCM of the window
    const { placement: swWhere, ...sw } = await run('software');
    expect(swWhere).toEqual([{ placement: 'software', reason: 'MEP runs in software' }, { placement: 'software', reason: 'MEP runs in software' }]);
    expect(sw).toEqual(hw);
  }, 60_000);

  it('VOE clocks apart from the engine\'s and from each other: hardware DM still gives the link delay exactly', async () => {
    r = await start('hardware', DM_PROFILE, [session({ id: 'dm', type: 'dmm' })], { sw1: 1_234_567_891_011, sw2: 77_000_000_123 });
    expect(r.sw.sw1.backend.nowNs() - r.net.clock.nowNs()).toBe(1_234_567_891_011);
    await runVirtual(r.net.clock, 3 * MIN, 1e9);
    const [s] = r.mgr.sw1.y1731.pmShow('md1/ma1/1');
    expect([s.placement, s.history.length]).toEqual(['hardware', 3]);
    // Y.1731 8.2.2: each clock's offset cancels in (RxTimeb - TxTimeStampf) - (TxTimeStampb - RxTimeStampf)
    expect(s.history[1]).toMatchObject({ sent: 60, received: 60, fd: { minNs: 6_500_000, avgNs: 6_500_000, maxNs: 6_500_000 } });
    const dm = await pumped(r, r.mgr.sw1.y1731.dm('md1/ma1/1', { targetMepId: 2, count: 5, intervalMs: 100 }));
    expect(dm).toMatchObject({ sent: 5, received: 5, delay: { minNs: 6_500_000, maxNs: 6_500_000 } });
    expect(testResultText(dm).slice(0, 2)).toEqual([
      'Sent 5 packets, received 5 packets [0 out-of-order, 0 errored]',
      'measured in hardware: the VOE timestamps DMM/DMR at the wire (Y.1731 8.2)',
    ]);
  }, 60_000);
});
