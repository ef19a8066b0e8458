/**
 * The eBPF program and the shared CCM receive validity rule (src/engine/ccm.ts invalidCcm, 802.1Q
 * 20.51; the engine, the fast decoder, the mock ASIC and the AF_PACKET parser already agree on it,
 * test/pdu/rx-validity): a CCM the rule calls invalid must never update a peer in the kernel. The
 * program used to mask the MEPID to 13 bits and take any Port / Interface Status TLV length, so a
 * peer's CCMs with MEPID reserved bits set stopped in the kernel as valid (counted, rMEPwhile
 * restarted: a loss of continuity masked by frames every other placement discards). Each invalid
 * variant of a valid steady-state CCM must go up (user space discards and counts it) and leave the
 * peer's valid count alone; the valid CCM after it is consumed as before. Root + netns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCcmFrame } from '../../src/backends/software/ccm-frame.js';
import type { IntervalCode } from '../../src/common/interval.js';
import { invalidCcm } from '../../src/engine/ccm.js';
import { BpfDatapath, bpfUnavailableReason, type BpfRecord } from '../../src/native/bpf.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/rx-validity (the program follows the shared CCM validity rule)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-v' } });
const INTERVAL: IntervalCode = 6; // 10 s: nothing times out during the test
const INTERVAL_NS = 10e9;
const VLAN = 100;
const LEVEL = 5;
const PDU = 18; // DA, SA, one tag, EtherType

describe.skipIf(!gate.run || why !== undefined)('eBPF program: CCM receive validity', () => {
  let link: VethLink;
  let sender: PacketSocket;
  let dp: BpfDatapath;
  let ifindex = 0;
  let seq = 0;
  const recs: BpfRecord[] = [];

  beforeAll(async () => {
    link = await createVethLink('brv');
    sender = new PacketSocket(link.ifB, { netns: link.nsB, receive: false });
    dp = new BpfDatapath({ mode: 'tc', netns: link.nsA, maxMeps: 8, maxPeers: 8 }, (rs) => {
      for (const r of rs) recs.push({ ...r, frame: r.frame?.slice() });
    });
    ifindex = dp.attach(link.ifA);
    dp.setMep(ifindex, VLAN, LEVEL, { maid: MAID, mepId: 1, interval: INTERVAL, intervalNs: INTERVAL_NS, timeoutNs: 3.5 * INTERVAL_NS, priority: 7, handle: 1 });
    dp.setPeer(ifindex, VLAN, LEVEL, 2, 3.5 * INTERVAL_NS);
  });

  afterAll(async () => {
    dp?.close();
    sender?.close();
    await link?.cleanup();
  });

  const ccm = (): Uint8Array => buildCcmFrame({
    srcMac: '02:00:00:00:02:02', level: LEVEL, vlan: VLAN, priority: 7, mepId: 2, maid: MAID,
    interval: INTERVAL, rdi: false, seq: ++seq, portStatusTlv: 0, interfaceStatusTlv: 0,
  }).frame;

  async function fate(frame: Uint8Array): Promise<'consumed' | 'up' | 'dropped'> {
    const s0 = dp.stats();
    recs.length = 0;
    expect(sender.send(frame)).toBe(true);
    await waitFor(() => dp.stats().cfmFrames > s0.cfmFrames, 3000, 'the program saw the frame', 5);
    const s1 = dp.stats();
    if (s1.consumed > s0.consumed) return 'consumed';
    await waitFor(() => { dp.poll(); return s1.up === s0.up || recs.length > 0; }, 3000, 'its record', 5);
    return recs.length ? 'up' : 'dropped';
  }

  const valid = () => dp.readPeer(ifindex, VLAN, LEVEL, 2)?.valid ?? -1;

  /** A valid CCM with a Port Status TLV of `len` octets before the End TLV. */
  function withPortTlv(len: number): Uint8Array {
    const f = ccm();
    const tlvAt = PDU + 4 + 70;
    const out = new Uint8Array(tlvAt + 3 + len + 1);
    out.set(f.subarray(0, tlvAt));
    out.set([2, 0, len], tlvAt);
    out.fill(2, tlvAt + 3, tlvAt + 3 + len); // psUp, repeated
    out[tlvAt + 3 + len] = 0; // End TLV
    return out;
  }

  const variants: Array<{ name: string; frame: () => Uint8Array }> = [
    { name: 'MEPID with a reserved bit set (0x2002)', frame: () => { const f = ccm(); f[PDU + 8] |= 0x20; return f; } },
    { name: 'MEPID with the top reserved bit set (0x8002)', frame: () => { const f = ccm(); f[PDU + 8] |= 0x80; return f; } },
    { name: 'a group source MAC', frame: () => { const f = ccm(); f[6] |= 1; return f; } },
    { name: 'a zero source MAC', frame: () => { const f = ccm(); f.fill(0, 6, 12); return f; } },
    { name: 'the class 1 address of another level (01-80-C2-00-00-33)', frame: () => { const f = ccm(); f.set([0x01, 0x80, 0xc2, 0, 0, 0x33], 0); return f; } },
    { name: 'a Port Status TLV of length 2', frame: () => withPortTlv(2) },
  ];

  it('the peer\'s first CCM goes up, the next stops in the kernel', async () => {
    expect(await fate(ccm())).toBe('up');
    expect(await fate(ccm())).toBe('consumed');
    expect(valid()).toBe(1);
  });

  for (const v of variants) {
    it(`${v.name}: invalid by the shared rule, never consumed, the peer untouched`, async () => {
      const f = v.frame();
      expect(invalidCcm(f, PDU)).not.toBeNull(); // the rule calls it invalid
      const before = valid();
      expect(await fate(f)).not.toBe('consumed');
      expect(valid()).toBe(before);
      // and a valid CCM right after is still steady state
      expect(await fate(ccm())).toBe('consumed');
      expect(valid()).toBe(before + 1);
    });
  }

  it('a Port Status TLV of length 1 is valid and consumed (the control)', async () => {
    const f = withPortTlv(1);
    expect(invalidCcm(f, PDU)).toBeNull();
    // the Port Status TLV appears (a change from none): up once, then steady
    expect(await fate(f)).toBe('up');
    expect(await fate(withPortTlv(1))).toBe('consumed');
  });
});
