/**
 * The eBPF program's kernel run-time statistics (issue 17's CPU-per-CCM bench reads them):
 * enableBpfRunTimeStats() turns on BPF_ENABLE_STATS(BPF_STATS_RUN_TIME) for as long as its fd is
 * open, and programStats() / stats().programRuns read run_cnt and run_time_ns of the loaded
 * program (tc and xdp) from bpf_prog_info. The maxMeps / maxPeers options size the program's
 * hash maps (their bucket arrays cost each CCM cache misses at full size). Root + netns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BpfDatapath, bpfUnavailableReason, enableBpfRunTimeStats, type BpfMode } from '../../src/native/bpf.js';
import { PacketSocket } from '../../src/native/packet.js';
import { cfmFrame, PEERS } from '../cpu-protection/fixtures.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/program-stats (the eBPF program\'s run-time statistics)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

describe.skipIf(!gate.run || why !== undefined)('the eBPF program\'s run-time statistics', () => {
  let link: VethLink;
  let sender: PacketSocket;

  beforeAll(async () => {
    link = await createVethLink('bps');
    sender = new PacketSocket(link.ifB, { netns: link.nsB, receive: false });
  });

  afterAll(async () => {
    sender?.close();
    await link?.cleanup();
  });

  for (const mode of ['tc', 'xdp'] as BpfMode[]) {
    it(`${mode}: counts every run of the program and its run time while enabled`, async () => {
      const dp = new BpfDatapath({ mode, netns: link.nsA }, () => undefined);
      const stats = enableBpfRunTimeStats();
      try {
        dp.attach(link.ifA);
        const p0 = dp.programStats();
        expect(p0.id).toBeGreaterThan(0);
        const frames = 20;
        for (let i = 0; i < frames; i++) expect(sender.send(cfmFrame(PEERS[0], 5, 3, 100, i))).toBe(true);
        // the program runs for each frame (and for anything else the veth receives, e.g. IPv6 ND)
        await waitFor(() => dp.programStats().runCount - p0.runCount >= frames, 3000, `${frames} program runs`, 10);
        const p1 = dp.programStats();
        expect(p1.runTimeNs).toBeGreaterThan(p0.runTimeNs);
        // the same counters through stats() (what the software backend's bpfStats() returns)
        const s = dp.stats();
        expect(s.programRuns).toBeGreaterThanOrEqual(p1.runCount);
        expect(s.programRunTimeNs).toBeGreaterThanOrEqual(p1.runTimeNs);
        expect(s.cfmFrames).toBeGreaterThanOrEqual(frames);
      } finally {
        stats.close();
        stats.close(); // idempotent
        dp.close();
      }
    });
  }

  it('maxPeers sizes the peer map: the next peer is refused with a typed error, the program still runs', async () => {
    const dp = new BpfDatapath({ mode: 'tc', netns: link.nsA, maxMeps: 4, maxPeers: 4 }, () => undefined);
    const stats = enableBpfRunTimeStats();
    try {
      const ifindex = dp.attach(link.ifA);
      for (let p = 1; p <= 4; p++) dp.setPeer(ifindex, 100, 5, p, 350e6);
      expect(() => dp.setPeer(ifindex, 100, 5, 5, 350e6)).toThrow(/peer map/);
      const p0 = dp.programStats();
      expect(sender.send(cfmFrame(PEERS[0], 5, 3, 100, 0))).toBe(true);
      await waitFor(() => dp.programStats().runCount > p0.runCount, 3000, 'a program run', 10);
    } finally {
      stats.close();
      dp.close();
    }
  });

  it('capacity options out of range are typed errors naming the option', () => {
    expect(() => new BpfDatapath({ mode: 'tc', maxPeers: 0 }, () => undefined)).toThrow(/maxPeers: 0 is not a whole number 1\.\.65536/);
    expect(() => new BpfDatapath({ mode: 'xdp', maxMeps: 8193 }, () => undefined)).toThrow(/maxMeps: 8193/);
    expect(() => new BpfDatapath({ mode: 'tc', maxMeps: 1.5 }, () => undefined)).toThrow(/maxMeps/);
  });

  it('the error of a closed datapath is a typed error, not a crash', () => {
    const dp = new BpfDatapath({ mode: 'tc', netns: link.nsA }, () => undefined);
    dp.close();
    expect(() => dp.programStats()).toThrow(/closed|not open/i);
  });
});
