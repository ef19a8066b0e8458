/**
 * A MEP moved between the engine (a software MEP sending through the backend's frame port) and a
 * VOE of the Linux software datapath continues its CCM sequence numbers both ways (802.1Q 20.10;
 * a restart at 1 is a sequence error at the peer, 20.16.12): software -> VOE seeds the VOE with
 * the engine's next number (VoeSpec.initialSeq, capabilities().txSeqSeed), VOE -> software reads
 * the VOE's next number back (VoeStatus.txSeq). Before, the software datapath's VOE ignored the
 * seed and restarted at 1. The offload manager drives a SoftwareBackend on one end of a veth
 * pair between namespaces; a capture socket on the other end reads the CCMs on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { softwareProfile } from '../../src/backends/software/profile.js';
import { RealClock } from '../../src/common/clock.js';
import type { PlacementPin } from '../../src/config/model.js';
import { PacketSocket } from '../../src/native/packet.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { mkMep, mkModel } from '../offload/fixtures.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';

const MEPID = 3;

/** Sequence numbers of MEPID 3's CCMs (untagged) among the captured frames, in wire order. */
function seqsOf(frames: Uint8Array[]): number[] {
  const out: number[] = [];
  for (const f of frames) {
    if (f.length < 89 || f[12] !== 0x89 || f[13] !== 0x02 || f[15] !== 1 || ((f[22] << 8) | f[23]) !== MEPID) continue;
    out.push(((f[18] << 24) | (f[19] << 16) | (f[20] << 8) | f[21]) >>> 0);
  }
  return out;
}

const gate = linuxTestGate('test/linux/software-moves (offload manager on the software datapath, veth between namespaces)');
describe.skipIf(!gate.run)('moving a MEP between the engine and the software datapath keeps its CCM sequence', () => {
  let link: VethLink;
  let backend: SoftwareBackend;
  let mgr: OffloadManager;
  let tap: PacketSocket;
  const frames: Uint8Array[] = [];

  beforeAll(async () => {
    link = await createVethLink('csm');
    const clock = new RealClock();
    backend = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, clock });
    mgr = new OffloadManager({ backend, profile: softwareProfile([link.ifA]), clock, switch: 'sw1' });
    tap = new PacketSocket(link.ifB, { netns: link.nsB });
    tap.onFrames((batch) => { for (const f of batch) frames.push(f.slice()); });
  });
  afterAll(async () => {
    tap?.close();
    await mgr?.close();
    await backend?.close();
    await link?.cleanup();
  });

  const model = (placement: PlacementPin) =>
    mkModel([mkMep({ mepId: MEPID, switch: 'sw1', port: link.ifA, interval: 3, remoteMepIds: [4], placement })]);
  const key = `md1/ma1/${MEPID}`;
  const settle = async (more: number) => {
    const n = seqsOf(frames).length;
    await waitFor(() => seqsOf(frames).length >= n + more, 5000, `${more} more CCMs of MEP ${MEPID}`);
  };

  it('engine -> VOE (seeded) -> engine: one unbroken sequence on the wire', async () => {
    expect(backend.capabilities().txSeqSeed).toBe(true);
    await mgr.apply(model('software'));
    expect(mgr.placementOf(key)).toBe('software');
    await settle(4);

    const up = await mgr.apply(model('auto'));
    expect(mgr.placementOf(key)).toBe('hardware');
    expect(up.moves).toEqual([{ key, to: 'hardware', seq: expect.any(Number) }]);
    const seeded = up.moves[0].seq!;
    await settle(4);

    const down = await mgr.apply(model('software'));
    expect(mgr.placementOf(key)).toBe('software');
    expect(down.moves.map((m) => [m.key, m.to])).toEqual([[key, 'software']]);
    const resumed = down.moves[0].seq!;
    await settle(4);

    const seqs = seqsOf(frames);
    expect(seqs[0]).toBe(1);
    // the VOE's first CCM carried the engine's next number, the engine's first after the move
    // back the VOE's next: every CCM on the wire is the one before + 1
    expect(seqs).toEqual(seqs.map((_, i) => 1 + i));
    expect(seqs).toContain(seeded);
    expect(seqs).toContain(resumed);
    expect(seeded).toBeGreaterThan(4);
    expect(resumed).toBeGreaterThan(seeded + 3);
  });
});
