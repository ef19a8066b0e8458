/**
 * A new MEP's first CCM carries sequence number 1 in every placement: a software MEP of the
 * engine, a VOE of the software datapath (Linux, AF_PACKET / eBPF) and a VOE of the mock ASIC.
 * The Linux kernel bridge and Open vSwitch start at 1 too; the kernel's receiver checks
 * `seq == last + 1` from a last of 0 (br_cfm.c: a first CCM 0 set its SEQ_UNEXP_SEEN), and a
 * receiver that reads 0 as "not numbered" (802.1Q 20.16.12 as this project reads it, Y.1731 9.2)
 * could not check a first CCM 0. With a seed (initialSeq: a hand-over without a sequence reset,
 * src/offload/handover.ts) the first CCM carries the seed instead: in the software datapath too
 * (capabilities().txSeqSeed), whose VoeStatus.txSeq reads the next number and keeps it while the
 * VOE stops and restarts transmitting (802.1Q 20.10; a restart at 1 is a sequence error at the
 * peer, 20.16.12).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { MockAsicBackend } from '../../src/backends/mock/index.js';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import { CfmEngine, type MepConfig } from '../../src/engine/index.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/index.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'first-seq' } });

/** Sequence numbers of the CCMs (opcode 1) of MEPID `mepId` among `frames` (untagged or one tag). */
function ccmSeqs(frames: Uint8Array[], mepId: number): number[] {
  const out: number[] = [];
  for (const f of frames) {
    const p = f[12] === 0x81 && f[13] === 0x00 ? 18 : 14;
    if (f.length < p + 75 || f[p - 2] !== 0x89 || f[p - 1] !== 0x02 || f[p + 1] !== 1) continue;
    if ((((f[p + 8] << 8) | f[p + 9]) & 0x1fff) !== mepId) continue;
    out.push(new DataView(f.buffer, f.byteOffset, f.length).getUint32(p + 4));
  }
  return out;
}

function voeSpec(over: Partial<VoeSpec> & Pick<VoeSpec, 'port' | 'unicastMac'>): VoeSpec {
  return {
    key: 'first/seq', direction: 'down', level: 5, vlan: 0, mepId: 10, maid: MAID, interval: 3, priority: 7,
    peers: [11], ccmTx: true, ccmRx: false, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
    ...over,
  };
}

describe('the first CCM of a new MEP carries sequence number 1', () => {
  function engineFirstCcms(extra: Partial<MepConfig> = {}): number[] {
    const clock = new VirtualClock();
    const sent: Uint8Array[] = [];
    const e = new CfmEngine({ clock, port: { send: (_p, f) => { sent.push(f.slice()); }, onReceive: () => () => {} } });
    e.addMep({
      key: 'm', mepId: 10, remoteMepIds: [11], level: 5, interval: 4, vlan: 0, maid: MAID, port: 'p1', direction: 'down',
      mac: '02:00:00:00:00:0a', ...extra,
    });
    clock.advance(2.5e9);
    return ccmSeqs(sent, 10);
  }

  it('engine (a software MEP): 1, 2, 3; with initialSeq the seed', () => {
    expect(engineFirstCcms()).toEqual([1, 2, 3]);
    expect(engineFirstCcms({ initialSeq: 77 })).toEqual([77, 78, 79]);
  });

  it('mock ASIC VOE: 1, 2, 3; with initialSeq (txSeqSeed) the seed', async () => {
    const b = new MockAsicBackend({ ports: 2 });
    try {
      expect(b.capabilities().txSeqSeed).toBe(true);
      const frames: Uint8Array[] = [];
      b.onWireTransmit((_p, f) => frames.push(f.slice()));
      await b.createVoe(voeSpec({ port: 'swp1', unicastMac: '02:00:00:00:00:0a', interval: 4 }));
      await b.createVoe(voeSpec({ key: 'seeded', port: 'swp2', unicastMac: '02:00:00:00:00:0b', mepId: 12, interval: 4, initialSeq: 77 }));
      b.advance(2.5e9);
      expect(ccmSeqs(frames, 10)).toEqual([1, 2, 3]);
      expect(ccmSeqs(frames, 12)).toEqual([77, 78, 79]);
    } finally {
      await b.close();
    }
  });

  const gate = linuxTestGate('test/backends/first-ccm-seq (software datapath over veth between namespaces)');
  describe.skipIf(!gate.run)('software datapath VOE (Linux)', () => {
    let link: VethLink;
    let backend: SoftwareBackend;
    let tap: PacketSocket;
    const frames: Uint8Array[] = [];

    beforeAll(async () => {
      link = await createVethLink('cfq');
      backend = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA });
      tap = new PacketSocket(link.ifB, { netns: link.nsB });
      tap.onFrames((batch) => { for (const f of batch) frames.push(f.slice()); });
    });
    afterAll(async () => {
      tap?.close();
      await backend?.close();
      await link?.cleanup();
    });

    it('1, 2, 3 on the wire', async () => {
      await backend.createVoe(voeSpec({ port: link.ifA, unicastMac: link.macA }));
      await waitFor(() => ccmSeqs(frames, 10).length >= 3, 5000, 'three CCMs of the software VOE');
      expect(ccmSeqs(frames, 10).slice(0, 3)).toEqual([1, 2, 3]);
    });

    it('with initialSeq (txSeqSeed): 77, 78, 79 on the wire; txSeq reads the next; kept across a stop and restart', async () => {
      expect(backend.capabilities().txSeqSeed).toBe(true);
      const seeded = voeSpec({ key: 'seeded', port: link.ifA, unicastMac: link.macA, level: 6, mepId: 12, initialSeq: 77 });
      const h = await backend.createVoe(seeded);
      await waitFor(() => ccmSeqs(frames, 12).length >= 3, 5000, 'three CCMs of the seeded VOE');
      expect(ccmSeqs(frames, 12).slice(0, 3)).toEqual([77, 78, 79]);
      // initialSeq is a create-time seed, not configuration: not read back
      expect((await backend.listVoes()).find((v) => v.handle === h)!.spec.initialSeq).toBeUndefined();
      // transmission off: the next number is the one after the last CCM on the wire
      const { initialSeq: _seed, ...plain } = seeded;
      await backend.updateVoe(h, { ...plain, ccmTx: false });
      const stopped = (await backend.readStatus(h)).txSeq!;
      await new Promise((r) => setTimeout(r, 250)); // frames still on the veth reach the tap
      const sent = ccmSeqs(frames, 12);
      expect(stopped).toBe(sent[sent.length - 1] + 1);
      expect(sent).toEqual(Array.from({ length: sent.length }, (_, i) => 77 + i));
      // on again, at another interval (a new scheduler entry): it carries on
      await backend.updateVoe(h, { ...plain, interval: 4 });
      await waitFor(() => ccmSeqs(frames, 12).length >= sent.length + 2, 5000, 'CCMs after the restart');
      expect(ccmSeqs(frames, 12).slice(sent.length, sent.length + 2)).toEqual([stopped, stopped + 1]);
      expect((await backend.readStatus(h)).txSeq).toBeGreaterThan(stopped + 1);
      await backend.deleteVoe(h);
    });

    it('a seed near the wrap goes on through 0 (uint32); a seed that is no sequence number is refused', async () => {
      const h = await backend.createVoe(voeSpec({ key: 'wrap', port: link.ifA, unicastMac: link.macA, level: 7, mepId: 13, initialSeq: 0xfffffffe }));
      await waitFor(() => ccmSeqs(frames, 13).length >= 3, 5000, 'three CCMs of the VOE seeded near the wrap');
      expect(ccmSeqs(frames, 13).slice(0, 3)).toEqual([0xfffffffe, 0xffffffff, 0]);
      await backend.deleteVoe(h);
      for (const bad of [-1, 2 ** 32, 1.5]) {
        const e = await backend.createVoe(voeSpec({ key: 'bad-seed', port: link.ifA, unicastMac: link.macA, level: 7, mepId: 13, initialSeq: bad })).then(() => undefined, (x: unknown) => x);
        expect(e).toBeInstanceOf(CfmError);
        expect((e as CfmError).message).toMatch(/VOE 'bad-seed': initialSeq .* is not a sequence number/);
      }
      expect((await backend.listVoes()).map((v) => v.spec.key)).not.toContain('bad-seed');
    });

    it('seqUpdate false: every CCM carries 0 (a seed is ignored, as in the ASIC binding); numbering switched on later starts at 1', async () => {
      const spec = voeSpec({ key: 'unnumbered', port: link.ifA, unicastMac: link.macA, level: 4, mepId: 14, seqUpdate: false, initialSeq: 500 });
      const h = await backend.createVoe(spec);
      await waitFor(() => ccmSeqs(frames, 14).length >= 2, 5000, 'CCMs of the unnumbered VOE');
      expect(new Set(ccmSeqs(frames, 14))).toEqual(new Set([0]));
      expect((await backend.readStatus(h)).txSeq).toBe(1);
      const n = ccmSeqs(frames, 14).length;
      const { initialSeq: _seed, ...plain } = spec;
      await backend.updateVoe(h, { ...plain, seqUpdate: true }); // same grid: the frame is rebuilt in place
      await waitFor(() => ccmSeqs(frames, 14).slice(n).filter((x) => x !== 0).length >= 2, 5000, 'two numbered CCMs');
      const numbered = ccmSeqs(frames, 14).slice(n).filter((x) => x !== 0);
      expect(numbered.slice(0, 2)).toEqual([1, 2]);
      await backend.deleteVoe(h);
    });
  });
});
