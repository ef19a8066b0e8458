/**
 * Periodic frame injection (vendor C ABI group "inject", issue 16): the mock's injector in
 * virtual time (exact instants, sequence numbers, update keeping phase and sequence, stop with
 * where to continue, capacity, budget, a device without sequence numbers, a device-side failure
 * announced by CFM_EVENT_INJECT_STOPPED), an older library without the group, and software MEPs
 * of the engine (as the offload manager runs it) handing their CCMs to it and taking them back without a sequence gap.
 * The real-time figures (send lateness on the wire during a slow apply) are in slow-sdk.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import type { MockAsicOptions } from '../../src/backends/mock/options.js';
import { VirtualClock } from '../../src/common/clock.js';
import { isAsicError } from '../../src/backends/asic-binding/status.js';
import { CfmEngine } from '../../src/engine/engine.js';
import { attachCcmInjector } from '../../src/offload/sw-injector.js';
import { mepConfigOf } from '../../src/offload/sw-mep.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { formatStatus } from '../../src/offload/status.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { mkMep, mkModel, mkProfile } from '../offload/fixtures.js';
import { ccmFrame, testMaid } from './frames.js';

const open: MockAsicBackend[] = [];
const engines: CfmEngine[] = [];
const managers: OffloadManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
  for (const e of engines.splice(0)) e.close();
  for (const b of open.splice(0)) await b.close();
});

function mock(o: MockAsicOptions = {}): MockAsicBackend {
  const b = new MockAsicBackend({ ports: 2, instance: `inj-${Math.random()}`, ...o });
  open.push(b);
  return b;
}

interface Tapped { port: string; seq: number; rdi: boolean; atNs: number | null; len: number }

/** CCMs on the wire with the device time they left (PDU of an untagged frame at 14). */
function tap(b: MockAsicBackend): Tapped[] {
  const out: Tapped[] = [];
  b.onWireTransmit((port, f, atNs) => {
    if (f[12] !== 0x89 || f[13] !== 0x02 || f[15] !== 1) return;
    out.push({ port, seq: ((f[18] << 24) >>> 0) + (f[19] << 16) + (f[20] << 8) + f[21], rdi: (f[16] & 0x80) !== 0, atNs, len: f.length });
  });
  return out;
}

const MAID = testMaid('inj');
const SEQ_AT = 14 + 4;
const ccm = (rdi = false) => ccmFrame({ level: 4, mepId: 7, maid: MAID, interval: 2, rdi, seq: 0xdeadbeef });

describe('the mock injector (virtual time)', () => {
  it('sends on absolute deadlines with an incrementing sequence number; update keeps phase and sequence; stop says where to continue', async () => {
    const b = mock({ injector: 4 });
    const wire = tap(b);
    const inj = b.injector!;
    expect(inj.caps()).toMatchObject({ maxInjections: 4, seq: true, relay: true, budgetFps: null });
    expect(inj.caps().intervals).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(b.capabilities().frameInjector).toEqual(inj.caps());
    const id = await inj.start({ port: 'swp2', towards: 'wire', interval: 2, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 100, firstDelayNs: 3e6 });
    expect(id).toBeGreaterThan(0);
    b.advance(3e6 + 4 * 10e6 + 1);
    expect(wire.map((w) => w.seq)).toEqual([100, 101, 102, 103, 104]);
    expect(wire.map((w) => w.atNs)).toEqual([3e6, 13e6, 23e6, 33e6, 43e6]);
    expect(wire.every((w) => w.port === 'swp2' && !w.rdi)).toBe(true);
    await inj.update(id, ccm(true)); // RDI on: from the next frame, same phase and sequence
    b.advance(20e6);
    expect(wire.slice(5).map((w) => [w.seq, w.atNs, w.rdi])).toEqual([[105, 53e6, true], [106, 63e6, true]]);
    const c = await inj.counters(id);
    expect(c).toMatchObject({ frames: 7, lastTxNs: 63e6, nextTxNs: 73e6, nextSeq: 107, running: true, error: null });
    const last = await inj.stop(id);
    expect(last).toMatchObject({ frames: 7, nextSeq: 107, nextTxNs: 73e6 });
    b.advance(50e6);
    expect(wire).toHaveLength(7);
    await expect(inj.counters(id)).rejects.toSatisfy((e: unknown) => isAsicError(e, 'ENOENT'));
  });

  it('refuses beyond its capacity (ENOSPC) and its frame budget (EBUDGET), and without sequence numbers when it cannot write them', async () => {
    const b = mock({ injector: 2, injectFps: 150 });
    const inj = b.injector!;
    const spec = { port: 'swp1', towards: 'wire' as const, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 1, firstDelayNs: 0 };
    await inj.start({ ...spec, interval: 2 }); // 100 frames/s
    await expect(inj.start({ ...spec, interval: 2 })).rejects.toSatisfy((e: unknown) => isAsicError(e, 'EBUDGET'));
    await inj.start({ ...spec, interval: 3 }); // 10 frames/s: 110 <= 150
    await expect(inj.start({ ...spec, interval: 7 })).rejects.toSatisfy((e: unknown) => isAsicError(e, 'ENOSPC'));

    const noSeq = mock({ injector: 1, injectSeq: false });
    expect(noSeq.injector!.caps().seq).toBe(false);
    await expect(noSeq.injector!.start({ ...spec, interval: 2 })).rejects.toSatisfy((e: unknown) => isAsicError(e, 'ENOTSUP'));
    const wire = tap(noSeq);
    await noSeq.injector!.start({ ...spec, interval: 2, seqOffset: null, frame: ccmFrame({ level: 4, mepId: 7, maid: MAID, interval: 2, seq: 0 }) });
    noSeq.advance(25e6);
    expect(wire.map((w) => w.seq)).toEqual([0, 0, 0]);
  });

  it('a device-side stop is announced (CFM_EVENT_INJECT_STOPPED) and stop then returns its last counters', async () => {
    const b = mock({ injector: 2 });
    const inj = b.injector!;
    const stopped: number[] = [];
    inj.onStopped((id) => stopped.push(id));
    const id = await inj.start({ port: 'swp1', towards: 'wire', interval: 3, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 9, firstDelayNs: 0 });
    b.advance(250e6);
    b.failInjection(id, 'EIO');
    b.advance(1e6);
    await b.pollEvents(); // the drain that finds the event
    await Promise.resolve();
    expect(stopped).toEqual([id]);
    expect(await inj.counters(id)).toMatchObject({ running: false, error: 'EIO', frames: 3, nextSeq: 12 });
    await expect(inj.update(id, ccm())).rejects.toSatisfy((e: unknown) => isAsicError(e, 'EIO'));
    expect(await inj.stop(id)).toMatchObject({ nextSeq: 12, running: false });
  });

  it('a mock without an injector (the default) and a closed handle offer none', async () => {
    expect(mock().injector).toBeUndefined();
    expect(mock().capabilities().frameInjector).toBeUndefined();
    const b = new MockAsicBackend({ ports: 2, injector: 1, instance: `inj-close-${Math.random()}` });
    const second = mock({ instance: b.options.instance, injector: 1 }); // the same device, another handle
    const wire = tap(second);
    await b.injector!.start({ port: 'swp1', towards: 'wire', interval: 2, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 1, firstDelayNs: 0 });
    await b.close(); // its injections end with it
    second.advance(50e6);
    expect(wire.length).toBeLessThanOrEqual(1);
    // capacity is free again for the other handle
    await second.injector!.start({ port: 'swp1', towards: 'wire', interval: 2, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 1, firstDelayNs: 0 });
  });
});

describe('the injector through the vendor path (calls on the thread pool, real time)', () => {
  it('starts, counts on the device clock, updates and stops; its calls never overlap on the handle', async () => {
    const b = new VendorBackend({ libPath: mockAsicLibPath(), args: `ports=2;clock=real;inject=2;latency_us=300;instance=inj-v-${Math.random()}` });
    try {
      expect(b.calls).toBe('async');
      const inj = b.injector!;
      expect(b.capabilities().frameInjector).toMatchObject({ maxInjections: 2, seq: true });
      const id = await inj.start({ port: b.ports()[0], towards: 'wire', interval: 1, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 7, firstDelayNs: 0 });
      await new Promise((r) => setTimeout(r, 60));
      const [c] = await Promise.all([inj.counters(id), inj.update(id, ccm(true)), inj.update(id, ccm(false))]);
      expect(c.running).toBe(true);
      expect(c.frames).toBeGreaterThanOrEqual(10); // 3.33 ms on the device's own clock
      expect(c.nextSeq).toBe(7 + c.frames);
      const last = await inj.stop(id);
      expect(last.frames).toBeGreaterThanOrEqual(c.frames);
      expect(b.device.mockHandleOverlaps()).toBe(0);
    } finally {
      await b.close();
    }
  });
});

describe('software MEPs hand their CCMs to the injector', () => {
  async function setup(o: MockAsicOptions = {}, before?: (b: MockAsicBackend) => Promise<unknown>) {
    const clock = new VirtualClock();
    const b = mock({ injector: 8, ...o });
    b.attachVirtualClock(clock);
    const wire = tap(b);
    // the engine as the offload manager runs it (src/offload/cpu-side.ts attaches the injector)
    const engine = new CfmEngine({ clock, port: b.frames });
    engines.push(engine);
    attachCcmInjector(engine, b, { readBackMs: 100 });
    await before?.(b);
    const mep = mkMep({ mepId: 7, switch: 's1', port: 'swp1', interval: 2, remoteMepIds: [8], placement: 'software' });
    engine.addMep(mepConfigOf(mep, 1000));
    const run = async (ms: number) => {
      for (let i = 0; i < ms; i++) {
        clock.advance(1e6);
        await new Promise((r) => setImmediate(r));
      }
    };
    return { clock, b, wire, engine, mep, run };
  }

  it('from the handover on the CCMs come from the device at exact 10 ms, every sequence number once; RDI reaches the injected frames; stopping the MEP stops them', async () => {
    const { wire, engine, mep, run } = await setup();
    await run(400);
    const seqs = wire.map((w) => w.seq);
    expect(seqs[0]).toBe(1000);
    expect(seqs).toEqual(seqs.map((_, i) => 1000 + i)); // no gap, no repeat across the handover
    const st = engine.mep(mep.key).status();
    expect(st.ccmInjected).toBe(true);
    expect(st.nextSeq).toBe(seqs[seqs.length - 1] + 1);
    expect(st.counters.ccmsSent).toBe(seqs.length);
    const gaps = wire.slice(1).map((w, i) => (w.atNs ?? NaN) - (wire[i].atNs ?? NaN));
    expect(gaps.every((g) => g === 10e6)).toBe(true); // virtual time: the device's instants exactly
    // the silent peer is lost after 3.5 intervals: RDI (802.1Q 20.9.6) is in the injected CCMs
    expect(wire[wire.length - 1].rdi).toBe(true);
    const n = wire.length;
    engine.removeMep(mep.key);
    await run(50);
    expect(wire.length).toBe(n);
  });

  it('takes the CCMs back at the next sequence number and phase when the device stops the injection', async () => {
    const { b, wire, engine, mep, run } = await setup();
    await run(200);
    expect(engine.mep(mep.key).status().ccmInjected).toBe(true);
    b.failInjection(1, 'EIO');
    await run(200); // the next drain finds CFM_EVENT_INJECT_STOPPED
    const seqs = wire.map((w) => w.seq);
    expect(seqs).toEqual(seqs.map((_, i) => 1000 + i));
    expect(engine.mep(mep.key).status().ccmInjected).toBeUndefined();
    const gaps = wire.slice(1).map((w, i) => (w.atNs ?? 0) - (wire[i].atNs ?? 0));
    expect(gaps.every((g) => g === 10e6)).toBe(true);
  });

  it('an injector without sequence numbers: injected CCMs carry 0, the engine keeps counting', async () => {
    const { wire, engine, mep, run } = await setup({ injectSeq: false });
    await run(300);
    expect(engine.mep(mep.key).status().ccmInjected).toBe(true);
    expect(wire[0].seq).toBe(1000); // the engine's own, before the handover
    expect(wire[wire.length - 1].seq).toBe(0);
    expect(engine.mep(mep.key).status().nextSeq).toBe(1000 + wire.length);
  });

  it('an injector that is full leaves the MEP on the engine timers', async () => {
    const { wire, engine, mep, run } = await setup({ injector: 1 }, (b) =>
      b.injector!.start({ port: 'swp2', towards: 'wire', interval: 4, frame: ccm(), seqOffset: SEQ_AT, firstSeq: 1, firstDelayNs: 0 }));
    await run(200);
    expect(engine.mep(mep.key).status().ccmInjected).toBeUndefined();
    const own = wire.filter((w) => w.port === 'swp1').map((w) => w.seq);
    expect(own).toEqual(own.map((_, i) => 1000 + i));
    expect(own.length).toBeGreaterThanOrEqual(20);
  });
});

describe('the offload manager and the injector', () => {
  it('a software MEP of the manager is injected; moved to a VOE and back, its CCMs keep one sequence on the wire', async () => {
    const clock = new VirtualClock();
    const b = mock({ injector: 8, portVoes: 2, serviceVoes: 0 });
    b.attachVirtualClock(clock);
    const wire = tap(b);
    const profile = mkProfile({ name: 'inj', ports: ['swp1', 'swp2'], portCount: 2, ccmTx: 'hardware', voes: { port: 2, service: 0, up: 0, down: null, sharedTotal: null, perPort: null } });
    const mgr = new OffloadManager({ backend: b, profile, clock, switch: 's1' });
    managers.push(mgr);
    const run = async (ms: number) => {
      for (let i = 0; i < ms; i++) {
        clock.advance(1e6);
        await new Promise((r) => setImmediate(r));
      }
    };
    const at = (placement: 'software' | 'hardware') => mkModel([mkMep({ mepId: 7, switch: 's1', port: 'swp1', interval: 2, remoteMepIds: [8], placement })]);
    await mgr.apply(at('software'));
    await run(300);
    const key = mkMep({ mepId: 7 }).key;
    expect(mgr.engine.mep(key).status().ccmInjected).toBe(true);
    const st = await mgr.status();
    expect(st.meps.find((m) => m.key === key)).toMatchObject({ placement: 'software', ccmInjected: true });
    expect(formatStatus(st)).toMatch(/software \(CCMs injected\)/);
    await mgr.apply(at('hardware')); // the VOE continues the sequence (cfm_voe_tx_seq_set)
    await run(300);
    expect(mgr.engine.findMep(key)?.status().ccmTx ?? false).toBe(false);
    await mgr.apply(at('software')); // and back: the engine continues the VOE's, then injects again
    await run(300);
    expect(mgr.engine.mep(key).status().ccmInjected).toBe(true);
    const seqs = wire.filter((w) => w.port === 'swp1').map((w) => w.seq);
    const steps = seqs.slice(1).map((q, i) => q - seqs[i]);
    expect(steps.filter((d) => d !== 1), `sequence ${seqs.join(',')}`).toEqual([]);
    expect(seqs.length).toBeGreaterThan(85);
  });
});
