/**
 * A slow switch next to a fast one, in real time (issue 16), for test/backends/slow-sdk.test.ts
 * and bench/slow-sdk.bench.ts:
 *
 *   dut  - mock ASIC whose every vendor-ABI call takes `latencyUs` (calls on libuv's thread pool),
 *          events by interrupt + event fd or polled; an offload manager on a RealClock with
 *          software MEPs (10 ms by default) on p1 (their CCMs go through the slow cfm_frame_tx) and the
 *          hardware MEPs an apply adds on p2 (1 s, no cable: they are the bulk configuration).
 *   peer - fast mock (sync calls) with the software MEPs' peers, cabled p1 <-> p1.
 *
 * The dut's software CCMs are recorded twice: when the engine's send call made them (JS time,
 * ccmSentMs) and when they left the dut's port p1 (ccmWireMs: the mock's own send time from its
 * wire tap, device time = CLOCK_MONOTONIC, turned into performance.now() ms), so a caller can check
 * that they keep their 10 ms on the wire while thousands of VOEs are written. With `injector` the
 * dut's periodic frame injector sends them (vendor ABI group "inject"): the engine sends none.
 */
import { performance } from 'node:perf_hooks';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import type { MockAsicOptions } from '../../src/backends/mock/options.js';
import { RealClock } from '../../src/common/clock.js';
import type { IntervalCode } from '../../src/common/interval.js';
import type { LocalMep } from '../../src/config/model.js';
import type { FaultEvent } from '../../src/engine/events.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { mkMep, mkModel, mkProfile } from '../offload/fixtures.js';

export interface SlowRigOptions {
  latencyUs: number;
  jitterUs?: number;
  /** Events by interrupt + event fd (true) or polled (false). */
  interrupt: boolean;
  /** Software MEPs on the dut (default 1), at swInterval (default 2 = 10 ms). */
  softwareMeps?: number;
  swInterval?: IntervalCode;
  /** Size of the dut's service VOE pool (default 1100). */
  serviceVoes?: number;
  /** The dut has a periodic frame injector and its software MEPs hand their CCMs to it (default false). */
  injector?: boolean;
  mock?: Partial<MockAsicOptions>;
}

export interface SlowRig {
  dut: MockAsicBackend;
  peer: MockAsicBackend;
  dutMgr: OffloadManager;
  peerMgr: OffloadManager;
  /** Fault events of the dut with their arrival time (performance.now(), ms). */
  faults: Array<FaultEvent & { atMs: number }>;
  /** Send times (performance.now(), ms) of the dut's software CCMs by the engine, per MEP id. */
  ccmSentMs: Map<number, number[]>;
  /** Times (performance.now(), ms) the dut's software CCMs left its port p1 (the mock's wire tap), per MEP id. */
  ccmWireMs: Map<number, number[]>;
  /**
   * Times (performance.now(), ms) the peer's CCMs reached the dut's port p1, per MEP id: the
   * receive times the dut stamps them with. The peer and the cable run on this process's event
   * loop, so a loop stalled past 3.5 intervals is a real gap here, and a LOC on it is true.
   */
  ccmRxMs: Map<number, number[]>;
  softwareKeys: string[];
  /** The dut's config: the software MEPs plus `hardware` hardware MEPs on p2. */
  dutModel(hardware: number, hwInterval?: IntervalCode): ReturnType<typeof mkModel>;
  close(): Promise<void>;
}

function swPair(i: number, SW_IV: IntervalCode): { dut: LocalMep; peer: LocalMep } {
  const ma = `sw${i}`;
  return {
    dut: mkMep({ mepId: 10 + i, associationId: ma, switch: 'dut', port: 'p1', interval: SW_IV, vlan: 10 + i, remoteMepIds: [100 + i], placement: 'software', macAddress: `02:d0:00:00:00:${(i + 1).toString(16).padStart(2, '0')}` }),
    peer: mkMep({ mepId: 100 + i, associationId: ma, switch: 'peer', port: 'p1', interval: SW_IV, vlan: 10 + i, remoteMepIds: [10 + i], placement: 'software', macAddress: `02:e0:00:00:00:${(i + 1).toString(16).padStart(2, '0')}` }),
  };
}

/** n hardware MEPs on p2, one per VLAN (3,900 VLANs per MD level, levels 5, 4, 3 ...). */
export function hardwareMeps(n: number, interval: IntervalCode = 4): LocalMep[] {
  const out: LocalMep[] = [];
  for (let i = 0; i < n; i++) {
    const level = 5 - Math.floor(i / 3900);
    const domainId = level === 5 ? 'hw' : `hw${level}`;
    out.push(mkMep({ mepId: 1, domainId, level, associationId: `h${i}`, switch: 'dut', port: 'p2', interval, vlan: 100 + (i % 3900), remoteMepIds: [2], placement: 'hardware' }));
  }
  return out;
}

/** CCM opcode of an Ethernet frame with up to two VLAN tags (802.1Q 21.4). */
function isCcm(frame: Uint8Array): boolean {
  let o = 12;
  while (o + 4 <= frame.length && (frame[o] === 0x81 || frame[o] === 0x88 || frame[o] === 0x91) && frame[o + 1] !== 0x02) o += 4;
  return frame[o] === 0x89 && frame[o + 1] === 0x02 && frame[o + 3] === 1;
}

function mepIdOf(frame: Uint8Array): number {
  let o = 12;
  while (frame[o] !== 0x89 || frame[o + 1] !== 0x02) o += 4;
  return ((frame[o + 2 + 8] << 8) | frame[o + 2 + 9]) & 0x1fff;
}

export async function slowRig(o: SlowRigOptions): Promise<SlowRig> {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const serviceVoes = o.serviceVoes ?? 1100;
  const dut = new MockAsicBackend({
    ports: ['p1', 'p2'], portVoes: 2, serviceVoes, realTime: true, latencyUs: o.latencyUs, jitterUs: o.jitterUs ?? 0,
    interrupt: o.interrupt, calls: 'async', instance: `slow-dut-${tag}`, ...(o.injector ? { injector: 16 } : {}), ...o.mock,
  });
  const peer = new MockAsicBackend({ ports: ['p1', 'p2'], portVoes: 2, serviceVoes: 64, realTime: true, instance: `slow-peer-${tag}` });
  // the cable
  const ccmWireMs = new Map<number, number[]>();
  // device time -> performance.now(): both follow CLOCK_MONOTONIC, so the offset is constant
  const offsetMs = performance.now() - dut.nowNs() / 1e6;
  const offA = dut.onWireTransmit((port, f, atNs) => {
    if (port !== 'p1') return;
    if (atNs !== null && isCcm(f)) {
      const id = mepIdOf(f);
      let l = ccmWireMs.get(id);
      if (!l) ccmWireMs.set(id, (l = []));
      l.push(atNs / 1e6 + offsetMs);
    }
    peer.injectFromWire('p1', f);
  });
  const ccmRxMs = new Map<number, number[]>();
  const offB = peer.onWireTransmit((port, f) => {
    if (port !== 'p1') return;
    if (isCcm(f)) {
      const id = mepIdOf(f);
      let l = ccmRxMs.get(id);
      if (!l) ccmRxMs.set(id, (l = []));
      l.push(performance.now());
    }
    dut.injectFromWire('p1', f);
  });
  const ccmSentMs = new Map<number, number[]>();
  const send = dut.frames.send.bind(dut.frames);
  dut.frames.send = (port, frame, towards) => {
    if (isCcm(frame)) {
      const id = mepIdOf(frame);
      let l = ccmSentMs.get(id);
      if (!l) ccmSentMs.set(id, (l = []));
      l.push(performance.now());
    }
    send(port, frame, towards);
  };
  const profile = (service: number) =>
    mkProfile({ name: 'slow-board', ports: ['p1', 'p2'], portCount: 2, voes: { port: 2, service, up: 0, down: null, sharedTotal: null, perPort: null }, vlanMep: true, ccmTx: 'hardware' });
  const dutMgr = new OffloadManager({ backend: dut, profile: profile(serviceVoes), clock: new RealClock(), switch: 'dut' });
  const peerMgr = new OffloadManager({ backend: peer, profile: profile(64), clock: new RealClock(), switch: 'peer' });
  const faults: SlowRig['faults'] = [];
  dutMgr.onFault((e) => faults.push({ ...e, atMs: performance.now() }));
  const pairs = Array.from({ length: o.softwareMeps ?? 1 }, (_, i) => swPair(i, o.swInterval ?? 2));
  const dutModel = (hardware: number, hwInterval: IntervalCode = 4) => mkModel([...pairs.map((p) => p.dut), ...hardwareMeps(hardware, hwInterval)]);
  await peerMgr.apply(mkModel(pairs.map((p) => p.peer)));
  await dutMgr.apply(dutModel(0));
  return {
    dut, peer, dutMgr, peerMgr, faults, ccmSentMs, ccmWireMs, ccmRxMs, dutModel,
    softwareKeys: pairs.map((p) => p.dut.key),
    async close() {
      offA();
      offB();
      await dutMgr.close({ clearHardware: true }).catch(() => undefined);
      await peerMgr.close().catch(() => undefined);
      await dut.close();
      await peer.close();
    },
  };
}

/**
 * The software MEPs' LOCs (remote-mep failed) that arrived in [fromMs, toMs], split into true ones
 * - a gap of more than 3.375 intervals (the earliest the engine's grid declares, 802.1Q 20.20)
 * in the receive times of that peer's CCMs at the dut, the LOC reported after the gap's deadline
 * and by its end + `slackMs` (a gap is reported when the late CCM is read: on a loaded 2-core
 * machine a drain behind 2 ms calls read one 61 ms after it came) - and false ones (no such gap:
 * the CCMs were there in time). One gap accounts for one LOC.
 */
export function classifyLocs(r: SlowRig, fromMs: number, toMs: number, intervalMs: number, slackMs = 300): { real: number; false: number; gaps: number } {
  const limit = 3.375 * intervalMs;
  let real = 0;
  let bad = 0;
  let gaps = 0;
  r.softwareKeys.forEach((key, i) => {
    const rx = r.ccmRxMs.get(100 + i) ?? [];
    const open: Array<[number, number]> = [];
    for (let k = 1; k < rx.length; k++) if (rx[k] - rx[k - 1] > limit && rx[k] >= fromMs - limit && rx[k - 1] <= toMs) open.push([rx[k - 1], rx[k]]);
    gaps += open.length;
    for (const f of r.faults) {
      if (f.mep !== key || f.type !== 'remote-mep' || f.state !== 'failed' || f.atMs < fromMs || f.atMs > toMs) continue;
      const g = open.findIndex(([a, b]) => a + limit <= f.atMs + 1 && f.atMs <= b + slackMs);
      if (g >= 0) {
        open.splice(g, 1); // one gap, one LOC
        real++;
      } else bad++;
    }
  });
  return { real, false: bad, gaps };
}

/** Wait until `pred` holds (checked every 5 ms), or fail after `ms`. */
export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
