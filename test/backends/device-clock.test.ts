/**
 * Punted frames' receive times on the manager's clock (issue 16/17 follow-up; 802.1Q 20.20: LOC is
 * decided on receive times against rMEPwhile deadlines on that clock). The device stamps frames
 * with its own counter (cfm_frame_info.time_ns); the binding maps it with the optional "clock"
 * group (cfm_asic_time_get between two host reads) - deterministic here: the mock in virtual time
 * is a device whose counter starts an hour away from the host's and runs 150 ppm fast or slow.
 * The shim without the group (frames-learnt estimate): old-shim.test.ts. The real-time LOC:
 * device-clock-loc.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { AsicDevice } from '../../src/backends/asic-binding/device.js';
import { DeviceClockMap } from '../../src/backends/asic-binding/device-clock.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { MockAsicBackend } from '../../src/backends/mock/index.js';
import { VirtualClock } from '../../src/common/clock.js';
import type { FrameRx } from '../../src/common/frame-port.js';
import { ccmFrame, testMaid } from './frames.js';
import { TickClock, runClock } from './clock-rig.js';

const HOUR_NS = 3600e9;
const open: Array<{ close(): unknown }> = [];

afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

describe('device receive times mapped with cfm_asic_time_get ("clock" group)', () => {
  it.each([150, -150])('origin +1 h, drift %i ppm: every receive time within the stated bound, never after its read', async (ppm) => {
    const instance = `devclk-${ppm < 0 ? 'slow' : 'fast'}-${process.pid}`;
    const clock = new TickClock(5e9, 30_000); // each host read takes 30 µs
    const b = new VendorBackend({ libPath: mockAsicLibPath(), args: `instance=${instance};time0_s=3600`, calls: 'sync', pollIntervalMs: 3_600_000, clock });
    open.push(b);
    const dev = AsicDevice.open(mockAsicLibPath(), `instance=${instance}`);
    open.push(dev);
    expect(b.device.hasTimeGet).toBe(true);
    const run = await runClock({ backend: b, device: dev, clock, originNs: HOUR_NS, ppm, durationNs: 20e9, pollNs: 5e6, framesEvery: 7, seed: 7 });
    expect(run.errorsNs.length).toBeGreaterThan(500);
    expect(new Set(run.sources)).toEqual(new Set(['device-read']));
    // what the engine got before: the raw device time, an hour off
    expect(Math.min(...run.rawErrorsNs.map(Math.abs))).toBeGreaterThan(HOUR_NS - 6e9) // the host clock starts at 5 s;
    run.errorsNs.forEach((e, i) => expect(Math.abs(e), `frame ${i}`).toBeLessThanOrEqual(run.boundsNs[i]));
    // the bound: half a round trip (two 30 µs ticks) + 200 ppm x at most ~1 s since the last read
    expect(Math.max(...run.boundsNs)).toBeLessThan(30_000 + 200e-6 * 1.1e9);
    expect(Math.max(...run.errorsNs.map(Math.abs))).toBeLessThan(250_000);
    expect(Math.max(...run.afterReadNs)).toBeLessThanOrEqual(0);
  });

  it('virtual time: the mock follows the attached clock at a known offset, so receive times are exact', async () => {
    const b = new MockAsicBackend({ ports: 2, deviceTimeOriginS: 3600, calls: 'sync' });
    open.push(b);
    const clock = new VirtualClock();
    clock.advance(7e9);
    const detach = b.attachVirtualClock(clock);
    const got: FrameRx[] = [];
    b.frames.onReceive((rx) => got.push(rx));
    b.setPortPuntAll('swp1', true);
    clock.advance(12_345_678);
    b.injectFromWire('swp1', ccmFrame({ level: 3, mepId: 2, maid: testMaid('v'), interval: 3 }));
    b.pump();
    expect(got.map((r) => r.rxNs)).toEqual([7e9 + 12_345_678]); // not the device's 3600 s + 12 ms
    detach();
  });

  it('a later, tighter read replaces the kept one; an aged one gives way to a fresh one (drift)', () => {
    const m = new DeviceClockMap({ driftPpm: 100, refreshNs: 1e9 });
    expect(m.needsSample(0)).toBe(true);
    m.addSample(1000, 5_000_000, 41_000); // round trip 40 µs
    expect(m.estimate(41_000)).toEqual({ source: 'device-read', offsetNs: 21_000 - 5_000_000, boundNs: 20_000 });
    expect(m.needsSample(41_000 + 0.5e9)).toBe(false);
    m.addSample(100_000, 5_099_000, 300_000); // worse round trip: kept the first
    expect(m.estimate(300_000).offsetNs).toBe(21_000 - 5_000_000);
    m.addSample(2e9, 2e9 + 5_000_000 - 30_000, 2e9 + 30_000); // 1 s later the old one is worth 20 µs + 100 µs
    expect(m.estimate(2e9 + 30_000)).toMatchObject({ offsetNs: 2e9 + 15_000 - (2e9 + 5_000_000 - 30_000), boundNs: 15_000 });
    // never after the read time
    expect(m.toHost(2e9 + 5_000_000 + 1e6, 2e9 + 100)).toBe(2e9 + 100);
  });

  it('the frames-learnt estimate: smallest read-minus-stamp, bounded by the smallest observed wait', () => {
    const m = new DeviceClockMap({ learnWindowNs: 1e9 });
    expect(m.estimate(0)).toMatchObject({ source: 'none', boundNs: Infinity });
    m.learn(10_000, 50_000, 45_000); // read 5 µs after the queue was seen empty
    m.learn(20_000, 58_000, 45_000);
    expect(m.estimate(60_000)).toMatchObject({ source: 'frames', offsetNs: 38_000 });
    expect(m.estimate(60_000).boundNs).toBeCloseTo(5_000 + 200e-6 * 1e9);
    expect(m.toHost(10_000, 50_000)).toBe(48_000);
  });
});
