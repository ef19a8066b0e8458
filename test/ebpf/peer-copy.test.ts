/**
 * The eBPF program's one-lookup steady path (issue 17, CPU per CCM): a CCM looks up its peer by
 * (port, VLAN, level, MEPID) and is checked against the peer's copy of its MEP (MAID, own MEPID,
 * interval, priority); the copy is the program's, taken on the slow path (the MEP lookup), and
 * stale once user space writes or deletes any MEP. So the 802.1Q 20.16 checks must behave exactly
 * as with the MEP looked up every time: after a MEP change a CCM with the NEW MAID is consumed and
 * one with the old MAID goes up as an error; the MEP's own MEPID, interval and priority changes
 * take effect at once; a peer added after its MEP works; a deleted MEP's peers consume nothing;
 * CPU protection, skipped while no port has a policy, polices a port from the moment it gets one.
 * Run on both program variants (the steady path, and the two-lookup program of before, which
 * the benchmark loads beside it): they must agree frame for frame. Root + netns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCcmFrame } from '../../src/backends/software/ccm-frame.js';
import { BpfDatapath, bpfUnavailableReason, type BpfMepConfig, type BpfProgramVariant, type BpfRecord } from '../../src/native/bpf.js';
import type { IntervalCode } from '../../src/common/interval.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/peer-copy (the one-lookup steady path and its MEP copies)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

const MAID_A = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-a' } });
const MAID_B = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-b' } });
// 10 s interval: no peer times out (rMEPwhile 35 s) and no error window ends within the test
const INTERVAL: IntervalCode = 6;
const INTERVAL_NS = 10e9;
const VLAN = 100;
const LEVEL = 5;
const PEER_MAC = '02:00:00:00:02:02';

const mep = (o: Partial<BpfMepConfig> = {}): BpfMepConfig => ({
  maid: MAID_A, mepId: 1, interval: INTERVAL, intervalNs: INTERVAL_NS, timeoutNs: 3.5 * INTERVAL_NS, priority: 7, handle: 1, ...o,
});

const VARIANTS: Array<{ name: string; variant: BpfProgramVariant }> = [
  { name: 'one lookup (the datapath)', variant: {} },
  { name: 'two lookups (before, the benchmark\'s baseline)', variant: { peerFirst: false, cpGate: false } },
];

describe.skipIf(!gate.run || why !== undefined)('eBPF steady path: the peers\' copies of their MEP', () => {
  let link: VethLink;
  let sender: PacketSocket;
  let seq = 0;

  beforeAll(async () => {
    link = await createVethLink('bpc');
    sender = new PacketSocket(link.ifB, { netns: link.nsB, receive: false });
  });

  afterAll(async () => {
    sender?.close();
    await link?.cleanup();
  });

  function ccm(o: { mepId?: number; maid?: Uint8Array; interval?: IntervalCode; priority?: number; mac?: string } = {}): Uint8Array {
    return buildCcmFrame({
      srcMac: o.mac ?? PEER_MAC, level: LEVEL, vlan: VLAN, priority: o.priority ?? 7, mepId: o.mepId ?? 2, maid: o.maid ?? MAID_A,
      interval: o.interval ?? INTERVAL, rdi: false, seq: ++seq, portStatusTlv: 0, interfaceStatusTlv: 0,
    }).frame;
  }

  for (const { name, variant } of VARIANTS) {
    describe(name, () => {
      let dp: BpfDatapath;
      let ifindex = 0;
      const recs: BpfRecord[] = [];

      beforeAll(() => {
        dp = new BpfDatapath({ mode: 'tc', netns: link.nsA, maxMeps: 8, maxPeers: 8, variant }, (rs) => {
          for (const r of rs) recs.push({ ...r, frame: r.frame?.slice() });
        });
        ifindex = dp.attach(link.ifA);
      });

      afterAll(() => dp?.close());

      /** Send one frame; 'consumed' (stopped in the kernel), 'up' (a record), or 'dropped' (a rate-limited error). */
      async function offer(frame: Uint8Array): Promise<{ fate: 'consumed' | 'up' | 'dropped'; rec?: BpfRecord }> {
        const s0 = dp.stats();
        recs.length = 0;
        expect(sender.send(frame)).toBe(true);
        await waitFor(() => dp.stats().cfmFrames > s0.cfmFrames, 3000, 'the program saw the frame', 5);
        const s1 = dp.stats();
        if (s1.consumed > s0.consumed) return { fate: 'consumed' };
        await waitFor(() => { dp.poll(); return s1.up === s0.up || recs.length > 0; }, 3000, 'its record', 5);
        return recs.length ? { fate: 'up', rec: recs[0] } : { fate: 'dropped' };
      }

      const valid = (peer: number) => dp.readPeer(ifindex, VLAN, LEVEL, peer)?.valid ?? -1;

      it('a peer\'s CCMs: the first goes up (timed), the next ones stop in the kernel', async () => {
        dp.setMep(ifindex, VLAN, LEVEL, mep());
        dp.setPeer(ifindex, VLAN, LEVEL, 2, 3.5 * INTERVAL_NS);
        const first = await offer(ccm());
        expect(first.fate).toBe('up');
        expect(first.rec?.timed).toBe(true);
        expect((await offer(ccm())).fate).toBe('consumed');
        expect((await offer(ccm())).fate).toBe('consumed');
        expect(valid(2)).toBe(2);
      });

      it('a MEP change (new MAID): a CCM with the new MAID is consumed, one with the old MAID goes up as an error', async () => {
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B }));
        const old = await offer(ccm({ maid: MAID_A }));
        expect(old.fate).toBe('up');
        expect(old.rec?.timed).toBe(false); // an error frame, not the peer's valid CCM
        expect(valid(2)).toBe(2);
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
        expect(valid(2)).toBe(4);
        // the old MAID again: still an error (rate-limited now: not consumed either way)
        expect((await offer(ccm({ maid: MAID_A }))).fate).not.toBe('consumed');
        expect(valid(2)).toBe(4);
      });

      it('the MEP takes the peer\'s MEPID as its own: the peer\'s CCMs are dUNM errors at once', async () => {
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B, mepId: 2 }));
        const r = await offer(ccm({ maid: MAID_B }));
        expect(r.fate).toBe('up');
        expect(r.rec?.timed).toBe(false);
        // again, now that the peer's copy is the new MEP's: the steady path checks the MEPID too
        expect((await offer(ccm({ maid: MAID_B }))).fate).not.toBe('consumed');
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B }));
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
      });

      it('the MEP\'s interval changes: the peer\'s CCMs at the old interval are dUNP errors at once', async () => {
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B, interval: 5, intervalNs: 1e9 }));
        const r = await offer(ccm({ maid: MAID_B }));
        expect(r.fate).toBe('up');
        expect(r.rec?.timed).toBe(false);
        expect((await offer(ccm({ maid: MAID_B }))).fate).not.toBe('consumed');
        expect((await offer(ccm({ maid: MAID_B, interval: 5, mac: PEER_MAC }))).fate).toBe('consumed');
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B }));
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
      });

      it('the MEP\'s expected priority changes: a CCM at the old priority goes up (priority error)', async () => {
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B, priority: 5 }));
        const r = await offer(ccm({ maid: MAID_B, priority: 7 }));
        expect(r.fate).toBe('up'); // sent up as the peer's CCM with the priority error (802.1Q 20.16.9)
        expect((await offer(ccm({ maid: MAID_B, priority: 5 }))).fate).toBe('consumed');
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B }));
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
      });

      it('a peer added after its MEP: unknown before (error), first CCM up, then consumed', async () => {
        const mac3 = '02:00:00:00:02:03';
        const before = await offer(ccm({ mepId: 3, maid: MAID_B, mac: mac3 }));
        expect(before.fate).toBe('up');
        expect(before.rec?.timed).toBe(false);
        dp.setPeer(ifindex, VLAN, LEVEL, 3, 3.5 * INTERVAL_NS);
        const first = await offer(ccm({ mepId: 3, maid: MAID_B, mac: mac3 }));
        expect(first.fate).toBe('up');
        expect(first.rec?.timed).toBe(true);
        expect((await offer(ccm({ mepId: 3, maid: MAID_B, mac: mac3 }))).fate).toBe('consumed');
        expect(valid(3)).toBe(1);
      });

      it('CPU protection: a port given a policy is policed at once (no lookup while no port has one), and not once it is taken away', async () => {
        // one aggregate binding, port-wide: CCMs (opcode 1) at every level at rate 0 (all dropped)
        const ops = [1 << 1, 0, 0, 0, 0, 0, 0, 0];
        dp.cpConfigure(Uint32Array.of(0xcf01, 1, 16, /* port, vlan */ 0, 0, /* aggregate */ 1, 0, 0, /* rules */ 1, 0xff, 0, ...ops));
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
        dp.cpPort(ifindex, 0);
        const v = valid(2);
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('dropped');
        expect(valid(2)).toBe(v);
        const dropped = (c: { buckets: Float64Array }) => { let n = 0; for (let i = 6; i < c.buckets.length; i += 7) n += c.buckets[i]!; return n; };
        expect(dropped(dp.cpCounters())).toBe(1);
        dp.cpPort(ifindex, -1);
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
        expect(dropped(dp.cpCounters())).toBe(1);
        dp.cpConfigure(Uint32Array.of(0xcf01, 0, 0));
      });

      it('the MEP deleted (its peers left in the map): nothing is consumed, every CCM goes up; written again, consumed at once', async () => {
        dp.deleteMep(ifindex, VLAN, LEVEL);
        for (let i = 0; i < 3; i++) {
          const r = await offer(ccm({ maid: MAID_B }));
          expect(r.fate).toBe('up');
          expect(r.rec?.timed).toBe(false);
        }
        const v = valid(2);
        dp.setMep(ifindex, VLAN, LEVEL, mep({ maid: MAID_B }));
        expect((await offer(ccm({ maid: MAID_B }))).fate).toBe('consumed');
        expect(valid(2)).toBe(v + 1);
      });
    });
  }
});
