/**
 * The addon on a real veth pair between two namespaces: CFM-only BPF filter, VLAN tags restored
 * from PACKET_AUXDATA, own frames never received, typed errno errors, and the native CCM
 * scheduler patching sequence numbers and RDI.
 */
import { readdirSync } from 'node:fs';
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

  it('scheduler puts entries with a phase on one absolute grid, due together, and shares one dup per socket', async () => {
    gotB.length = 0;
    const sched = new CcmScheduler();
    const openFds = () => readdirSync('/proc/self/fd').length;
    try {
      const period = 10_000_000;
      const phase = 2_500_000;
      const fds0 = openFds();
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const built = buildCcmFrame({ srcMac: link.macA, level: 2, vlan: 0, priority: 7, mepId: 100 + i, maid, interval: 2, rdi: false, seq: 0, portStatusTlv: 0, interfaceStatusTlv: 0 });
        ids.push(sched.add({ socket: a, frame: built.frame, intervalNs: period, seqOffset: built.seqOffset, flagsOffset: built.flagsOffset, firstSeq: 1 + i * 1000, phaseNs: phase }));
      }
      // the 20 entries of one socket hold one file descriptor between them
      expect(openFds() - fds0).toBe(1);
      const deadlines = ids.map((id) => sched.info(id)!.deadlineNs);
      // same grid: every deadline is phase + k x period (entries added later may be one period on)
      for (const d of deadlines) expect((d - phase) % period).toBe(0);
      await waitFor(() => gotB.length >= 20 * 5, 3000, '5 CCMs of each entry');
      const now = ids.map((id) => sched.info(id)!);
      expect(new Set(now.map((x) => x.deadlineNs)).size).toBe(1);
      // each entry kept its own running sequence number through the batched sends
      const byMep = new Map<number, number[]>();
      for (const f of gotB) {
        const c = parseCfmFrame(f)!.ccm!;
        if (c.mepId < 100 || c.mepId >= 120) continue;
        byMep.set(c.mepId, [...(byMep.get(c.mepId) ?? []), c.seq]);
      }
      expect(byMep.size).toBe(20);
      for (const [mep, seqs] of byMep) seqs.forEach((s, k) => expect(s).toBe(1 + (mep - 100) * 1000 + k));
      for (const id of ids) sched.remove(id);
      expect(openFds()).toBe(fds0);
    } finally {
      sched.close();
    }
  });

  it('scheduler reports a failing link once per entry and its recovery once, also for entries sent together', async () => {
    const sched = new CcmScheduler();
    const events: string[] = [];
    sched.onEvent((ev) => events.push(`${ev.id}:${ev.kind}:${ev.code}`));
    try {
      const ids = [1, 2, 3].map((mepId) => {
        const built = buildCcmFrame({ srcMac: link.macA, level: 1, vlan: 0, priority: 7, mepId, maid, interval: 2, rdi: false, seq: 0, portStatusTlv: 0, interfaceStatusTlv: 0 });
        return sched.add({ socket: a, frame: built.frame, intervalNs: 10_000_000, seqOffset: built.seqOffset, flagsOffset: built.flagsOffset, firstSeq: 1, phaseNs: 0 });
      });
      await waitFor(() => ids.every((id) => (sched.info(id)?.sent ?? 0) >= 2), 2000, 'CCMs sent');
      await link.setLink('A', false);
      await waitFor(() => events.length >= 3, 2000, 'an error event per entry');
      const down = ids.map((id) => sched.info(id)!);
      await waitFor(() => ids.every((id, i) => sched.info(id)!.errors >= down[i].errors + 3), 2000, 'more failed sends');
      // 802.1Q 20.10.2: a CCM that was not sent does not use up a sequence number
      ids.forEach((id, i) => expect(sched.info(id)!.seq).toBe(down[i].seq));
      await link.setLink('A', true);
      await waitFor(() => events.length >= 6, 2000, 'a recovered event per entry');
      await new Promise((r) => setTimeout(r, 50));
      expect([...events].sort()).toEqual(ids.flatMap((id) => [`${id}:error:ENETDOWN`, `${id}:recovered:`]).sort());
    } finally {
      sched.close();
      await link.setLink('A', true);
    }
  });

  it('scheduler says how its thread is scheduled: SCHED_FIFO when asked and permitted', () => {
    const plain = new CcmScheduler();
    const rt = new CcmScheduler({ realtime: true });
    try {
      expect(plain.mode()).toMatchObject({ policy: 'other', realtimeRequested: false });
      expect(plain.modeText()).toBe('SCHED_OTHER');
      const m = rt.mode();
      expect(m.realtimeRequested).toBe(true);
      // root has CAP_SYS_NICE; a refusal must name its errno rather than pass silently
      // (lanes and the event thread: test/linux/scheduler-lanes.test.ts)
      if (m.policy === 'fifo') expect(rt.modeText()).toMatch(new RegExp(`^SCHED_FIFO ${m.priority}(, 2 lanes on CPUs \\d+,\\d+)?; event thread nice -10$`));
      else expect(rt.modeText()).toMatch(/^SCHED_OTHER \(SCHED_FIFO refused: E[A-Z]+\)/);
      expect(m.policy).toBe('fifo');
    } finally {
      plain.close();
      rt.close();
    }
  });

  it('scheduler keeps one deadline per entry after dropping the items of many removed entries', async () => {
    gotB.length = 0;
    const sched = new CcmScheduler();
    try {
      const built = (mepId: number) => buildCcmFrame({ srcMac: link.macA, level: 6, vlan: 0, priority: 7, mepId, maid, interval: 2, rdi: false, seq: 0, portStatusTlv: 0, interfaceStatusTlv: 0 });
      // 200 entries an hour away, removed: their heap items are stale until compacted
      const gone = Array.from({ length: 200 }, (_, i) => {
        const b = built(500 + i);
        return sched.add({ socket: a, frame: b.frame, intervalNs: 3_600_000_000_000, startDelayNs: 3_000_000_000_000, seqOffset: b.seqOffset, flagsOffset: b.flagsOffset });
      });
      for (const id of gone) sched.remove(id);
      const b = built(42);
      const id = sched.add({ socket: a, frame: b.frame, intervalNs: 10_000_000, seqOffset: b.seqOffset, flagsOffset: b.flagsOffset, firstSeq: 1, phaseNs: 0 });
      await waitFor(() => gotB.length >= 10, 2000, '10 CCMs');
      const seqs = gotB.map((f) => parseCfmFrame(f)!.ccm!).filter((c) => c.mepId === 42).map((c) => c.seq);
      seqs.forEach((s, k) => expect(s).toBe(1 + k));
      expect(sched.size()).toBe(1);
      expect(sched.info(id)!.sent).toBeGreaterThanOrEqual(seqs.length);
    } finally {
      sched.close();
    }
  });
});
