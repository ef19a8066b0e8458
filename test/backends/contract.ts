/**
 * THE backend contract suite. Every backend's test file calls
 *
 *   runBackendContract('mock', async () => ({ backend, advance, injectFromWire?, onWireTransmit? }))
 *
 * and gets the same cases. Cases a backend cannot run are skipped from its capabilities() (or
 * from a harness hook it does not offer), never by name, and each skip prints its reason.
 */
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { intervalNs, type IntervalCode } from '../../src/common/interval.js';
import type { Backend, BackendCapabilities, HwEvent, VoeSpec } from '../../src/backends/types.js';
import { ccmFrame, cfmFrame, mac, multicastDa, parseCfm, testMaid } from './frames.js';

export interface ContractHarness {
  backend: Backend;
  /** Let `ns` of backend time pass (virtual clock: advance; real time: sleep). */
  advance(ns: number): Promise<void>;
  /** Deliver a frame to a port as if it came from the wire (absent: cases needing it skip). */
  injectFromWire?(port: string, frame: Uint8Array): void;
  /** Observe frames the backend puts on the wire (absent: cases needing it skip). */
  onWireTransmit?(cb: (port: string, frame: Uint8Array) => void): () => void;
  /** Largest table the table-full case fills (default 512 VOEs). */
  maxFill?: number;
  /** Release anything else the harness made (the suite closes the backend itself). */
  cleanup?(): Promise<void>;
}

export type ContractFactory = () => Promise<ContractHarness>;

function skip(ctx: TestContext, name: string, reason: string): void {
  console.warn(`[backend contract ${name}] skipped "${ctx.task.name}": ${reason}`);
  ctx.skip(reason);
}

function expectBackendError(e: unknown): void {
  expect(e).toBeInstanceOf(CfmError);
  expect((e as CfmError).code).toBe('BACKEND');
  expect((e as CfmError).message.length).toBeGreaterThan(0);
}

async function rejectsTyped(p: Promise<unknown>): Promise<CfmError> {
  try {
    await p;
  } catch (e) {
    expectBackendError(e);
    return e as CfmError;
  }
  throw new Error('expected the call to fail with a BACKEND error');
}

/** An interval the backend both sends and checks (or only checks when it sends none), slowest first for real-time backends. */
function pickInterval(caps: BackendCapabilities): IntervalCode | undefined {
  const both = caps.rxIntervals.filter((i) => caps.ccmTxMode === 'none' || caps.txIntervals.includes(i));
  // 100 ms is fast enough for a test and slow enough for software timers
  for (const pref of [3, 4, 2, 1] as IntervalCode[]) if (both.includes(pref)) return pref;
  return both[0];
}

const LEVEL = 5;
const MAID = testMaid('contract');

function baseSpec(b: Backend, caps: BackendCapabilities, n: number, interval: IntervalCode): VoeSpec {
  const ports = b.ports();
  const usePortVoe = caps.portVoes > 0;
  const peers = [100 + n, 200 + n, 300 + n].slice(0, Math.min(caps.peersPerVoe, 2));
  return {
    key: `contract/ma/mep${n}`,
    port: ports[n % ports.length],
    direction: 'down',
    level: LEVEL,
    vlan: usePortVoe ? 0 : 100,
    unicastMac: `02:c0:00:00:00:${(n % 256).toString(16).padStart(2, '0')}`,
    mepId: n,
    maid: MAID,
    interval,
    priority: 7,
    peers,
    ccmTx: caps.ccmTxMode !== 'none',
    ccmRx: true,
    seqUpdate: true,
    rdi: false,
    portStatusTlv: 2,
    interfaceStatusTlv: 1,
  };
}

function sameSpec(a: VoeSpec, b: VoeSpec): void {
  expect({ ...a, maid: Array.from(a.maid) }).toEqual({ ...b, maid: Array.from(b.maid) });
}

export function runBackendContract(name: string, factory: ContractFactory): void {
  describe(`backend contract: ${name}`, () => {
    let h: ContractHarness;
    let b: Backend;
    let caps: BackendCapabilities;

    beforeEach(async () => {
      h = await factory();
      b = h.backend;
      caps = b.capabilities();
    });

    afterEach(async () => {
      await b.close();
      await h.cleanup?.();
    });

    const needVoes = (ctx: TestContext): IntervalCode | undefined => {
      if (caps.portVoes + caps.serviceVoes === 0) {
        skip(ctx, name, 'capabilities: no VOEs');
        return undefined;
      }
      if (caps.portVoes === 0 && !caps.vlanMep) {
        skip(ctx, name, 'capabilities: only service VOEs but no VLAN MEPs');
        return undefined;
      }
      const iv = pickInterval(caps);
      if (iv === undefined) skip(ctx, name, 'capabilities: no interval is both transmitted and checked');
      return iv;
    };

    it('reports sane capabilities and ports', () => {
      expect(caps.kind).toBe(b.kind);
      expect(typeof caps.description).toBe('string');
      for (const n of [caps.portVoes, caps.serviceVoes, caps.peersPerVoe, caps.policers]) {
        expect(Number.isInteger(n) && n >= 0).toBe(true);
      }
      expect(caps.peersPerVoe).toBeGreaterThanOrEqual(1);
      for (const list of [caps.txIntervals, caps.rxIntervals]) {
        expect([...list].sort()).toEqual(list);
        for (const c of list) expect(c >= 1 && c <= 7).toBe(true);
      }
      expect(['hardware', 'injected', 'none']).toContain(caps.ccmTxMode);
      if (caps.ccmTxMode === 'none') expect(caps.txIntervals).toEqual([]);
      if (caps.injectorBudgetFps !== undefined) expect(caps.injectorBudgetFps).toBeGreaterThan(0);
      const ports = b.ports();
      expect(ports.length).toBeGreaterThan(0);
      expect(new Set(ports).size).toBe(ports.length);
    });

    it('creates, lists, reads back, updates and deletes VOEs', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      expect(await b.listVoes()).toEqual([]);
      const s1 = baseSpec(b, caps, 1, iv);
      const s2 = { ...baseSpec(b, caps, 2, iv), level: 3, rdi: true, seqUpdate: false, portStatusTlv: 0, interfaceStatusTlv: 0 };
      const h1 = await b.createVoe(s1);
      const h2 = await b.createVoe(s2);
      expect(h1).not.toBe(h2);
      const list = await b.listVoes();
      expect(list.map((v) => v.handle).sort()).toEqual([h1, h2].sort());
      sameSpec(list.find((v) => v.handle === h1)!.spec, s1);
      sameSpec(list.find((v) => v.handle === h2)!.spec, s2);

      // another supported interval, slow ones first (an injector budget must not be the reason to fail)
      const other = ([4, 5, 3, 6, 7, 2, 1] as IntervalCode[]).find(
        (i) => i !== iv && caps.rxIntervals.includes(i) && (caps.ccmTxMode === 'none' || caps.txIntervals.includes(i)),
      );
      const u1: VoeSpec = { ...s1, priority: 3, rdi: true, peers: s1.peers.slice(0, 1), interval: other ?? iv, key: 'contract/ma/renamed' };
      await b.updateVoe(h1, u1);
      sameSpec((await b.listVoes()).find((v) => v.handle === h1)!.spec, u1);

      await b.setRdi(h1, false);
      expect((await b.listVoes()).find((v) => v.handle === h1)!.spec.rdi).toBe(false);

      await b.deleteVoe(h1);
      expect((await b.listVoes()).map((v) => v.handle)).toEqual([h2]);
      await rejectsTyped(b.deleteVoe(h1));
      await b.deleteVoe(h2);
      expect(await b.listVoes()).toEqual([]);
    });

    it('tells what changed since an earlier read-back (optional voeChanges)', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (!b.voeChanges) return skip(ctx, name, 'backend has no voeChanges (read with listVoes)');
      const norm = (vs: readonly { handle: number; spec: VoeSpec }[]) =>
        vs.map((v) => ({ handle: v.handle, spec: { ...v.spec, maid: Array.from(v.spec.maid) } })).sort((x, y) => x.handle - y.handle);
      const h1 = await b.createVoe(baseSpec(b, caps, 1, iv));
      const first = await b.voeChanges(null);
      expect(first.full).toBe(true);
      if (!first.full) return;
      expect(norm(first.voes)).toEqual(norm(await b.listVoes()));
      // nothing changed: an empty answer (or a full one equal to listVoes, for backends that cannot tell)
      const same = await b.voeChanges(first.token);
      if (!same.full) expect([same.changed, same.removed]).toEqual([[], []]);
      const h2 = await b.createVoe(baseSpec(b, caps, 2, iv));
      await b.setRdi(h1, true);
      const next = await b.voeChanges(same.token);
      const listed = norm(await b.listVoes());
      if (next.full) {
        expect(norm(next.voes)).toEqual(listed);
      } else {
        expect(norm(next.changed)).toEqual(listed.filter((v) => v.handle === h1 || v.handle === h2));
        expect(next.removed).toEqual([]);
      }
      await b.deleteVoe(h2);
      const last = await b.voeChanges(next.token);
      if (last.full) expect(norm(last.voes)).toEqual(norm(await b.listVoes()));
      else expect([last.changed, last.removed]).toEqual([[], [h2]]);
    });

    it('rejects bad input and unknown handles with typed errors', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      const s = baseSpec(b, caps, 7, iv);
      await rejectsTyped(b.readStatus(987654));
      await rejectsTyped(b.deleteVoe(987654));
      await rejectsTyped(b.setRdi(987654, true));
      await rejectsTyped(b.updateVoe(987654, s));
      await rejectsTyped(b.createVoe({ ...s, level: 8 }));
      await rejectsTyped(b.createVoe({ ...s, mepId: 0 }));
      await rejectsTyped(b.createVoe({ ...s, mepId: 8192 }));
      await rejectsTyped(b.createVoe({ ...s, port: 'no-such-port' }));
      await rejectsTyped(b.createVoe({ ...s, unicastMac: 'not-a-mac' }));
      await rejectsTyped(b.createVoe({ ...s, maid: new Uint8Array(10) }));
      await rejectsTyped(b.createVoe({ ...s, key: 'k'.repeat(64) }));
      if (caps.peersPerVoe < 32) {
        const peers = Array.from({ length: caps.peersPerVoe + 1 }, (_, i) => 1000 + i);
        await rejectsTyped(b.createVoe({ ...s, peers }));
      }
      // nothing half-created by the failures
      expect(await b.listVoes()).toEqual([]);
    });

    it('refuses an interval the hardware does not check', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      const missing = ([1, 2, 3, 4, 5, 6, 7] as IntervalCode[]).find((i) => !caps.rxIntervals.includes(i));
      if (missing === undefined) return skip(ctx, name, 'capabilities: every interval is checked in hardware');
      await rejectsTyped(b.createVoe({ ...baseSpec(b, caps, 8, iv), interval: missing }));
      expect(await b.listVoes()).toEqual([]);
    });

    it('reports a full VOE table with a typed error', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      const port = caps.portVoes > 0;
      const size = port ? caps.portVoes : caps.serviceVoes;
      const ports = b.ports();
      const slots = ports.length * 8 * (caps.upMep ? 2 : 1);
      if (size > (h.maxFill ?? 512) || size >= slots) {
        return skip(ctx, name, `table of ${size} VOEs is too large to fill in a unit test`);
      }
      // distinct (port, level, direction) slots so no VOE collides with another
      const slot = (i: number): VoeSpec => ({
        ...baseSpec(b, caps, 1000 + i, iv),
        key: `fill/${i}`,
        level: i % 8,
        port: ports[Math.floor(i / 8) % ports.length],
        direction: Math.floor(i / (8 * ports.length)) % 2 === 0 ? 'down' : 'up',
        ccmTx: false,
      });
      const handles: number[] = [];
      for (let i = 0; i < size; i++) handles.push(await b.createVoe(slot(i)));
      expect((await b.listVoes()).length).toBe(size);
      const err = await rejectsTyped(b.createVoe(slot(size)));
      expect(err.message).toMatch(/full|ENOSPC|space/i);
      for (const hd of handles) await b.deleteVoe(hd);
      expect(await b.listVoes()).toEqual([]);
    });

    it('raises LOC for a silent peer and reports it in the status', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      const s = { ...baseSpec(b, caps, 11, iv), ccmTx: false };
      const hd = await b.createVoe(s);
      await h.advance(intervalNs(iv) * 4);
      const events = await b.pollEvents();
      for (const peer of s.peers) {
        const ev = events.find((e: HwEvent) => e.handle === hd && e.kind === 'loc' && e.peerMepId === peer);
        expect(ev, `LOC event for peer ${peer}`).toBeDefined();
        expect(ev!.active).toBe(true);
      }
      const st = await b.readStatus(hd);
      expect(st.handle).toBe(hd);
      expect(st.peers.map((p) => p.mepId)).toEqual(s.peers);
      expect(st.peers.every((p) => p.loc && !p.seen)).toBe(true);
    });

    it('clears LOC and reports RDI, TLVs and MAC from a received CCM', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (!h.injectFromWire) return skip(ctx, name, 'harness cannot inject frames from the wire');
      const s = { ...baseSpec(b, caps, 12, iv), ccmTx: false };
      const hd = await b.createVoe(s);
      await h.advance(intervalNs(iv) * 4);
      await b.pollEvents();
      const peer = s.peers[0];
      const frame = ccmFrame({ level: LEVEL, mepId: peer, maid: MAID, interval: iv, rdi: true, seq: 5, sa: '02:bb:00:00:00:0c', vlan: s.vlan, pcp: s.priority, portStatusTlv: 1, interfaceStatusTlv: 2 });
      h.injectFromWire(s.port, frame);
      await h.advance(intervalNs(iv) / 4);
      const events = await b.pollEvents();
      expect(events.find((e) => e.handle === hd && e.kind === 'loc' && e.peerMepId === peer && !e.active)).toBeDefined();
      expect(events.find((e) => e.handle === hd && e.kind === 'rdi' && e.peerMepId === peer && e.active)).toBeDefined();
      const st = await b.readStatus(hd);
      const p = st.peers.find((x) => x.mepId === peer)!;
      expect(p).toMatchObject({ loc: false, rdi: true, seen: true, portStatusTlv: 1, interfaceStatusTlv: 2, mac: '02:bb:00:00:00:0c', lastSeq: 5 });
      expect(st.counters.ccmRxValid).toBe(1);

      // RDI cleared by the next CCM
      h.injectFromWire(s.port, ccmFrame({ level: LEVEL, mepId: peer, maid: MAID, interval: iv, seq: 6, vlan: s.vlan, pcp: s.priority }));
      await h.advance(intervalNs(iv) / 4);
      expect((await b.pollEvents()).find((e) => e.kind === 'rdi' && !e.active && e.peerMepId === peer)).toBeDefined();

      // a CCM with another MAID is a cross-connect (dMMG), counted invalid
      h.injectFromWire(s.port, ccmFrame({ level: LEVEL, mepId: peer, maid: testMaid('other'), interval: iv, seq: 7, vlan: s.vlan, pcp: s.priority }));
      await h.advance(intervalNs(iv) / 4);
      const st2 = await b.readStatus(hd);
      expect(st2.unexpectedMegId).toBe(true);
      expect(st2.counters.ccmRxInvalid).toBe(1);
      expect((await b.readStatus(hd)).unexpectedMegId).toBe(false); // sticky: cleared by the read
    });

    it('transmits CCMs with the configured fields, sequence numbers and RDI', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (caps.ccmTxMode === 'none') return skip(ctx, name, 'capabilities: no CCM transmission');
      if (!h.onWireTransmit) return skip(ctx, name, 'harness cannot observe wire transmission');
      const seen: { port: string; frame: Uint8Array }[] = [];
      const off = h.onWireTransmit((port, frame) => seen.push({ port, frame }));
      const s = baseSpec(b, caps, 13, iv);
      const hd = await b.createVoe(s);
      await h.advance(intervalNs(iv) * 3.5);
      const mine = seen.map((f) => ({ port: f.port, p: parseCfm(f.frame) })).filter((x) => x.p?.opcode === 1 && x.p.mepId === 13);
      expect(mine.length).toBeGreaterThanOrEqual(3);
      for (const { port, p } of mine) {
        expect(port).toBe(s.port);
        expect(p!.level).toBe(LEVEL);
        expect(p!.da).toBe(`01:80:c2:00:00:3${LEVEL}`);
        expect(p!.sa).toBe(s.unicastMac);
        expect(p!.flags & 0x07).toBe(iv);
        expect(Array.from(p!.maid)).toEqual(Array.from(MAID));
      }
      const seqs = mine.map((x) => x.p!.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
      expect(mine.every((x) => (x.p!.flags & 0x80) === 0)).toBe(true);
      expect((await b.readStatus(hd)).counters.ccmTx).toBe(mine.length);

      seen.length = 0;
      await b.setRdi(hd, true);
      await h.advance(intervalNs(iv) * 2);
      const after = seen.map((f) => parseCfm(f.frame)).filter((p) => p?.opcode === 1 && p.mepId === 13);
      // A capture can deliver a CCM sent just before setRdi after it returned (a wire tap read in
      // batches): every CCM without RDI must be older (lower sequence number) than every one with it.
      const withRdi = after.filter((p) => (p!.flags & 0x80) !== 0);
      expect(withRdi.length).toBeGreaterThanOrEqual(1);
      const firstRdiSeq = Math.min(...withRdi.map((p) => p!.seq));
      expect(after.filter((p) => (p!.flags & 0x80) === 0).every((p) => p!.seq < firstRdiSeq)).toBe(true);
      off();
    });

    it('starts the sequence at initialSeq, reads the next back and keeps it across an update (optional txSeqSeed)', async (ctx) => {
      // 802.1Q 20.10: a MEP moved from software (or another VOE) continues its sequence numbers;
      // a restart at 1 is a sequence error at the peer (20.16.12). src/offload/handover.ts
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (caps.ccmTxMode === 'none') return skip(ctx, name, 'capabilities: no CCM transmission');
      if (!caps.txSeqSeed) return skip(ctx, name, 'capabilities: no txSeqSeed (a new VOE starts at 1)');
      const seqs: number[] = [];
      const off = h.onWireTransmit?.((_port, frame) => {
        const p = parseCfm(frame);
        if (p?.opcode === 1 && p.mepId === 14) seqs.push(p.seq);
      });
      const s = baseSpec(b, caps, 14, iv);
      const hd = await b.createVoe({ ...s, initialSeq: 1000 });
      await h.advance(intervalNs(iv) * 2.5);
      // txSeq = the seed + CCMs sent; + 1 while a CCM is in flight (numbered, not yet counted sent)
      const inFlight = (st: { txSeq?: number; counters: { ccmTx: number } }) => st.txSeq! - 1000 - st.counters.ccmTx;
      const st = await b.readStatus(hd);
      expect(st.txSeq).toBeDefined();
      expect([0, 1]).toContain(inFlight(st));
      expect(st.counters.ccmTx).toBeGreaterThanOrEqual(1);
      sameSpec((await b.listVoes()).find((v) => v.handle === hd)!.spec, s); // a seed, not configuration
      await b.updateVoe(hd, { ...s, peers: s.peers.slice(0, 1) });
      await h.advance(intervalNs(iv) * 2.5);
      const st2 = await b.readStatus(hd);
      expect([0, 1]).toContain(inFlight(st2));
      expect(st2.counters.ccmTx).toBeGreaterThan(st.counters.ccmTx);
      if (off) {
        await h.advance(intervalNs(iv) / 2); // frames on their way reach the tap
        off();
        expect(seqs.length).toBeGreaterThanOrEqual(2);
        expect(seqs).toEqual(seqs.map((_, i) => 1000 + i));
      }
    });

    it('punts CFM frames at the MEP level to the CPU and injects frames from the CPU', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (!caps.frameIo) return skip(ctx, name, 'capabilities: no frame I/O');
      if (!h.injectFromWire || !h.onWireTransmit) return skip(ctx, name, 'harness cannot inject/observe wire frames');
      const s = baseSpec(b, caps, 14, iv);
      await b.createVoe(s);
      const got: { port: string; frame: Uint8Array }[] = [];
      const off = b.frames.onReceive((rx) => got.push({ port: rx.port, frame: rx.frame }));
      // an LTM (or AIS when linktrace is offloaded) at the MEP level goes to the CPU
      const opcode = caps.linktraceOffload ? 33 : 5;
      const da = opcode === 5 ? [0x01, 0x80, 0xc2, 0x00, 0x00, 0x38 | LEVEL] : multicastDa(LEVEL);
      const frame = cfmFrame({ level: LEVEL, opcode, da, vlan: s.vlan, body: new Array(17).fill(0), tlvOffset: 17 });
      h.injectFromWire(s.port, frame);
      await h.advance(intervalNs(iv) / 4);
      expect(got.length).toBe(1);
      expect(got[0].port).toBe(s.port);
      expect(Array.from(got[0].frame)).toEqual(Array.from(frame));
      off();

      const wire: { port: string; frame: Uint8Array }[] = [];
      const offW = h.onWireTransmit((port, f) => wire.push({ port, frame: f }));
      const out = cfmFrame({ level: LEVEL, opcode: 3, da: mac('02:dd:00:00:00:01'), sa: s.unicastMac, vlan: s.vlan });
      const port = b.ports()[b.ports().length - 1];
      b.frames.send(port, out, 'wire');
      await h.advance(intervalNs(iv) / 4);
      expect(wire.some((f) => f.port === port && Array.from(f.frame).join() === Array.from(out).join())).toBe(true);
      offW();
    });

    it('polices frames punted to the CPU', async (ctx) => {
      const iv = needVoes(ctx);
      if (iv === undefined) return;
      if (caps.policers === 0 || !b.setPolicer || !b.readPolicer) return skip(ctx, name, 'capabilities: no policers');
      if (!caps.frameIo || !h.injectFromWire) return skip(ctx, name, 'needs frame I/O and wire injection');
      const s = baseSpec(b, caps, 15, iv);
      await b.createVoe(s);
      const got: Uint8Array[] = [];
      const off = b.frames.onReceive((rx) => got.push(rx.frame));
      await b.setPolicer(0, { port: s.port, vlan: 0, levels: [LEVEL], opcodes: [5], ratePps: 0 });
      const ltm = cfmFrame({ level: LEVEL, opcode: 5, da: [0x01, 0x80, 0xc2, 0x00, 0x00, 0x38 | LEVEL], vlan: s.vlan, body: new Array(17).fill(0), tlvOffset: 17 });
      for (let i = 0; i < 3; i++) h.injectFromWire(s.port, ltm);
      await h.advance(intervalNs(iv) / 4);
      expect(got.length).toBe(0);
      expect(await b.readPolicer(0)).toEqual({ passed: 0, dropped: 3 });
      await b.setPolicer(0, null);
      h.injectFromWire(s.port, ltm);
      await h.advance(intervalNs(iv) / 4);
      expect(got.length).toBe(1);
      off();
      await rejectsTyped(b.setPolicer(caps.policers, { port: s.port, vlan: 0, levels: [], opcodes: [], ratePps: 1 }));
    });

    it('closes idempotently', async () => {
      await b.close();
      await b.close();
    });
  });
}
