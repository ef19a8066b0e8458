/**
 * The planner counts a table of expected peers shared by all VOEs (HwResources.remoteMepTable):
 * a profile's `remote-mep-table`, or a backend's own, the eBPF datapath's peer map (software
 * backend, sized by bpfCapacity.peers; at most 65,536). A MEP whose remote MEPs no longer fit runs
 * in the engine with a reason naming the table; a hardware pin is a violation (apply refuses it);
 * a change re-planned alone never overfills it. With the real eBPF datapath (root; CI runs it) the
 * apply then succeeds and the MEP beyond the map runs in the engine, instead of createVoe failing
 * at the map update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { softwareProfile } from '../../src/backends/software/profile.js';
import type { BackendCapabilities } from '../../src/backends/types.js';
import { RealClock } from '../../src/common/clock.js';
import type { LocalMep } from '../../src/config/model.js';
import { bpfUnavailableReason } from '../../src/native/bpf.js';
import { BPF_MAX_CAPACITY } from '../../src/backends/software/bpf-rx.js';
import { bpfCapacityFor } from '../../src/offload/run/bpf-capacity.js';
import { formatPlan } from '../../src/offload/format.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { plan } from '../../src/offload/planner.js';
import { replan } from '../../src/offload/replan.js';
import { hwResources } from '../../src/offload/resources.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';

/** The software backend's capabilities on the eBPF datapath with maps of 64 MEPs and `peers` peers. */
function ebpfCaps(peers: number): BackendCapabilities {
  return {
    kind: 'software', description: 'software datapath: eBPF tc', portVoes: 64, serviceVoes: 64,
    txIntervals: [1, 2, 3, 4, 5, 6, 7], rxIntervals: [1, 2, 3, 4, 5, 6, 7], peersPerVoe: Math.min(8191, peers),
    remoteMepTable: { entries: peers, name: 'eBPF peer map' },
    upMep: false, vlanMep: true, ccmTxMode: 'hardware', loopbackOffload: false, linktraceOffload: false,
    policers: 0, frameIo: true, voePortState: true,
  };
}

/** MEP 1 of MA `ma<i>` on VLAN i of `port`, expecting `peers` remote MEPs (2, 3, ...). */
function mep(i: number, peers: number, over: Partial<LocalMep> = {}): LocalMep {
  return mkMep({ mepId: 1, associationId: `ma${i}`, port: 'eth0', vlan: i, remoteMepIds: Array.from({ length: peers }, (_, k) => k + 2), ...over });
}

describe('the planner and a shared remote MEP table', () => {
  const res = hwResources(softwareProfile(['eth0'], 64), ebpfCaps(6));

  it('places MEPs until the eBPF peer map is full; the next runs in the engine with a reason naming the map', () => {
    const p = plan(mkModel([mep(1, 2), mep(2, 2), mep(3, 2), mep(4, 2)]), res);
    expect(p.meps.map((m) => [m.key, m.ccm, m.reason])).toEqual([
      ['md1/ma1/1', 'hardware', undefined],
      ['md1/ma2/1', 'hardware', undefined],
      ['md1/ma3/1', 'hardware', undefined],
      ['md1/ma4/1', 'software', 'eBPF peer map full (6 of 6 remote MEP entries used, 2 needed)'],
    ]);
    expect(p.usage.remoteMeps).toEqual({ used: 6, total: 6, table: 'eBPF peer map' });
    expect(p.violations).toEqual([]);
    expect(formatPlan(p)).toContain('3 of 4 MEPs in hardware; port VOEs 0/64, service VOEs 3/64, eBPF peer map 6/6');
    // a smaller MEP after a refused one still fits (each MEP is checked against what is left)
    const q = plan(mkModel([mep(1, 4), mep(2, 3), mep(3, 2)]), res);
    expect(q.meps.map((m) => m.ccm)).toEqual(['hardware', 'software', 'hardware']);
    expect(q.usage.remoteMeps!.used).toBe(6);
  });

  it('cfm run\'s sizing: a config beyond the largest map (65,536 peers) gets it, and the planner keeps the rest in the engine', () => {
    // 9 MEPs of 8,000 peers each: 72,000 peers
    const meps = Array.from({ length: 9 }, (_, i) => mep(i + 1, 8000));
    const cap = bpfCapacityFor(meps);
    expect(cap).toEqual({ meps: 64, peers: BPF_MAX_CAPACITY.peers });
    const p = plan(mkModel(meps), hwResources(softwareProfile(['eth0'], cap.meps), ebpfCaps(cap.peers)));
    expect(p.meps.filter((m) => m.ccm === 'hardware')).toHaveLength(8);
    expect(p.meps[8].reason).toBe('eBPF peer map full (64000 of 65536 remote MEP entries used, 8000 needed)');
  });

  it('a MEP pinned to hardware beyond the map is a violation naming it', () => {
    const p = plan(mkModel([mep(1, 4), mep(2, 3, { placement: 'hardware' })]), res);
    // hardware pins are planned first: the pinned MEP takes 3 entries, the other does not fit
    expect(p.meps.map((m) => [m.key, m.ccm])).toEqual([['md1/ma2/1', 'hardware'], ['md1/ma1/1', 'software']]);
    const over = plan(mkModel([mep(1, 4, { placement: 'hardware' }), mep(2, 3, { placement: 'hardware' })]), res);
    expect(over.violations).toEqual(['md1/ma2/1 is pinned to hardware but eBPF peer map full (4 of 6 remote MEP entries used, 3 needed)']);
  });

  it('a profile\'s remote-mep-table is the same kind of limit; no table (every shipped profile) leaves plans as they were', () => {
    const prof = mkProfile({ voes: { port: 8, service: 8, up: 0, down: null, sharedTotal: null, perPort: null }, vlanMep: true, peersPerVoe: 4, remoteMepTable: 5 });
    const p = plan(mkModel([mep(1, 3), mep(2, 3)]), hwResources(prof));
    expect(p.meps[1].reason).toBe('remote MEP table full (3 of 5 remote MEP entries used, 3 needed)');
    // the stricter of profile and backend wins
    expect(hwResources(prof, ebpfCaps(4)).remoteMepTable).toEqual({ entries: 4, name: 'eBPF peer map' });
    expect(hwResources(prof, ebpfCaps(9)).remoteMepTable).toEqual({ entries: 5, name: 'remote MEP table' });
    const none = plan(mkModel([mep(1, 3), mep(2, 3)]), hwResources({ ...prof, remoteMepTable: null }));
    expect(none.meps.map((m) => m.ccm)).toEqual(['hardware', 'hardware']);
    expect(none.usage.remoteMeps).toBeUndefined();
  });

  it('a change re-planned alone keeps the count; one that would overfill the map is planned in full instead', () => {
    const meps = [mep(1, 2), mep(2, 2)];
    const prev = plan(mkModel(meps), res);
    expect(prev.usage.remoteMeps!.used).toBe(4);
    const grown = mep(2, 3);
    const ok = replan(prev, [{ old: meps[1], now: grown }], (k) => (k === grown.key ? grown : meps[0]));
    expect(ok!.plan.usage.remoteMeps).toEqual({ used: 5, total: 6, table: 'eBPF peer map' });
    const tooBig = mep(2, 5);
    expect(replan(prev, [{ old: meps[1], now: tooBig }], (k) => (k === tooBig.key ? tooBig : meps[0]))).toBeNull();
    // the full plan then puts it in the engine
    expect(plan(mkModel([meps[0], tooBig]), res).meps[1].reason).toBe('eBPF peer map full (2 of 6 remote MEP entries used, 5 needed)');
  });
});

const gate = linuxTestGate('test/offload/peer-table (the eBPF peer map in the plan)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF datapath must be tested: ${why}`);

describe.skipIf(!gate.run || why !== undefined)('the eBPF peer map on a live software backend', () => {
  let link: VethLink;
  beforeAll(async () => {
    link = await createVethLink('cpt');
  });
  afterAll(async () => {
    await link?.cleanup();
  });

  it('an apply needing more peers than the map holds runs the MEP beyond it in the engine (no map-update failure), and it sees its peers', async () => {
    const backend = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath: 'tc', bpfCapacity: { meps: 64, peers: 3 } });
    // the far end: MEP 2 of every MA on one backend, MEP 3 of ma3 on another (one backend has one
    // MEP per port, VLAN and level)
    const peers = [2, 3].map(() => new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet' }));
    const mgr = new OffloadManager({ backend, profile: softwareProfile([link.ifA], backend.capabilities().serviceVoes), clock: new RealClock() });
    try {
      expect(backend.capabilities().remoteMepTable).toEqual({ entries: 3, name: 'eBPF peer map' });
      // ma1, ma2: one peer each; ma3: two (MEPs 2 and 3): 4 entries for a map of 3
      const ours = [mep(1, 1), mep(2, 1), mep(3, 2)].map((m) => ({ ...m, port: link.ifA, interval: 3 as const, macAddress: link.macA }));
      const report = await mgr.apply(mkModel(ours));
      expect(report.plan.meps.map((m) => [m.key, m.ccm, m.reason])).toEqual([
        ['md1/ma1/1', 'hardware', undefined],
        ['md1/ma2/1', 'hardware', undefined],
        ['md1/ma3/1', 'software', 'eBPF peer map full (2 of 3 remote MEP entries used, 2 needed)'],
      ]);
      expect((await backend.listVoes()).map((v) => v.spec.key).sort()).toEqual(['md1/ma1/1', 'md1/ma2/1']);
      for (const m of ours) {
        for (const id of m.remoteMepIds) {
          await peers[id - 2]!.createVoe({
            key: `${m.key}-peer${id}`, port: link.ifB, direction: 'down', level: m.level, vlan: m.vlan, unicastMac: link.macB, mepId: id,
            maid: m.maid, interval: 3, priority: 7, peers: [1], ccmTx: true, ccmRx: false, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
          });
        }
      }
      await waitFor(async () => (await mgr.status()).meps.every((s) => s.remotes.length > 0 && s.remotes.every((r) => r.state === 'ok')), 5000, 'every remote MEP up', 50);
      const st = await mgr.status();
      expect(st.meps.find((s) => s.key === 'md1/ma3/1')).toMatchObject({ placement: 'software', defects: [] });
      expect(st.meps.find((s) => s.key === 'md1/ma3/1')!.remotes.map((r) => r.mepId)).toEqual([2, 3]);
    } finally {
      await mgr.close({ clearHardware: true });
      for (const b of peers) await b.close();
      await backend.close();
    }
  }, 30_000);
});
