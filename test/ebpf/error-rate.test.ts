/**
 * Error CCMs in the eBPF program are rate-limited per peer and kind (issue 17), not per MEP and
 * kind: within one half interval the first error CCM of every offending peer (source MAC + MEPID)
 * reaches user space, repeats of the same peer and kind do not, and a MEP sends up at most 16
 * peers per kind per half interval (CFM_ERR_PEERS_PER_WINDOW, the bound past CPU protection).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCcmFrame } from '../../src/backends/software/ccm-frame.js';
import { BpfDatapath, bpfUnavailableReason, type BpfRecord } from '../../src/native/bpf.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/error-rate (eBPF error CCMs rate-limited per peer)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-1' } });
const OTHER_MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-2' } });
// 10 s interval: a half interval (5 s) spans the whole test, so nothing is let through by time
const INTERVAL = 6;
const INTERVAL_NS = 10e9;

function ccm(mepId: number, srcMac: string, maid = MAID): Uint8Array {
  return buildCcmFrame({ srcMac, level: 5, vlan: 0, priority: 7, mepId, maid, interval: INTERVAL, rdi: false, seq: 1, portStatusTlv: 0, interfaceStatusTlv: 0 }).frame;
}
const mac = (i: number) => `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;

describe.skipIf(!gate.run || why !== undefined)('eBPF error CCMs: rate limit per peer and kind', () => {
  let link: VethLink;
  let tx: PacketSocket;
  let sender: PacketSocket;
  let dp: BpfDatapath;
  let ifindex = 0;
  const frames: BpfRecord[] = [];

  beforeAll(async () => {
    link = await createVethLink('ber');
    tx = new PacketSocket(link.ifA, { netns: link.nsA, receive: false });
    sender = new PacketSocket(link.ifB, { netns: link.nsB, receive: false });
    dp = new BpfDatapath({ mode: 'tc', netns: link.nsA }, (recs) => {
      for (const r of recs) if (r.type === 'frame') frames.push({ ...r, frame: r.frame?.slice() });
    });
    ifindex = dp.attach(link.ifA, tx.fd);
    dp.setMep(ifindex, 0, 5, { maid: MAID, mepId: 1, interval: INTERVAL, intervalNs: INTERVAL_NS, timeoutNs: 3.5 * INTERVAL_NS, priority: 7, handle: 1 });
    dp.setPeer(ifindex, 0, 5, 2, 3.5 * INTERVAL_NS);
  });

  afterAll(async () => {
    dp?.close();
    tx?.close();
    sender?.close();
    await link?.cleanup();
  });

  /** Send `list`, wait until the program has seen them all, return the MEPIDs of the frames sent up. */
  async function offer(list: Uint8Array[]): Promise<number[]> {
    frames.length = 0;
    const seen0 = dp.stats().cfmFrames;
    for (const f of list) expect(sender.send(f)).toBe(true);
    await waitFor(() => dp.stats().cfmFrames - seen0 >= list.length, 3000, `${list.length} frames seen by the program`, 10);
    await new Promise((r) => setTimeout(r, 50));
    dp.poll();
    return frames.map((r) => ((r.frame![22] << 8) | r.frame![23]) & 0x1fff);
  }

  it('every offending peer reaches user space once per half interval and kind', async () => {
    // unknown MEPIDs 7 and 9 (dUNM), each three times, interleaved: one frame of each goes up
    const up = await offer([7, 9, 7, 9, 7, 9].map((id) => ccm(id, mac(id))));
    expect(up.sort()).toEqual([7, 9]);
    // the same MEPID from another MAC is another peer; a wrong MAID (dMMG) is another kind
    const up2 = await offer([ccm(7, mac(70)), ccm(7, mac(7)), ccm(2, mac(2), OTHER_MAID), ccm(2, mac(2), OTHER_MAID)]);
    expect(up2.sort()).toEqual([2, 7]);
  });

  it('at most 16 peers of one kind per MEP per half interval', async () => {
    const up = await offer(Array.from({ length: 24 }, (_, i) => ccm(100 + i, mac(100 + i))));
    // MEPIDs 7 and 9 (and 7 from mac 70) already used three of this window's 16 dUNM places
    expect(up).toEqual(Array.from({ length: 13 }, (_, i) => 100 + i));
  });
});
