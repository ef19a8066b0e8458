/**
 * The eBPF module (cfm_bpf.node) is a separate shared object from the addon: the native CPU
 * protection policers it must obey live in the addon, attached to the ports' packet sockets.
 * The addon hands its admit function over as a type-tagged External (cpuProtectionHook); this
 * checks that frames the BPF program sends up really go through a policer attached in the
 * addon (squelched there, counted as `policed` in the module).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { NativeCpuPolicer } from '../../src/cpu-protection/native.js';
import { BpfDatapath, bpfUnavailableReason, type BpfRecord } from '../../src/native/bpf.js';
import { PacketSocket } from '../../src/native/packet.js';
import { cfmFrame, PEERS, seedModel } from '../cpu-protection/fixtures.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/module (CPU protection across the addon and the eBPF module)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

describe.skipIf(!gate.run || why !== undefined)('the eBPF module and the addon\'s CPU-protection policers', () => {
  let link: VethLink;
  let tx: PacketSocket;
  let sender: PacketSocket;
  let dp: BpfDatapath;
  const frames: BpfRecord[] = [];

  beforeAll(async () => {
    link = await createVethLink('bpm');
    tx = new PacketSocket(link.ifA, { netns: link.nsA, receive: false });
    sender = new PacketSocket(link.ifB, { netns: link.nsB, receive: false });
    dp = new BpfDatapath({ mode: 'tc', netns: link.nsA }, (recs) => {
      for (const r of recs) if (r.type === 'frame') frames.push({ ...r, frame: r.frame?.slice() });
    });
    dp.attach(link.ifA, tx.fd);
  });

  afterAll(async () => {
    dp?.close();
    tx?.close();
    sender?.close();
    await link?.cleanup();
  });

  const vlanOf = (r: BpfRecord) => r.vlan;

  it('frames the program sends up are policed by a policer attached in the addon', async () => {
    // no policer yet: both VLANs arrive
    const s0 = dp.stats();
    for (const [i, vlan] of [100, 100, 200].entries()) expect(sender.send(cfmFrame(PEERS[0], 5, 3, vlan, i))).toBe(true);
    await waitFor(() => (dp.poll(), frames.length >= 3), 3000, 'three frames', 10);
    expect(frames.map(vlanOf).sort()).toEqual([100, 100, 200]);
    expect(dp.stats().policed).toBe(s0.policed);

    // squelch every level on swp4 VLAN 100, attached (in the addon) to the port's transmit socket
    const policer = new NativeCpuPolicer(compileProtection(seedModel({ aggregate: true, squelch: '0-7' })), { ports: ['swp4'] });
    policer.attachSocket(tx.fd, 'swp4');
    try {
      const s1 = dp.stats();
      frames.length = 0;
      for (let i = 0; i < 5; i++) expect(sender.send(cfmFrame(PEERS[0], 5, 3, 100, i))).toBe(true);
      for (let i = 0; i < 2; i++) expect(sender.send(cfmFrame(PEERS[0], 5, 3, 200, i))).toBe(true);
      await waitFor(() => (dp.poll(), dp.stats().policed - s1.policed >= 5 && frames.length >= 2), 3000, 'five policed, two delivered', 10);
      await new Promise((r) => setTimeout(r, 100));
      dp.poll();
      expect(dp.stats().policed - s1.policed).toBe(5);
      expect(frames.map(vlanOf)).toEqual([200, 200]);
      expect(policer.counters().bindings).toEqual([{ binding: 'default/swp4/100', squelched: 5, unmatched: 0 }]);
    } finally {
      policer.detachSocket(tx.fd);
      policer.close();
    }
  });
});
