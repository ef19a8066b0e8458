/**
 * LOC of a silent peer of a software MEP on the real-time mock ASIC, on the manager's clock
 * (802.1Q 20.20: rMEPwhile 3.5 intervals after the last CCM; the engine's grid declares it at
 * 3.375..3.5, src/engine/continuity.ts). The dut's device counter starts an hour away from the
 * host's (and the manager's RealClock starts later than the device anyway: the 4.2 ms measured
 * before was that origin mismatch); receive times reach the engine mapped by the "clock" group
 * (asic-binding/device-clock.ts), so the LOC is where the standard puts it, not an hour (or 4 ms)
 * late. The LOC time is the engine's event (the deadline); the manager's stream keeps events in
 * time order, so there it may carry the time of the defect event emitted just before it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultEvent } from '../../src/engine/events.js';
import { slowRig, waitFor, type SlowRig } from './slow-rig.js';

let rig: SlowRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe('software MEP on the real-time mock: LOC on the manager clock', () => {
  it('a silent peer (100 ms CCMs) is declared lost 3.25-3.5 intervals after its last CCM arrived', async () => {
    const r = (rig = await slowRig({ latencyUs: 0, interrupt: false, softwareMeps: 1, swInterval: 3, serviceVoes: 64, mock: { deviceTimeOriginS: 3600 } }));
    const events: FaultEvent[] = [];
    r.dutMgr.engine.onEvent((e) => events.push(e));
    const rx = () => r.ccmRxMs.get(100) ?? [];
    await waitFor(() => rx().length >= 6, 5000, 'the peer CCMs at the dut');
    const est = r.dut.deviceClockEstimate();
    expect(est.source).toBe('device-read');
    expect(est.boundNs).toBeLessThan(2e6);
    // manager clock <-> performance.now(): both CLOCK_MONOTONIC
    const offNs = r.dutMgr.clock.nowNs() - performance.now() * 1e6;
    const isLoc = (e: FaultEvent) => e.type === 'remote-mep' && e.state === 'failed' && e.mep === r.softwareKeys[0];
    expect(events.filter(isLoc), 'no LOC while the CCMs came').toEqual([]);
    await r.peerMgr.close(); // the peer stops sending
    await waitFor(() => events.some(isLoc), 3000, 'the LOC');
    const loc = events.find(isLoc)!;
    // the cable records a CCM just before it puts it on the dut's port (cfm_mock_port_rx stamps it)
    const lastArrivalNs = rx()[rx().length - 1] * 1e6 + offNs;
    const afterIntervals = (loc.atNs - lastArrivalNs) / 100e6;
    // tolerance: the mapping (~10 µs measured, bound ~0.1 ms) and the µs from the record to the stamp
    expect(afterIntervals).toBeGreaterThanOrEqual(3.25);
    expect(afterIntervals).toBeLessThanOrEqual(3.5 + 0.001); // 0.1 ms: the raw device time was 0.3-4 ms late
  });
});
