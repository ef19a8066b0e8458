/**
 * The mock ASIC with thousands of VOEs (docs/mock-asic.md "Scaling"): the deadline queue, the MP
 * stack index, the free-slot bitmap and the running injector load must give exactly what a walk
 * of the whole table gave — events in (time, VOE id) order, the earliest deadline, one MEP per
 * (port, direction, level, VLAN), level demultiplexing, the lowest free id, the budget — also
 * after the table came back from a state file. Speed is in bench/mock-asic.bench.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsicDevice, isAsicError, mockAsicLibPath, type RawCcConf, type RawEvent, type RawVoeConf } from '../../src/backends/asic-binding/index.js';
import { intervalNs, remoteMepTimeoutNs, type IntervalCode } from '../../src/common/interval.js';
import { ccmFrame, testMaid } from './frames.js';

const MAID = testMaid('scale');
const EVENT_LOC = 1;
const EVENT_UNEXP_LEVEL = 5;
const STICKY_UNEXP_LEVEL = 0x04;

const open: AsicDevice[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of open.splice(0)) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function device(args: string): AsicDevice {
  const d = AsicDevice.open(mockAsicLibPath(), args);
  open.push(d);
  return d;
}

/** Deterministic PRNG (mulberry32): the same table every run. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** VOE i on its own (port, level, vlan) among 4 ports: 4 x 8 x 4094 places. */
function conf(i: number, over: Partial<RawVoeConf> = {}): RawVoeConf {
  return {
    port: i % 4, direction: 0, level: Math.floor(i / 4) % 8, vlan: 1 + (Math.floor(i / 32) % 4094),
    unicast_mac: [2, 0, 0, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff], reserved: [0, 0], key: `scale/${i}`, ...over,
  };
}

function cc(interval: IntervalCode, over: Partial<RawCcConf> = {}): RawCcConf {
  return {
    maid: Array.from(MAID), mep_id: 1, interval, priority: 7, peer_count: 1, peers: [2], tx_enable: 0, rx_enable: 1,
    seq_update: 1, rdi: 0, port_status_tlv: 0, if_status_tlv: 0, ...over,
  };
}

/** The valid CCM of peer MEP 2 for VOE conf c. */
function peerCcm(c: RawVoeConf, interval: IntervalCode): Uint8Array {
  return ccmFrame({ level: c.level, mepId: 2, maid: MAID, interval, vlan: c.vlan, pcp: 7 });
}

const byTimeThenVoe = (a: { time_ns: number; voe: number }, b: { time_ns: number; voe: number }): number =>
  a.time_ns - b.time_ns || a.voe - b.voe;

describe('mock ASIC with thousands of VOEs', () => {
  it('raises LOC of 3,000 VOEs exactly 3.5 intervals after their last CCM, in (time, VOE id) order', () => {
    const N = 3000;
    const rnd = prng(7);
    const dev = device(`ports=4;port_voes=0;service_voes=${N};event_queue=100000`);
    const ids = Array.from({ length: N }, (_, i) => dev.voeAlloc(conf(i)));
    // configured at coarse instants (many share one), in an order unrelated to their ids
    const last = new Map<number, { t: number; iv: IntervalCode }>();
    for (let k = 0; k < N; k++) {
      const i = (k * 7919) % N;
      if (rnd(4) === 0) dev.mockAdvance(1e5 * rnd(3));
      const iv = ([3, 4] as IntervalCode[])[rnd(2)];
      dev.ccSet(ids[i], cc(iv));
      last.set(ids[i], { t: dev.mockNow(), iv });
    }
    // a third of them hear their peer once, at one of four instants
    for (let step = 0; step < 4; step++) {
      dev.mockAdvance(2e6);
      for (let i = step; i < N; i += 12) {
        const x = last.get(ids[i])!;
        dev.mockPortRx(conf(i).port, peerCcm(conf(i), x.iv));
        last.set(ids[i], { ...x, t: dev.mockNow() });
      }
    }
    expect(dev.pollEvents()).toEqual([]); // nothing due yet: the shortest LOC time is 350 ms
    dev.mockAdvance(5e9);
    const events = dev.pollEvents();
    expect(dev.counters().event_overflow).toBe(0);
    const expected = [...last].map(([voe, x]) => ({ voe, time_ns: x.t + remoteMepTimeoutNs(x.iv) })).sort(byTimeThenVoe);
    expect(events.every((e) => e.kind === EVENT_LOC && e.active === 1 && e.peer_mep_id === 2)).toBe(true);
    expect(events.map((e) => ({ voe: e.voe, time_ns: e.time_ns }))).toEqual(expected);
    expect(new Set(expected.map((e) => e.time_ns)).size).toBeLessThan(N / 4); // many ties
  });

  it('sends the CCMs due at one instant in VOE id order, whatever order they were configured in', () => {
    const N = 500;
    const dev = device(`ports=4;port_voes=0;service_voes=${N};wire_queue=100000`);
    const ids = Array.from({ length: N }, (_, i) => dev.voeAlloc(conf(i)));
    dev.mockAdvance(1e6);
    for (let k = 0; k < N; k++) dev.ccSet(ids[(k * 211) % N], cc(3, { tx_enable: 1, rx_enable: 0 }));
    dev.mockAdvance(0);
    const first = dev.mockPortTxDrain();
    const idOf = (f: Uint8Array): number => ((f[9] << 16) | (f[10] << 8) | f[11]) + 1;
    expect(first.map((f) => idOf(f.frame))).toEqual(ids);
    dev.mockAdvance(intervalNs(3) * 3);
    const next = dev.mockPortTxDrain();
    expect(next.map((f) => idOf(f.frame))).toEqual([...ids, ...ids, ...ids]);
  });

  it('reports the earliest running timer as the next deadline, also after it is changed or freed', () => {
    const N = 2000;
    const rnd = prng(11);
    const dev = device(`ports=4;port_voes=0;service_voes=${N};event_queue=100000`);
    const timers = new Map<number, number>(); // id -> LOC deadline (rx only, one peer)
    for (let i = 0; i < N; i++) {
      dev.mockAdvance(1000 * rnd(10)); // all made within 20 ms: before the first LOC
      const id = dev.voeAlloc(conf(i));
      const iv = ([2, 3, 4] as IntervalCode[])[rnd(3)];
      dev.ccSet(id, cc(iv));
      timers.set(id, dev.mockNow() + remoteMepTimeoutNs(iv));
    }
    const earliest = (): number => Math.min(...timers.values());
    const owner = (): number => [...timers.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0][0];
    expect(dev.mockNextDeadline()).toBe(earliest());
    for (let k = 0; k < 50; k++) {
      const id = owner();
      if (k % 2 === 0) {
        dev.voeFree(id);
      } else {
        dev.ccSet(id, cc(3, { rx_enable: 0 })); // no timer left
      }
      timers.delete(id);
      expect(dev.mockNextDeadline()).toBe(earliest());
    }
    // a CC config that starts transmitting is due now
    const id = [...timers.keys()][0];
    dev.ccSet(id, cc(4, { tx_enable: 1 }));
    expect(dev.mockNextDeadline()).toBe(dev.mockNow());
  });

  it('keeps one MEP per (port, direction, level, VLAN) and demultiplexes by level among 8,192 VOEs', () => {
    const N = 8192;
    const dev = device(`ports=4;port_voes=0;service_voes=${N}`);
    const ids = Array.from({ length: N }, (_, i) => dev.voeAlloc(conf(i)));
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(isAsicError(catchOf(() => dev.voeAlloc(conf(0, { vlan: 4000, key: 'no room' }))), 'ENOSPC')).toBe(true);
    dev.voeFree(ids[5000]);
    const taken = conf(77, { key: 'dup' });
    expect(isAsicError(catchOf(() => dev.voeAlloc(taken)), 'EBUSY')).toBe(true);
    expect(isAsicError(catchOf(() => dev.voeConfSet(ids[78], taken)), 'EBUSY')).toBe(true);
    dev.voeConfSet(ids[77], { ...taken, key: 'same place, new key' }); // its own place
    expect(dev.voeAlloc(conf(77, { direction: 1, key: 'up' }))).toBe(5001); // other direction: free
    // moving a VOE frees its old place and takes the new one
    dev.voeFree(ids[300]);
    dev.voeConfSet(ids[301], conf(300));
    expect(dev.voeAlloc(conf(301, { key: 'old place of 301' }))).toBe(301);
    expect(isAsicError(catchOf(() => dev.voeAlloc(conf(300, { key: 'x' }))), 'EBUSY')).toBe(true);

    // a stack on port 1, vlan 4000: levels 2 and 5 (+ the VOEs conf() put there: none)
    dev.voeFree(ids[10]);
    dev.voeFree(ids[11]);
    const lo = dev.voeAlloc(conf(0, { port: 1, level: 2, vlan: 4000, key: 'lo' }));
    const hi = dev.voeAlloc(conf(0, { port: 1, level: 5, vlan: 4000, key: 'hi' }));
    dev.ccSet(lo, cc(3));
    dev.ccSet(hi, cc(3));
    const at = (level: number) => ccmFrame({ level, mepId: 2, maid: MAID, interval: 3, vlan: 4000, pcp: 7 });
    const before = dev.counters();
    dev.mockPortRx(1, at(2)); // lo's level: checked there
    dev.mockPortRx(1, at(1)); // below lo: dropped, dUNL at lo
    dev.mockPortRx(1, at(4)); // between: dropped, dUNL at hi
    dev.mockPortRx(1, at(5)); // hi's level
    dev.mockPortRx(1, at(6)); // above every level: relayed
    dev.mockPortRx(2, at(2)); // another port: no VOE of that VLAN there, relayed
    const after = dev.counters();
    expect(dev.status(lo, false).ccm_rx_valid).toBe(1);
    expect(dev.status(hi).ccm_rx_valid).toBe(1);
    expect(after.dropped_low_level - before.dropped_low_level).toBe(2);
    expect(after.forwarded - before.forwarded).toBe(2);
    const ev = dev.pollEvents().filter((e) => e.kind === EVENT_UNEXP_LEVEL);
    expect(ev.map((e) => [e.voe, e.active])).toEqual([[lo, 1], [hi, 1]]);
    expect(dev.status(lo, false).sticky & STICKY_UNEXP_LEVEL).toBe(STICKY_UNEXP_LEVEL);
    // the stack empties: frames of that VLAN pass
    dev.voeFree(lo);
    dev.voeFree(hi);
    dev.mockPortRx(1, at(1));
    expect(dev.counters().forwarded - after.forwarded).toBe(1);
  });

  it('allocates the lowest free id of each pool', () => {
    const dev = device('ports=4;port_voes=64;service_voes=1000');
    // the 64 places of port VOEs: 4 ports x 8 levels x 2 directions
    const place = (i: number): RawVoeConf => conf(i, { vlan: 0, port: i % 4, level: Math.floor(i / 4) % 8, direction: Math.floor(i / 32) % 2 });
    const port = Array.from({ length: 64 }, (_, i) => dev.voeAlloc(place(i)));
    const svc = Array.from({ length: 1000 }, (_, i) => dev.voeAlloc(conf(i)));
    expect(port).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(svc).toEqual(Array.from({ length: 1000 }, (_, i) => 65 + i));
    for (const id of [1030, 150, 999, 64, 1064]) dev.voeFree(id);
    const again = [0, 1, 2, 3].map((k) => dev.voeAlloc(conf(2000 + k)));
    expect(again).toEqual([150, 999, 1030, 1064]);
    expect(isAsicError(catchOf(() => dev.voeAlloc(conf(3000))), 'ENOSPC')).toBe(true);
    expect(isAsicError(catchOf(() => dev.voeAlloc(place(0))), 'EBUSY')).toBe(true);
    expect(dev.voeAlloc(place(63))).toBe(64);
  });

  it('keeps the injector load as an exact running total (EBUDGET)', () => {
    // budget 10 frames/s = 6,000 units of 1/600 frame/s; 10 s = 60 units, 1 min = 10, 10 min = 1
    const dev = device('ports=4;port_voes=0;service_voes=200;tx_intervals=1-7;rx_intervals=1-7;tx_mode=injected;budget_fps=10');
    const tx = (iv: IntervalCode): RawCcConf => cc(iv, { tx_enable: 1, rx_enable: 0 });
    const budget = (f: () => unknown): boolean => isAsicError(catchOf(f), 'EBUDGET');
    const ids = Array.from({ length: 200 }, (_, i) => dev.voeAlloc(conf(i)));
    for (let i = 0; i < 100; i++) dev.ccSet(ids[i], tx(5)); // 100 x 0.1 frame/s: exactly 10
    expect(budget(() => dev.ccSet(ids[100], tx(7)))).toBe(true);
    dev.ccSet(ids[100], cc(4)); // rx only costs nothing
    dev.ccSet(ids[0], tx(5)); // an update at the same rate fits
    dev.ccSet(ids[0], cc(5)); // tx off: 60 free
    expect(budget(() => dev.ccSet(ids[101], tx(4)))).toBe(true); // 600 > 60
    for (let i = 101; i < 107; i++) dev.ccSet(ids[i], tx(6)); // 6 x 10: full again
    expect(budget(() => dev.ccSet(ids[107], tx(7)))).toBe(true);
    dev.voeFree(ids[1]); // 60 free
    dev.ccSet(ids[107], tx(7)); // 59 free
    dev.ccSet(ids[2], tx(7)); // slower: 118 free
    for (let i = 108; i < 119; i++) dev.ccSet(ids[i], tx(6)); // 11 x 10: 8 free
    expect(budget(() => dev.ccSet(ids[119], tx(6)))).toBe(true);
    for (let i = 119; i < 127; i++) dev.ccSet(ids[i], tx(7)); // 8 x 1: full
    expect(budget(() => dev.ccSet(ids[127], tx(7)))).toBe(true);
  });

  it('rebuilds its indexes from a state file: uniqueness, free ids, timers, demultiplexing, the budget', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-mock-scale-'));
    dirs.push(dir);
    // 1,450 VOEs at 100 ms (10 frame/s) and 1,447 at 1 s transmit: 15,947 frame/s; 5 to spare
    const args = (file: string): string =>
      `ports=4;port_voes=0;service_voes=3000;tx_mode=injected;budget_fps=15952;event_queue=100000;wire_queue=100000;state=${join(dir, file)}`;
    const a = device(args('a.state'));
    const ids = Array.from({ length: 3000 }, (_, i) => a.voeAlloc(conf(i)));
    for (let i = 0; i < 3000; i++) {
      a.ccSet(ids[i], cc(i % 2 === 0 ? 3 : 4, { tx_enable: i < 2900 ? 1 : 0 }));
      if (i % 100 === 0) a.mockAdvance(1e6);
    }
    for (const id of [10, 20, 30]) a.voeFree(id);
    a.mockAdvance(20e6);
    a.mockPortTxDrain();
    a.pollEvents();
    const deadline = a.mockNextDeadline();
    a.mockSave();
    copyFileSync(join(dir, 'a.state'), join(dir, 'b.state'));
    // what the ASIC does next, as the reference for the reloaded one
    const go = (d: AsicDevice): [RawEvent[], number] => {
      d.mockPortRx(conf(500).port, peerCcm(conf(500), 3));
      d.mockAdvance(4e9);
      return [d.pollEvents(), d.mockPortTxDrain().length];
    };
    const reference = go(a);
    a.close();

    const b = device(args('b.state'));
    expect(b.mockNextDeadline()).toBe(deadline);
    expect(isAsicError(catchOf(() => b.voeAlloc(conf(40, { key: 'dup' }))), 'EBUSY')).toBe(true);
    expect(b.voeAlloc(conf(9))).toBe(10); // the lowest free id, its old place is free
    b.voeFree(10);
    const [events, frames] = go(b);
    expect(events.length).toBeGreaterThan(2900);
    expect([events, frames]).toEqual(reference);
    expect([...events].sort(byTimeThenVoe)).toEqual(events);
    expect(b.status(501).ccm_rx_valid).toBe(1);
    expect(isAsicError(catchOf(() => b.ccSet(ids[2950], cc(3, { tx_enable: 1 }))), 'EBUDGET')).toBe(true); // +10
    b.ccSet(ids[2950], cc(4, { tx_enable: 1 })); // +1
  });
});

function catchOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}
