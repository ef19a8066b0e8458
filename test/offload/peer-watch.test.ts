/**
 * Peer announcement reads (issue 16 item 2; peer-watch.ts): a hardware MEP waiting for a peer is
 * read back 1, 2 and 4 intervals after its configuration; the LOC the ABI raises for a peer never
 * heard (802.1Q 20.20: rMEPwhile runs from the CC config) makes later reads unnecessary, and its
 * clearing announces the peer; a backend that cannot tell is read with a doubling gap; and the
 * reads are bounded per poll and by a duty cycle of the board's time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, HwEvent, VoeStatus } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import { HwMep } from '../../src/offload/hw-mep.js';
import { PEER_READS_PER_POLL, PEER_READ_DUTY, PeerWatch, nextPeerCheckNs } from '../../src/offload/peer-watch.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { voeSpecOf } from '../../src/offload/voe-spec.js';
import type { FaultEvent } from '../../src/engine/events.js';
import { mkModel, rig, type Rig } from './harness.js';
import { mkMep } from './fixtures.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

/** Count the status reads of the switch's backend (what costs ms on a real SDK). */
function countReads(b: Backend): { n: number } {
  const c = { n: 0 };
  const read = b.readStatus.bind(b);
  b.readStatus = (h: number) => {
    c.n++;
    return read(h);
  };
  return c;
}

/** n hardware MEPs on switch s1 at 1 s whose peer (mepId 1000 + i) is silent. */
const silent = (n: number) => Array.from({ length: n }, (_, i) => mkMep({ mepId: i + 1, switch: 's1', port: `swp${(i % 4) + 1}`, vlan: 100 + i, associationId: `ma${i}`, interval: 4, placement: 'hardware' }));

describe('peer announcement reads (issue 16)', () => {
  it('schedule: 1, 2, 4, 8 ... intervals after the configuration, the gap capped', () => {
    const iv = 1e9;
    const at: number[] = [];
    let t = iv;
    for (let k = 0; k < 9; k++) {
      at.push(t / iv);
      t = nextPeerCheckNs(0, t, iv);
    }
    expect(at).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 192]);
    // 3.33 ms: the gap stops growing at 10 s, not at 64 intervals (213 ms)
    expect(nextPeerCheckNs(0, 100e9, 3.33e6) - 100e9).toBe(10e9);
  });

  it('silent peers: two reads per MEP before the LOC, none after it', async () => {
    r = rig(['s1'], []);
    const n = 12;
    await r.mgr.s1.apply(mkModel(silent(n)));
    const reads = countReads(r.sw.s1.backend);
    await runVirtual(r.net.clock, 30e9, 10e6);
    const failed = r.events.filter((e) => e.type === 'remote-mep' && e.state === 'failed');
    expect(failed).toHaveLength(n);
    // reads at 1 and 2 intervals; at 4 the LOC (3.5) is in and handled first: no read
    expect(reads.n).toBeLessThanOrEqual(2 * n);
    expect(reads.n).toBeGreaterThanOrEqual(n);
    // 30 s more of silence cost nothing
    const r30 = reads.n;
    await runVirtual(r.net.clock, 30e9, 10e6);
    expect(reads.n).toBe(r30);
  });

  it('a peer heard inside the first 3.5 intervals (no event) is announced by the reads', async () => {
    r = rig(['s1', 's2'], [['s1:swp1', 's2:swp1']]);
    const a = mkMep({ mepId: 1, switch: 's1', port: 'swp1', interval: 4, remoteMepIds: [2], placement: 'hardware' });
    const b = mkMep({ mepId: 2, switch: 's2', port: 'swp1', interval: 4, remoteMepIds: [1], placement: 'hardware' });
    await r.mgr.s1.apply(mkModel([a]));
    await runVirtual(r.net.clock, 1.5e9, 10e6); // after the first read, before the LOC
    await r.mgr.s2.apply(mkModel([b]));
    await runVirtual(r.net.clock, 5e9, 10e6);
    const ok = r.events.filter((e) => e.type === 'remote-mep' && e.switch === 's1');
    expect(ok.map((e) => `${e.remoteMepId} ${e.state}`)).toEqual(['2 ok']);
  });

  it('a peer first heard after its LOC: announced by the LOC clearing, no read after the 2nd interval', async () => {
    r = rig(['s1', 's2'], [['s1:swp1', 's2:swp1']]);
    const a = mkMep({ mepId: 1, switch: 's1', port: 'swp1', interval: 4, remoteMepIds: [2], placement: 'hardware' });
    const b = mkMep({ mepId: 2, switch: 's2', port: 'swp1', interval: 4, remoteMepIds: [1], placement: 'hardware' });
    await r.mgr.s1.apply(mkModel([a]));
    const reads = countReads(r.sw.s1.backend);
    await runVirtual(r.net.clock, 10e9, 10e6);
    expect(reads.n).toBe(2);
    await r.mgr.s2.apply(mkModel([b]));
    await runVirtual(r.net.clock, 5e9, 10e6);
    const ev = r.events.filter((e) => e.type === 'remote-mep' && e.switch === 's1');
    expect(ev.map((e) => `${e.remoteMepId} ${e.state}`)).toEqual(['2 failed', '2 ok']);
    expect(reads.n).toBe(2);
  });

  it('a backend that cannot tell (no LOC for a peer never heard): reads with a doubling gap, the peer still announced', async () => {
    r = rig(['s1', 's2'], [['s1:swp1', 's2:swp1']]);
    const back = r.sw.s1.backend;
    // hide LOC of peers never seen: what a backend without 802.1Q 20.20's start-up LOC looks like
    const seen = new Set<number>();
    const poll = back.pollEvents.bind(back);
    back.pollEvents = async () => (await poll()).filter((e: HwEvent) => !(e.kind === 'loc' && !seen.has(e.handle)));
    const read = back.readStatus.bind(back);
    let reads = 0;
    back.readStatus = async (h: number): Promise<VoeStatus> => {
      reads++;
      const st = await read(h);
      if (st.peers.some((p) => p.seen)) seen.add(h);
      return { ...st, peers: st.peers.map((p) => (p.seen ? p : { ...p, loc: false })) };
    };
    const a = mkMep({ mepId: 1, switch: 's1', port: 'swp1', interval: 4, remoteMepIds: [2], placement: 'hardware' });
    await r.mgr.s1.apply(mkModel([a]));
    await runVirtual(r.net.clock, 100e9, 50e6);
    // 1, 2, 4, 8, 16, 32, 64 s: 7 reads in 100 s (once per interval before: 100)
    expect(reads).toBe(7);
    expect(r.events.filter((e) => e.type === 'remote-mep')).toEqual([]);
    // the peer comes up at 100 s (no event either): the MEP's next check at 128 s announces it
    const b = mkMep({ mepId: 2, switch: 's2', port: 'swp1', interval: 4, remoteMepIds: [1], placement: 'hardware' });
    await r.mgr.s2.apply(mkModel([b]));
    await runVirtual(r.net.clock, 27e9, 50e6);
    expect(r.events.filter((e) => e.type === 'remote-mep' && e.switch === 's1')).toEqual([]);
    await runVirtual(r.net.clock, 2e9, 50e6);
    const ev = r.events.filter((e) => e.type === 'remote-mep' && e.switch === 's1');
    expect(ev.map((e) => `${e.remoteMepId} ${e.state}`)).toEqual(['2 ok']);
    expect(reads).toBe(8);
  });

  it('bounded per poll and by a duty cycle of the board time', async () => {
    const clock = new VirtualClock();
    let wallMs = 0;
    const statusOf = (): VoeStatus => ({
      peers: [{ mepId: 2, loc: false, rdi: false, seen: false, portStatusTlv: 0, interfaceStatusTlv: 0, lastSeq: 0, mac: null }],
      unexpectedMepId: false, unexpectedMegId: false, unexpectedLevel: false, unexpectedPeriod: false, unexpectedPriority: false,
      counters: { ccmTx: 0, ccmRxValid: 0, ccmRxInvalid: 0, ccmRxOutOfOrder: 0, cpuCopies: 0 },
    } as VoeStatus);
    let reads = 0;
    // a 2 ms SDK: each read takes 2 ms of the (fake) wall clock
    const backend = { readStatus: async () => { reads++; wallMs += 2; return statusOf(); } } as unknown as Backend;
    const events: FaultEvent[] = [];
    const hws = Array.from({ length: 100 }, (_, i) => {
      const mep = mkMep({ mepId: i + 1, interval: 4, remoteMepIds: [2] });
      return new HwMep(mep, i + 1, voeSpecOf(mep), clock, (e) => events.push(e));
    });
    const w = new PeerWatch(() => wallMs);
    clock.advanceTo(1e9);
    await w.announce(hws, backend, clock.nowNs());
    expect(reads).toBe(PEER_READS_PER_POLL);
    // right after: quiet for took * (1 - duty) / duty
    await w.announce(hws, backend, clock.nowNs());
    expect(reads).toBe(PEER_READS_PER_POLL);
    wallMs += (PEER_READS_PER_POLL * 2 * (1 - PEER_READ_DUTY)) / PEER_READ_DUTY - 1;
    await w.announce(hws, backend, clock.nowNs());
    expect(reads).toBe(PEER_READS_PER_POLL);
    wallMs += 1;
    await w.announce(hws, backend, clock.nowNs());
    expect(reads).toBe(2 * PEER_READS_PER_POLL);
    // over a long run the reads take at most the duty share of the wall time
    const w0 = wallMs;
    const r0 = reads;
    for (let i = 0; i < 1000; i++) {
      wallMs += 1;
      clock.advanceTo(clock.nowNs() + 10e6);
      await w.announce(hws, backend, clock.nowNs());
    }
    expect(((reads - r0) * 2) / (wallMs - w0)).toBeLessThanOrEqual(PEER_READ_DUTY + 0.01);
    expect(events).toEqual([]);
  });
});
