/**
 * Two software MEPs in two namespaces over veth: sessions come up, cutting the link raises
 * loss of continuity (defRemoteCCM) on both sides within 3.5 intervals of the cut, restoring it
 * clears both; at 1 s, 100 ms and 10 ms. Plus the checker's unexpected-CCM conditions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { intervalName, intervalNs, type IntervalCode } from '../../src/common/interval.js';
import type { HwEvent, VoeSpec } from '../../src/backends/types.js';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { monoNs } from '../../src/backends/software/checker.js';
import { buildCcmFrame } from '../../src/backends/software/ccm-frame.js';
import { CfmError } from '../../src/common/errors.js';
import type { Clock } from '../../src/common/clock.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';
import { datapathsUnderTest } from './datapaths.js';

const gate = linuxTestGate('test/linux/software-backend (software MEPs in netns)');
const maid = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-1' } });

function spec(over: Partial<VoeSpec> & Pick<VoeSpec, 'port' | 'unicastMac' | 'mepId' | 'peers'>): VoeSpec {
  return {
    key: `mep${over.mepId}`, direction: 'down', level: 5, vlan: 0, maid, interval: 3, priority: 7,
    ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 2, interfaceStatusTlv: 1,
    ...over,
  };
}

interface Seen { ev: HwEvent; atDetectNs: number }

/** Report events on CLOCK_MONOTONIC, the clock the test measures with. */
const monoClock: Clock = {
  nowNs: monoNs,
  setTimer: (delayNs, fn) => { const t = setTimeout(fn, delayNs / 1e6); return { cancel: () => clearTimeout(t) }; },
  setTimerAt: (atNs, fn) => { const t = setTimeout(fn, (atNs - monoNs()) / 1e6); return { cancel: () => clearTimeout(t) }; },
};

for (const datapath of gate.run ? datapathsUnderTest() : ['af-packet' as const]) describe.skipIf(!gate.run)(`software backend over veth between namespaces (${datapath} receive)`, () => {
  let link: VethLink;
  let A: SoftwareBackend;
  let B: SoftwareBackend;
  const evA: Seen[] = [];
  const evB: Seen[] = [];

  beforeAll(async () => {
    link = await createVethLink('cfs');
    A = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, clock: monoClock, datapath });
    B = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, clock: monoClock, datapath });
    A.onEvent((ev) => evA.push({ ev, atDetectNs: monoNs() }));
    B.onEvent((ev) => evB.push({ ev, atDetectNs: monoNs() }));
  });

  afterEach(async () => {
    for (const be of [A, B]) for (const v of await be.listVoes()) await be.deleteVoe(v.handle);
    await link.setLink('A', true);
    evA.length = 0;
    evB.length = 0;
  });

  afterAll(async () => {
    await A?.close();
    await B?.close();
    await link?.cleanup();
  });

  it('describes itself: all 7 intervals, VLAN MEPs, no up MEPs', () => {
    const caps = A.capabilities();
    expect(caps.kind).toBe('software');
    expect(caps.txIntervals).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(caps.rxIntervals).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(caps.vlanMep).toBe(true);
    expect(caps.upMep).toBe(false);
    expect(caps.frameIo).toBe(true);
    expect(A.ports()).toEqual([link.ifA]);
    expect(A.portMac(link.ifA)).toBe(link.macA);
    // realtime by default where permitted (root here): SCHED_FIFO with the thread's stack locked,
    // a second lane on another CPU when there is one, the event thread at nice -10
    expect(A.schedulerMode()).toMatch(/^SCHED_FIFO 10(, 2 lanes on CPUs \d+,\d+)?; event thread nice -10$/);
    expect(A.datapath(link.ifA)).toBe(datapath);
  });

  it('rejects bad specs with errors naming the field', async () => {
    const ok = spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [2] });
    await expect(A.createVoe({ ...ok, port: 'eth99' })).rejects.toThrow(/port 'eth99' is not one of/);
    await expect(A.createVoe({ ...ok, level: 8 })).rejects.toThrow(/level 8 is not 0..7/);
    await expect(A.createVoe({ ...ok, peers: [1] })).rejects.toThrow(/own MEPID 1/);
    await expect(A.createVoe({ ...ok, direction: 'up' })).rejects.toBeInstanceOf(CfmError);
    await expect(A.readStatus(999)).rejects.toThrow(/no VOE with handle 999/);
    const h = await A.createVoe(ok);
    await expect(A.createVoe({ ...ok, key: 'other' })).rejects.toThrow(/already is the MEP at level 5/);
    expect((await A.listVoes()).map((v) => v.handle)).toEqual([h]);
  });

  for (const interval of [4, 3, 2] as IntervalCode[]) {
    it(`at ${intervalName(interval)}: up, link cut -> LOC both sides within 3.5 intervals, link back -> cleared`, async () => {
      const periodNs = intervalNs(interval);
      const hA = await A.createVoe(spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [2], interval, vlan: 20, priority: 5 }));
      const hB = await B.createVoe(spec({ port: link.ifB, unicastMac: link.macB, mepId: 2, peers: [1], interval, vlan: 20, priority: 5 }));
      const seenBy = async (be: SoftwareBackend, h: number) => (await be.readStatus(h)).peers[0];
      // up: each side sees the other, no LOC
      await waitFor(async () => (await seenBy(A, hA)).seen && (await seenBy(B, hB)).seen, 2 * periodNs / 1e6 + 500, 'both sessions up');
      await new Promise((r) => setTimeout(r, (2 * periodNs) / 1e6));
      const upA = await A.readStatus(hA);
      const upB = await B.readStatus(hB);
      expect(upA.peers[0]).toMatchObject({ mepId: 2, loc: false, rdi: false, mac: link.macB, portStatusTlv: 2, interfaceStatusTlv: 1 });
      expect(upB.peers[0]).toMatchObject({ mepId: 1, loc: false, mac: link.macA });
      expect(upA.counters.ccmRxValid).toBeGreaterThan(0);
      expect(upA.counters.ccmRxInvalid).toBe(0);
      expect(upA.counters.ccmRxOutOfOrder).toBe(0);
      expect(upA.unexpectedPriority || upA.unexpectedMegId || upA.unexpectedMepId).toBe(false);
      expect(evA.filter((s) => s.ev.kind === 'loc')).toHaveLength(0);

      // cut the link
      await link.setLink('A', false);
      const cutNs = monoNs();
      // on a timeout, say what each side did report (a one-sided or missing LOC tells kernel
      // timer from user-space checker)
      const locs = (evs: Seen[]) => evs.filter((s) => s.ev.kind === 'loc').map((s) => `${s.ev.active ? 'raised' : 'cleared'} ${((s.atDetectNs - cutNs) / 1e6).toFixed(0)} ms`).join(', ') || 'none';
      await waitFor(() => evA.some((s) => s.ev.kind === 'loc' && s.ev.active) && evB.some((s) => s.ev.kind === 'loc' && s.ev.active),
        5 * periodNs / 1e6 + 1000, 'LOC on both sides').catch((e: unknown) => {
        throw new Error(`${(e as Error).message} (after the cut: A ${locs(evA)}; B ${locs(evB)})`);
      });
      const slackNs = 8e6 + 0.05 * periodNs; // event-loop latency (ms timers, a loaded CI box)
      for (const [name, evs] of [['A', evA], ['B', evB]] as const) {
        const loc = evs.find((s) => s.ev.kind === 'loc' && s.ev.active)!;
        expect(loc.ev.peerMepId).toBe(name === 'A' ? 2 : 1);
        const afterCut = (loc.atDetectNs - cutNs) / periodNs;
        console.log(`${intervalName(interval)} side ${name}: LOC ${afterCut.toFixed(2)} intervals after the cut`);
        expect(loc.atDetectNs - cutNs).toBeLessThanOrEqual(3.5 * periodNs + slackNs);
        // never before 3.25 intervals after the last valid CCM (802.1Q 20.20; atNs = last valid + 3.5)
        expect(loc.atDetectNs).toBeGreaterThanOrEqual(loc.ev.atNs - 0.25 * periodNs);
      }
      expect((await seenBy(A, hA)).loc).toBe(true);
      expect((await seenBy(B, hB)).loc).toBe(true);

      // restore it
      await link.setLink('A', true);
      await waitFor(() => evA.some((s) => s.ev.kind === 'loc' && !s.ev.active) && evB.some((s) => s.ev.kind === 'loc' && !s.ev.active),
        3 * periodNs / 1e6 + 1000, 'LOC cleared on both sides');
      expect((await seenBy(A, hA)).loc).toBe(false);
      expect((await seenBy(B, hB)).loc).toBe(false);
    }, 30_000);
  }

  it('an event-loop stall longer than 3.5 intervals is not a loss of continuity', async () => {
    const hA = await A.createVoe(spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [2], interval: 2 }));
    await B.createVoe(spec({ port: link.ifB, unicastMac: link.macB, mepId: 2, peers: [1], interval: 2 }));
    await waitFor(async () => (await A.readStatus(hA)).peers[0].seen, 2000, 'A sees B');
    await new Promise((r) => setTimeout(r, 50));
    const rxBefore = (await A.readStatus(hA)).counters.ccmRxValid;
    // block this thread for 10 intervals: B's CCMs (native sender) keep arriving in A's socket;
    // the LOC timer then runs before the poll phase, and must read them before deciding
    const until = Date.now() + 100;
    while (Date.now() < until) { /* stall */ }
    await new Promise((r) => setTimeout(r, 30));
    expect(evA.filter((s) => s.ev.kind === 'loc')).toEqual([]);
    expect((await A.readStatus(hA)).counters.ccmRxValid).toBeGreaterThan(rxBefore + 5);
  });

  it('pushes pending events (onEventsPending) once per burst, so a manager need not poll', async () => {
    let pushes = 0;
    const off = A.onEventsPending(() => pushes++);
    await A.pollEvents();
    // a peer that never sends: LOC after 3.5 x 10 ms, told at once
    await A.createVoe(spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [9], interval: 2 }));
    await waitFor(() => pushes > 0, 2000, 'a push');
    const evs = await A.pollEvents();
    expect(evs).toEqual([expect.objectContaining({ kind: 'loc', active: true, peerMepId: 9 })]);
    expect(pushes).toBe(1);
    off();
  });

  it('RDI set on one side is seen by the other, and cleared', async () => {
    const hA = await A.createVoe(spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [2], interval: 2 }));
    const hB = await B.createVoe(spec({ port: link.ifB, unicastMac: link.macB, mepId: 2, peers: [1], interval: 2 }));
    await waitFor(async () => (await B.readStatus(hB)).peers[0].seen, 2000, 'B sees A');
    await A.setRdi(hA, true);
    await waitFor(async () => (await B.readStatus(hB)).peers[0].rdi, 2000, 'RDI at B');
    await A.setRdi(hA, false);
    await waitFor(async () => !(await B.readStatus(hB)).peers[0].rdi, 2000, 'RDI cleared at B');
    const rdiEvents = (await B.pollEvents()).filter((e) => e.kind === 'rdi').map((e) => e.active);
    expect(rdiEvents).toEqual([true, false]);
    expect((await A.listVoes())[0].spec.rdi).toBe(false);
  });

  it('flags unexpected MAID, MEPID, level, interval and priority; punts other frames to the CPU path', async () => {
    const hB = await B.createVoe(spec({ port: link.ifB, unicastMac: link.macB, mepId: 2, peers: [1], interval: 3, vlan: 0, ccmTx: false }));
    const cpu: Uint8Array[] = [];
    const off = B.frames.onReceive((rx) => cpu.push(rx.frame));
    const base = { srcMac: link.macA, level: 5, vlan: 0, priority: 7, mepId: 1, maid, interval: 3 as IntervalCode, rdi: false, seq: 1, portStatusTlv: 0, interfaceStatusTlv: 0 };
    const otherMaid = encodeMaid({ md: { format: 1 }, ma: { format: 2, name: 'intruder' } });
    const cases: [string, Parameters<typeof buildCcmFrame>[0], keyof Awaited<ReturnType<SoftwareBackend['readStatus']>>][] = [
      ['meg', { ...base, maid: otherMaid }, 'unexpectedMegId'],
      ['mep', { ...base, mepId: 9 }, 'unexpectedMepId'],
      ['level', { ...base, level: 2 }, 'unexpectedLevel'],
      ['period', { ...base, interval: 4 }, 'unexpectedPeriod'],
    ];
    for (const [name, f, field] of cases) {
      await B.readStatus(hB); // clear sticky
      A.frames.send(link.ifA, buildCcmFrame(f).frame);
      await waitFor(async () => Boolean((await B.readStatus(hB))[field]), 2000, `${name} flagged`);
    }
    // a CCM above the MEP's level passes through to the CPU path, as does a non-CCM PDU
    A.frames.send(link.ifA, buildCcmFrame({ ...base, level: 6 }).frame);
    await waitFor(() => cpu.length >= 2, 2000, 'punted frames'); // the level-2 CCM went to the CPU too
    off();
    const kinds = (await B.pollEvents()).filter((e) => e.active).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['unexpected-meg-id', 'unexpected-mep-id', 'unexpected-level', 'unexpected-period']));
    expect((await B.readStatus(hB)).peers[0].seen).toBe(false);
    expect(() => B.frames.send(link.ifB, new Uint8Array(60), 'relay')).toThrow(/no bridge relay/);
  });
});
