/**
 * The addon on a real veth pair between two namespaces: CFM-only BPF filter, VLAN tags restored
 * from PACKET_AUXDATA, own frames never received, typed errno errors, and the native CCM
 * scheduler patching sequence numbers and RDI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OsError } from '../../src/native/errors.js';
import { PacketSocket, interfaceInfo } from '../../src/native/packet.js';
import { CcmScheduler } from '../../src/native/scheduler.js';
import { buildCcmFrame, parseCfmFrame } from '../../src/backends/software/ccm-frame.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';

const gate = linuxTestGate('test/linux/addon (AF_PACKET on veth in netns)');
const maid = encodeMaid({ md: { format: 4, name: 'MD' }, ma: { format: 2, name: 'MA' } });

function rawFrame(macSrc: string, etherTypes: number[], payloadLen = 46): Uint8Array {
  const f = new Uint8Array(12 + etherTypes.length * 4 + payloadLen);
  f.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x30], 0);
  f.set(macSrc.split(':').map((x) => parseInt(x, 16)), 6);
  let o = 12;
  etherTypes.forEach((t, i) => {
    f[o] = t >> 8; f[o + 1] = t & 0xff;
    if (i < etherTypes.length - 1) { f[o + 2] = 0xe0 | (i + 1); f[o + 3] = 0x10 + i; o += 4; } else o += 2;
  });
  return f;
}

describe.skipIf(!gate.run)('native addon on veth', () => {
  let link: VethLink;
  let a: PacketSocket;
  let b: PacketSocket;
  const gotA: Uint8Array[] = [];
  const gotB: Uint8Array[] = [];

  beforeAll(async () => {
    link = await createVethLink('cfx');
    a = new PacketSocket(link.ifA, { netns: link.nsA });
    b = new PacketSocket(link.ifB, { netns: link.nsB });
    a.onFrames((fs) => fs.forEach((f) => gotA.push(Uint8Array.from(f))));
    b.onFrames((fs) => fs.forEach((f) => gotB.push(Uint8Array.from(f))));
  });

  afterAll(async () => {
    a?.close();
    b?.close();
    await link?.cleanup();
  });

  it('reports the interface as the namespace sees it', () => {
    const info = interfaceInfo(link.ifA, link.nsA);
    expect(info.mac).toBe(link.macA);
    expect(info.up).toBe(true);
    expect(a.mac).toBe(link.macA);
    expect(a.ifindex).toBe(info.ifindex);
  });

  it('receives CFM untagged, C-tagged, S+C-tagged as sent (tags restored), and nothing else', async () => {
    gotA.length = 0;
    gotB.length = 0;
    const untagged = rawFrame(link.macA, [0x8902]);
    const ctag = rawFrame(link.macA, [0x8100, 0x8902]);
    const qinq = rawFrame(link.macA, [0x88a8, 0x8100, 0x8902]);
    const ipv4 = rawFrame(link.macA, [0x0800]);
    const taggedIp = rawFrame(link.macA, [0x8100, 0x0800]);
    for (const f of [ipv4, untagged, taggedIp, ctag, qinq]) expect(a.send(f)).toBe(true);
    await waitFor(() => gotB.length >= 3, 2000, '3 frames on B');
    await new Promise((r) => setTimeout(r, 50));
    expect(gotB.map((f) => Buffer.from(f).toString('hex'))).toEqual([untagged, ctag, qinq].map((f) => Buffer.from(f).toString('hex')));
    // PACKET_OUTGOING is filtered: A never hears itself
    expect(gotA).toHaveLength(0);
  });

  it('sends batches with sendmmsg', async () => {
    gotB.length = 0;
    const frames = Array.from({ length: 100 }, (_, i) => { const f = rawFrame(link.macA, [0x8902]); f[20] = i; return f; });
    expect(a.sendBatch(frames)).toBe(100);
    await waitFor(() => gotB.length >= 100, 2000, '100 frames on B');
    expect(gotB.map((f) => f[20])).toEqual(frames.map((_, i) => i));
  });

  it('turns kernel failures into OsError with errno and syscall', () => {
    let err: unknown;
    try { new PacketSocket('nosuchif0', { netns: link.nsA }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(OsError);
    expect((err as OsError).errnoCode).toBe('ENODEV');
    expect((err as OsError).errno).toBe(19);
    expect((err as OsError).syscall).toBe('if_nametoindex');
    expect((err as OsError).message).toContain('nosuchif0');
    let err2: unknown;
    try { new PacketSocket('lo', { netns: 'no-such-netns-cfm' }); } catch (e) { err2 = e; }
    expect(err2).toBeInstanceOf(OsError);
    expect((err2 as OsError).errnoCode).toBe('ENOENT');
  });

  it('scheduler sends CCMs with consecutive sequence numbers and patches RDI in place', async () => {
    gotB.length = 0;
    const sched = new CcmScheduler();
    try {
      const built = buildCcmFrame({ srcMac: link.macA, level: 3, vlan: 100, priority: 6, mepId: 7, maid, interval: 2, rdi: false, seq: 0, portStatusTlv: 2, interfaceStatusTlv: 1 });
      const id = sched.add({ socket: a, frame: built.frame, intervalNs: 10_000_000, seqOffset: built.seqOffset, flagsOffset: built.flagsOffset, firstSeq: 1000 });
      await waitFor(() => gotB.length >= 5, 2000, '5 CCMs');
      sched.setRdi(id, true);
      const mark = gotB.length;
      await waitFor(() => gotB.length >= mark + 5, 2000, '5 more CCMs');
      expect(sched.remove(id)).toBe(true);
      const parsed = gotB.map((f) => parseCfmFrame(f)!);
      const seqs = parsed.map((p) => p.ccm!.seq);
      expect(seqs[0]).toBe(1000);
      seqs.forEach((s, i) => expect(s).toBe(1000 + i));
      expect(parsed.every((p) => p.vlan === 100 && p.pcp === 6 && p.level === 3 && p.ccm!.mepId === 7 && p.ccm!.interval === 2)).toBe(true);
      expect(parsed[0].ccm!.rdi).toBe(false);
      expect(parsed[parsed.length - 1].ccm!.rdi).toBe(true);
      // once RDI is on it stays on
      const firstRdi = parsed.findIndex((p) => p.ccm!.rdi);
      expect(parsed.slice(firstRdi).every((p) => p.ccm!.rdi)).toBe(true);
      expect(sched.info(id)).toBeUndefined();
    } finally {
      sched.close();
    }
  });

  it('scheduler reports a failing link once, and its recovery once', async () => {
    const sched = new CcmScheduler();
    const events: string[] = [];
    sched.onEvent((ev) => events.push(`${ev.kind}:${ev.code}`));
    try {
      const built = buildCcmFrame({ srcMac: link.macA, level: 0, vlan: 0, priority: 7, mepId: 1, maid, interval: 2, rdi: false, seq: 0, portStatusTlv: 0, interfaceStatusTlv: 0 });
      const id = sched.add({ socket: a, frame: built.frame, intervalNs: 10_000_000, seqOffset: built.seqOffset, flagsOffset: built.flagsOffset, firstSeq: 1 });
      await waitFor(() => (sched.info(id)?.sent ?? 0) >= 2, 2000, 'CCMs sent');
      await link.setLink('A', false);
      await waitFor(() => events.length >= 1, 2000, 'an error event');
      const errorsSoFar = sched.info(id)!.errors;
      await waitFor(() => sched.info(id)!.errors >= errorsSoFar + 3, 2000, 'more failed sends');
      await link.setLink('A', true);
      await waitFor(() => events.length >= 2, 2000, 'a recovered event');
      await new Promise((r) => setTimeout(r, 50));
      expect(events).toEqual(['error:ENETDOWN', 'recovered:']);
    } finally {
      sched.close();
      await link.setLink('A', true);
    }
  });
});
