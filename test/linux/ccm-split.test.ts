/**
 * CCMs and the other CFM frames on two sockets per port (issue 17, continuity under a flood;
 * native/addon/packet_filter.cc CfmPart): complementary kernel filters on the CFM OpCode
 * (802.1Q 21.4.3, Table 21-4: 1 = CCM), so every CFM frame reaches the handler exactly once,
 * untagged or behind one or two tags, and a flood of other opcodes fills only the other socket's
 * queue: its drops are counted there, the CCMs queued beside it are all read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PacketSocket } from '../../src/native/packet.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';

const gate = linuxTestGate('test/linux/ccm-split (CCM and other CFM sockets on veth)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A CFM frame (60 octets) with `opcode` behind `tags` (TPIDs), `mark` in the first TLV-area octet. */
function cfmFrame(src: string, tags: number[], opcode: number, mark: number): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x32], 0);
  f.set(src.split(':').map((x) => parseInt(x, 16)), 6);
  let o = 12;
  tags.forEach((tpid, i) => {
    f[o] = tpid >> 8; f[o + 1] = tpid & 0xff; f[o + 2] = 0xe0; f[o + 3] = 10 + i;
    o += 4;
  });
  f[o] = 0x89; f[o + 1] = 0x02; // CFM EtherType
  f[o + 2] = 2 << 5; // MD level 2, version 0
  f[o + 3] = opcode;
  f[o + 6] = mark;
  return f;
}

const hex = (f: Uint8Array) => Buffer.from(f).toString('hex');

describe.skipIf(!gate.run)('split CCM socket (AF_PACKET on veth)', () => {
  let link: VethLink;

  beforeAll(async () => {
    link = await createVethLink('cfs');
  });
  afterAll(async () => {
    await link?.cleanup();
  });

  it('every CFM frame reaches the handler exactly once, CCMs and others, with 0, 1 or 2 tags', async () => {
    const tx = new PacketSocket(link.ifA, { netns: link.nsA, receive: false });
    const rx = new PacketSocket(link.ifB, { netns: link.nsB });
    const got: string[] = [];
    rx.onFrames((fs) => fs.forEach((f) => got.push(hex(f))));
    const sent: Uint8Array[] = [];
    let mark = 0;
    for (const tags of [[], [0x8100], [0x88a8, 0x8100]]) for (const op of [1, 3, 5, 47]) sent.push(cfmFrame(link.macA, tags, op, mark++));
    for (const f of sent) expect(tx.send(f)).toBe(true);
    await waitFor(() => got.length >= sent.length, 2000, 'all frames');
    await sleep(30);
    expect([...got].sort()).toEqual(sent.map(hex).sort());
    expect(rx.stats().split).toBe(true);
    tx.close();
    rx.close();
  });

  it('a flood of LBMs overflows only its own queue: the CCMs beside it are all read', async () => {
    const tx = new PacketSocket(link.ifA, { netns: link.nsA, receive: false });
    const result = async (splitCcm: boolean) => {
      // a small queue, not read during the flood (the process "busy"): it must overflow
      const rx = new PacketSocket(link.ifB, { netns: link.nsB, rcvbufBytes: 16384, splitCcm });
      const lbms = Array.from({ length: 2000 }, (_, i) => cfmFrame(link.macA, [0x8100], 3, i & 0xff));
      let ccms = 0;
      for (let i = 0; i < 20; i++) {
        expect(tx.sendBatch(lbms.slice(i * 100, i * 100 + 100))).toBe(100);
        if (tx.send(cfmFrame(link.macA, [0x8100], 1, i))) ccms++;
      }
      await sleep(50);
      let ccmRead = 0;
      let otherRead = 0;
      rx.onFrames((fs) => fs.forEach((f) => (f[19] === 1 ? ccmRead++ : otherRead++)));
      while (rx.poll() > 0) { /* read all that is queued */ }
      const st = rx.stats();
      rx.close();
      return { ccms, ccmRead, otherRead, st };
    };
    const split = await result(true);
    expect(split.ccms).toBe(20);
    expect(split.ccmRead).toBe(20);
    expect(split.st.rxKernelDropsOther).toBeGreaterThan(0);
    expect(split.st.rxKernelDropsCcm).toBe(0);
    expect(split.otherRead + split.st.rxKernelDropsOther).toBe(2000);
    // before: one queue for all, the CCMs behind the flood are dropped with it
    const one = await result(false);
    expect(one.st.split).toBe(false);
    expect(one.ccmRead).toBeLessThan(20);
    expect(one.st.rxKernelDropsOther).toBe(0);
    expect(one.st.rxKernelDropsCcm).toBe(one.st.rxKernelDrops);
    tx.close();
  });
});
