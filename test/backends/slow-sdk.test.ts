/**
 * Slow, interrupt-driven SDKs (issue 16): the backend contract and the binding's rules on a mock
 * that behaves like a real board - every vendor-ABI call takes time (calls run on libuv's thread
 * pool, one at a time per handle), events come from an interrupt thread through an event fd.
 * Timings are not asserted here (bench/slow-sdk.bench.ts measures them); the functional parts are.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import type { MockAsicOptions } from '../../src/backends/mock/options.js';
import { VirtualClock } from '../../src/common/clock.js';
import { CfmError } from '../../src/common/errors.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { runBackendContract, type ContractHarness } from './contract.js';
import { ccmFrame, cfmFrame, testMaid } from './frames.js';
import { sleep, waitFor } from './slow-rig.js';

const open: MockAsicBackend[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

function mock(o: MockAsicOptions): MockAsicBackend {
  const b = new MockAsicBackend({ ports: 4, instance: `slow-${Math.random()}`, ...o });
  open.push(b);
  return b;
}

// The whole contract on a slow board in virtual time: 100..150 us per call, calls on the pool.
runBackendContract('mock (slow board: 100-150 us per call, calls on the thread pool)', async (): Promise<ContractHarness> => {
  const clock = new VirtualClock();
  const backend = new MockAsicBackend({ ports: 4, portVoes: 6, serviceVoes: 16, peersPerVoe: 4, policers: 2, latencyUs: 100, jitterUs: 50 });
  expect(backend.calls).toBe('async');
  backend.attachVirtualClock(clock);
  return {
    backend,
    advance: async (ns) => {
      clock.advance(ns);
      await backend.drain(); // events and punted frames come through a drain job
    },
    injectFromWire: (port, frame) => backend.injectFromWire(port, frame),
    onWireTransmit: (cb) => backend.onWireTransmit(cb),
  };
});

// In real time with the interrupt thread and the event fd, wire access through the mock's wire
// tap (time passes for real: the LOC case sleeps 4 intervals of 100 ms).
runBackendContract('mock (real time, interrupt + event fd, 50 us per call)', async (): Promise<ContractHarness> => {
  const backend = new MockAsicBackend({ ports: 4, portVoes: 6, serviceVoes: 16, peersPerVoe: 2, policers: 2, realTime: true, interrupt: true, latencyUs: 50 });
  expect(backend.onEventsPending).toBeTypeOf('function');
  return {
    backend,
    advance: async (ns) => {
      await sleep(ns / 1e6);
      await backend.drain();
    },
    injectFromWire: (port, frame) => backend.injectFromWire(port, frame),
    onWireTransmit: (cb) => backend.onWireTransmit(cb),
  };
});

const MAID = testMaid('slow');

function spec(mepId: number, over: Partial<VoeSpec> = {}): VoeSpec {
  return {
    key: `slow/ma/mep${mepId}`, port: 'swp1', direction: 'down', level: 4, vlan: mepId, unicastMac: `02:00:00:00:01:${(mepId % 256).toString(16).padStart(2, '0')}`,
    mepId, maid: MAID, interval: 3, priority: 7, peers: [1000 + mepId], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false,
    portStatusTlv: 0, interfaceStatusTlv: 0, ...over,
  };
}

describe('vendor calls off the event loop', () => {
  it('runs the calls of concurrent operations one at a time on the handle, in order, while the event loop keeps running', async () => {
    const b = mock({ serviceVoes: 64, latencyUs: 2000 });
    expect(b.calls).toBe('async');
    let ticks = 0;
    const tick = setInterval(() => ticks++, 1);
    // 20 creates issued at once: 40 calls of 2 ms each on the pool
    const handles = await Promise.all(Array.from({ length: 20 }, (_, i) => b.createVoe(spec(i + 1))));
    clearInterval(tick);
    // the loop ran timers while the calls were under way (a blocked loop would tick once at the end)
    expect(ticks).toBeGreaterThan(5);
    // in order: allocation gives the lowest free id, so issue order = id order
    expect(handles).toEqual([...handles].sort((x, y) => x - y));
    expect(new Set(handles).size).toBe(20);
    expect((await b.listVoes()).map((v) => v.spec.key)).toEqual(handles.map((_, i) => `slow/ma/mep${i + 1}`));
    // the mock counts calls that found their handle busy in another thread: none
    expect(b.device.mockHandleOverlaps()).toBe(0);
  });

  it('the overlap counter does see two threads on one handle (koffi async calls without the queue)', async () => {
    const b = mock({ latencyUs: 20000, calls: 'async' });
    const lib = b.device.lib;
    const h = b.device.rawHandle;
    const onPool = () => new Promise<number>((res, rej) => {
      (lib.voeList as unknown as { async: (...a: unknown[]) => void }).async(h, null, 0, [0], (e: unknown, r: number) => (e ? rej(e) : res(r)));
    });
    // the pool decides when each call runs (it may be busy with file reads): a few rounds of four
    for (let round = 0; round < 5 && b.device.mockHandleOverlaps() === 0; round++) {
      expect(await Promise.all([onPool(), onPool(), onPool(), onPool()])).toEqual([0, 0, 0, 0]);
    }
    expect(b.device.mockHandleOverlaps()).toBeGreaterThan(0);
  });

  it('undoes a failed operation with async calls as with sync ones (a failed CC config frees the VOE)', async () => {
    const b = mock({ serviceVoes: 8, latencyUs: 200 });
    b.failCall(2, 'EIO'); // alloc passes, cc_set fails
    await expect(b.createVoe(spec(1))).rejects.toThrow(/cfm_voe_cc_set.*EIO/);
    expect(await b.listVoes()).toEqual([]);
    // random failures: every call fails, with no side effect
    b.failRandom(1_000_000, 'EBUSY', 7);
    await expect(b.createVoe(spec(2))).rejects.toThrow(/cfm_voe_alloc.*EBUSY/);
    b.failRandom(0);
    expect(await b.listVoes()).toEqual([]);
  });

  it('sends frames ahead of queued configuration calls', async () => {
    const b = mock({ serviceVoes: 64, latencyUs: 1000 });
    const order: string[] = [];
    const off = b.onWireTransmit((_p, f) => f[15] === 3 && order.push('frame'));
    const creates = Array.from({ length: 10 }, (_, i) => b.createVoe(spec(i + 1, { ccmTx: false })).then(() => order.push(`create${i + 1}`)));
    await creates[0]; // the second create is under way (or about to start)
    b.frames.send('swp2', cfmFrame({ level: 4, opcode: 3, da: [2, 0xdd, 0, 0, 0, 1], sa: '02:00:00:00:02:01' }), 'wire');
    await Promise.all(creates);
    await b.drain();
    off();
    expect(order.indexOf('frame')).toBeGreaterThanOrEqual(1);
    expect(order.indexOf('frame')).toBeLessThanOrEqual(2); // after the operation under way, not after all ten
  });
});

describe('events without polling (vendor ABI group event_fd)', () => {
  it('older libraries and devices without an interrupt have no onEventsPending: the manager polls as before', () => {
    expect(mock({}).onEventsPending).toBeUndefined(); // virtual time: events only appear inside calls
    expect(mock({ realTime: true }).onEventsPending).toBeUndefined(); // no interrupt
  });

  it('the interrupt thread raises LOC and the event fd wakes the listener; drained, it stays quiet', async () => {
    const b = mock({ realTime: true, interrupt: true, latencyUs: 100 });
    let wakeups = 0;
    const off = b.onEventsPending!(() => wakeups++);
    const h = await b.createVoe(spec(1, { interval: 2, ccmTx: false })); // 10 ms: LOC after 35 ms
    await waitFor(() => wakeups > 0, 2000, 'the event fd');
    const evs = await b.pollEvents();
    expect(evs).toContainEqual(expect.objectContaining({ handle: h, kind: 'loc', active: true, peerMepId: 1001 }));
    // nothing else happens: the fd was cleared by the drain, no further wakeups
    const after = wakeups;
    await sleep(100);
    expect(wakeups).toBe(after);
    expect(await b.pollEvents()).toEqual([]);
    // a CCM clears LOC: the next wakeup carries the clear
    b.injectFromWire('swp1', ccmFrame({ level: 4, mepId: 1001, maid: MAID, interval: 2, vlan: 1, pcp: 7 }));
    await waitFor(() => wakeups > after, 2000, 'the LOC clear');
    const clear = await b.pollEvents();
    expect(clear).toContainEqual(expect.objectContaining({ handle: h, kind: 'loc', active: false }));
    off();
  });

  it('works the same through the vendor path (async calls by default) and with synchronous calls', async () => {
    const { VendorBackend } = await import('../../src/backends/vendor/backend.js');
    const { mockAsicLibPath } = await import('../../src/backends/asic-binding/index.js');
    const vendor = new VendorBackend({ libPath: mockAsicLibPath(), args: `clock=real;interrupt=1;latency_us=100;instance=v${Math.random()}` });
    const sync = mock({ realTime: true, interrupt: true, calls: 'sync' });
    try {
      expect(vendor.calls).toBe('async');
      const plain = new VendorBackend({ libPath: mockAsicLibPath(), args: 'ports=2;clock=real;interrupt=1', eventFd: false, calls: 'sync' });
      expect(plain).toMatchObject({ calls: 'sync', onEventsPending: undefined }); // the fd not wanted: polled
      await plain.close();
      for (const b of [vendor, sync]) {
        let wakeups = 0;
        const off = b.onEventsPending!(() => wakeups++);
        const h = await b.createVoe(spec(3, { interval: 2, ccmTx: false }));
        await waitFor(() => wakeups > 0, 2000, `the event fd (${b.calls})`);
        expect(await b.pollEvents()).toContainEqual(expect.objectContaining({ handle: h, kind: 'loc', active: true }));
        off();
      }
    } finally {
      await vendor.close();
    }
  });

  it('punted frames come through the event fd, without a poll timer', async () => {
    const b = mock({ realTime: true, interrupt: true, latencyUs: 100 });
    await b.createVoe(spec(1, { interval: 4 }));
    const got: Uint8Array[] = [];
    const off = b.frames.onReceive((rx) => got.push(rx.frame));
    const lbm = cfmFrame({ level: 4, opcode: 3, da: [2, 0, 0, 0, 1, 1], sa: '02:aa:00:00:00:01', vlan: 1, body: [0, 0, 0, 1] });
    b.injectFromWire('swp1', lbm);
    await waitFor(() => got.length === 1, 2000, 'the punted LBM');
    expect(Array.from(got[0])).toEqual(Array.from(lbm));
    off();
    // without a handler the fd still gets cleared: frames are held and delivered to the next one
    b.injectFromWire('swp1', lbm);
    await sleep(50);
    const later: Uint8Array[] = [];
    const off2 = b.frames.onReceive((rx) => later.push(rx.frame));
    await waitFor(() => later.length === 1, 2000, 'the held frame');
    off2();
  });

  it('passes the conformance rule of the group on a board with an interrupt; skips it (with the reason) without one', async () => {
    const { ABI_RULES, runRule } = await import('../../src/conformance/index.js');
    const { mockAsicLibPath } = await import('../../src/backends/asic-binding/index.js');
    const rule = ABI_RULES.find((r) => r.id === 'optional.event-fd')!;
    const board = await runRule(rule, { label: 'board', libPath: mockAsicLibPath(), openArgs: 'clock=real;interrupt=1;latency_us=50;peers=2' });
    expect(board.outcome, board.reason).toBe('pass');
    const polled = await runRule(rule, { label: 'polled', libPath: mockAsicLibPath(), openArgs: 'peers=2' });
    expect(polled.outcome).toBe('skip');
    expect(polled.reason).toMatch(/ENOTSUP/);
  });

  it('LOC events reach the manager through the interrupt with the 1 s safety poll only', async () => {
    const { slowRig } = await import('./slow-rig.js');
    const r = await slowRig({ latencyUs: 200, interrupt: true });
    try {
      await r.dutMgr.apply(r.dutModel(2, 2)); // two hardware MEPs at 10 ms with a silent peer
      await waitFor(() => r.faults.filter((f) => f.source === 'hardware' && f.type === 'remote-mep' && f.state === 'failed').length === 2, 3000, 'hardware LOC');
    } finally {
      await r.close();
    }
  });
});

describe('the manager on a slow board', () => {
  it('random failures during a slow apply leave the device in the old or the new state', async () => {
    const { OffloadManager } = await import('../../src/offload/manager.js');
    const { ApplyError } = await import('../../src/offload/reconciler.js');
    const { voeSpecToJson } = await import('../../src/offload/format.js');
    const { mkModel, mkProfile } = await import('../offload/fixtures.js');
    const { hardwareMeps } = await import('./slow-rig.js');
    const profile = mkProfile({ name: 'slow-board', ports: ['swp1', 'swp2', 'swp3', 'swp4'], portCount: 4, voes: { port: 4, service: 64, up: 0, down: null, sharedTotal: null, perPort: null }, vlanMep: true, ccmTx: 'hardware' });
    const onPort = (n: number, iv: 3 | 4, from = 0) => hardwareMeps(n + from, iv).slice(from).map((m) => ({ ...m, port: 'swp2' }));
    const oldModel = mkModel(onPort(12, 4));
    // new: 4 of the old ones gone, 8 changed (interval), 6 new
    const newModel = mkModel([...onPort(8, 3, 4), ...onPort(6, 4, 12)]);
    const snapshot = async (b: MockAsicBackend) => {
      b.device.invalidate(); // read the device, not the binding's cache
      const out: Record<string, unknown> = {};
      for (const v of await b.listVoes()) out[v.spec.key] = voeSpecToJson(v.spec);
      return out;
    };
    const fresh = () => mock({ serviceVoes: 64, latencyUs: 100, jitterUs: 200 });
    // the reference states, without failures
    const ref = fresh();
    const refMgr = new OffloadManager({ backend: ref, profile, clock: new VirtualClock() });
    await refMgr.apply(oldModel);
    const oldState = await snapshot(ref);
    await refMgr.apply(newModel);
    const newState = await snapshot(ref);
    await refMgr.close();
    expect(Object.keys(oldState)).toHaveLength(12);
    expect(Object.keys(newState)).toHaveLength(14);

    const outcomes = { failed: 0, applied: 0 };
    const rolledBack = new Set<number>();
    for (let seed = 1; seed <= 12; seed++) {
      const b = fresh();
      const m = new OffloadManager({ backend: b, profile, clock: new VirtualClock() });
      await m.apply(oldModel);
      b.failRandom(15_000, 'EIO', seed); // 1.5 % of the calls fail, the rollback's included
      try {
        await m.apply(newModel);
        outcomes.applied++;
      } catch (e) {
        // an ApplyError (a write failed; "rolled back" when the last read-back found the old VOEs,
        // also after undo calls that failed and were retried), or the read-back before any write
        // failed: the device read-back below is the judge
        expect(e, `seed ${seed}`).toBeInstanceOf(CfmError);
        if (!(e instanceof ApplyError)) expect((e as CfmError).code).toBe('BACKEND');
        if (e instanceof ApplyError && e.rolledBack) rolledBack.add(seed);
        outcomes.failed++;
      } finally {
        b.failRandom(0);
      }
      const now = await snapshot(b);
      expect([oldState, newState], `seed ${seed}`).toContainEqual(now);
      if (rolledBack.has(seed)) expect(now, `seed ${seed}: reported rolled back`).toEqual(oldState);
      await m.close();
    }
    // the failures did hit the applies (and some got through)
    expect(outcomes.failed).toBeGreaterThan(1);
  });

  // 2 ms per configuration call. The software MEP runs at 100 ms here so a loaded test machine
  // cannot fake a LOC; bench/slow-sdk.bench.ts runs it at 10 ms and measures CCM lateness.
  it('software MEPs keep running during a slow apply: no false LOC, a loopback completes, status answers', async () => {
    const { slowRig } = await import('./slow-rig.js');
    for (const interrupt of [true, false]) {
      const r = await slowRig({ latencyUs: 2000, interrupt, swInterval: 3 });
      try {
        await waitFor(() => r.faults.some((f) => f.type === 'remote-mep' && f.state === 'ok'), 20_000, 'the software MEP to see its peer');
        const faultsBefore = r.faults.length;
        const apply = r.dutMgr.apply(r.dutModel(40)); // 80+ calls of 2 ms
        await sleep(20);
        // the reply wait is generous: on a loaded machine the peer's answer may be late, not lost
        const lb = r.dutMgr.loopback(r.softwareKeys[0], { targetMepId: 100, count: 3, intervalMs: 10, timeoutMs: 10_000 });
        const status = r.dutMgr.status();
        const report = await apply;
        expect(report).toBeDefined();
        const res = await lb;
        expect(res.received, `loopback (interrupt ${interrupt})`).toBe(3);
        const st = await status;
        expect(JSON.stringify(st)).toContain(r.softwareKeys[0]);
        expect(st.apply, 'status asked during the apply says so').toMatchObject({ inProgress: true, kind: 'apply' });
        expect((await r.dut.listVoes()).length).toBe(40);
        // no false LOC on the software MEP while the 40 VOEs were written
        const sw = r.faults.slice(faultsBefore).filter((f) => f.mep === r.softwareKeys[0] && (f.state === 'failed' || (f.type === 'defect' && f.active)));
        expect(sw, `interrupt ${interrupt}`).toEqual([]);
        // its CCMs kept going out while the VOEs were written
        expect((r.ccmSentMs.get(10) ?? []).length).toBeGreaterThan(2);
      } finally {
        await r.close();
      }
    }
  }, 120_000);

  // Issue 16's "no false LOC" at 10 ms: the peer's CCMs reach the engine through the punt queue,
  // drained on the thread pool behind 2 ms configuration calls, so many are read after the
  // rMEPwhile deadline they arrived before. LOC is decided on their receive times
  // (src/engine/continuity.ts): none may be declared while the CCMs came in time. The peer and
  // the cable share this process's event loop: if a loaded machine stalls it past 3.375
  // intervals the CCMs really stop, and a LOC on that gap is true (classifyLocs tells them apart).
  it('no false LOC of a 10 ms software MEP during a slow apply (2 ms per call), CCMs by the JS timer and by the injector', async () => {
    const { slowRig, classifyLocs } = await import('./slow-rig.js');
    for (const injector of [false, true]) {
      const r = await slowRig({ latencyUs: 2000, interrupt: true, injector, serviceVoes: 316 });
      try {
        await waitFor(() => r.faults.some((f) => f.type === 'remote-mep' && f.state === 'ok'), 20_000, 'the software MEP to see its peer');
        const model = r.dutModel(300); // 600+ calls of 2 ms: ~2 s of punt drains queued behind them
        await sleep(50);
        const t0 = performance.now();
        // a busy loop now and then (another task's 18 ms of work): the rMEPwhile timer and the
        // drain's answer are both due when it ends, and libuv runs timers first. 18 ms + the
        // cable's 2 ms poll + 10 ms stays under 3.375 intervals: the peer's CCMs keep coming in time
        const busy = setInterval(() => {
          const end = performance.now() + 18;
          while (performance.now() < end);
        }, 97);
        try {
          await r.dutMgr.apply(model);
        } finally {
          clearInterval(busy);
        }
        await sleep(100); // decisions waiting for a drain, late CCMs read
        const t1 = performance.now();
        const locs = classifyLocs(r, t0, t1, 10);
        const rx = (r.ccmRxMs.get(100) ?? []).filter((t) => t >= t0 && t <= t1);
        const what = `injector ${injector}: ${JSON.stringify(locs)} over ${rx.length} CCMs received`;
        expect(rx.length, what).toBeGreaterThan(100); // the peer kept sending
        expect(locs.false, what).toBe(0);
        // a true LOC only where the CCMs really stopped
        expect(locs.real, what).toBeLessThanOrEqual(locs.gaps);
        const st = r.dutMgr.engine.findMep(r.softwareKeys[0])!.status();
        expect(st.remotes[0].state, what).toBe('ok');
      } finally {
        await r.close();
      }
    }
  }, 120_000);

  // Issue 16's target: no software CCM sent late by more than 1 ms during a 1,000-VOE apply at
  // 2 ms per call. Measured on the wire - the time the mock's injector sent each CCM (its own
  // thread on absolute deadlines, read from the wire tap), not in JS. The margin: that injector is
  // a host thread standing in for silicon. SCHED_FIFO (root; CI runs as root) shields it from
  // other processes' threads, not from the kernel: with the whole suite running in parallel on 2
  // cores next to other suites' packet floods, its clock_nanosleep itself wakes 1-5 ms late a few
  // times per run (instrumented: the wake, not the device lock or the work). Alone the max is
  // 0.09-0.5 ms (bench/slow-sdk.bench.ts reports it). So: >= 98 % of the CCMs within 1 ms, none
  // later than one interval (none skipped or doubled), the engine sending none of them; the JS
  // timer in the same setting is 100+ ms late at its worst (the bench).
  it('with the board injector, software CCMs leave the port within 1 ms of their 10 ms during a 1,000-VOE apply at 2 ms per call', async () => {
    const { slowRig } = await import('./slow-rig.js');
    const r = await slowRig({ latencyUs: 2000, interrupt: true, injector: true, serviceVoes: 1016 });
    try {
      const injected = () => r.dutMgr.engine.findMep(r.softwareKeys[0])?.status().ccmInjected === true;
      await waitFor(injected, 10_000, 'the software MEP to hand its CCMs to the injector');
      const model = r.dutModel(1000);
      await sleep(100);
      const t0 = performance.now();
      await r.dutMgr.apply(model);
      const t1 = performance.now();
      await sleep(40); // the wire tap delivers every 2-16 ms
      expect(injected(), 'still injected after the apply').toBe(true);
      const wire = (r.ccmWireMs.get(10) ?? []).filter((t) => t >= t0 && t <= t1);
      expect(wire.length).toBeGreaterThanOrEqual(Math.floor((t1 - t0) / 10) - 1); // none missing
      const late = wire.slice(1).map((t, i) => t - wire[i] - 10);
      const within = late.filter((x) => x <= 1).length / late.length;
      const what = `lateness on the wire over ${late.length} CCMs: max ${Math.max(...late).toFixed(3)} ms, ${(within * 100).toFixed(1)} % within 1 ms`;
      expect(within, what).toBeGreaterThanOrEqual(0.98);
      expect(Math.max(...late), what).toBeLessThan(10);
      // a late CCM does not move the next one: the deadlines are absolute
      expect(Math.min(...late), what).toBeGreaterThan(-10);
      // the engine sent none of them itself
      expect((r.ccmSentMs.get(10) ?? []).filter((t) => t >= t0 && t <= t1)).toEqual([]);
    } finally {
      await r.close();
    }
  }, 120_000);
});
