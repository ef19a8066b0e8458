/**
 * The device clock as AsicBackend uses it: punted frames' and events' device times onto the
 * manager's clock (DeviceClockMap, device-clock.ts), kept fresh by reads of the device time
 * (optional group "clock", cfm_asic_time_get) during drains, else learnt from the frames.
 */
import type { Clock } from '../../common/clock.js';
import type { AsicDeviceBase } from './device-base.js';
import { DeviceClockMap, type DeviceClockEstimate } from './device-clock.js';

/** Device-time reads per refresh of the estimate (the one with the smallest round trip counts). */
const SAMPLE_READS = 3;
/** A device-time read slower than this ends the burst (it runs on the event loop). */
const SLOW_READ_NS = 200_000;

export class ReceiveClock {
  private readonly map = new DeviceClockMap();
  /** The shim has the "clock" group and the device answered it (not ENOTSUP, no failure). */
  private timeReadable: boolean;
  /** Host time just before the last cfm_frame_rx that found the punt queue empty. */
  rxEmptyAtNs = -Infinity;

  constructor(
    private readonly dev: AsicDeviceBase,
    /** The clock receive times are given on (the manager's once it calls use). */
    public host: Clock,
    /** A failed device-time read (the backend's process warning; frames are learnt from then on). */
    private readonly onFailure: (what: string, e: unknown) => void,
  ) {
    this.timeReadable = dev.hasTimeGet;
  }

  /** Give times on `clock` from now on; the estimate starts again. */
  use(clock: Clock): void {
    if (clock === this.host) return;
    this.host = clock;
    this.map.reset();
    this.rxEmptyAtNs = -Infinity;
  }

  estimate(atNs?: number): DeviceClockEstimate {
    return this.map.estimate(atNs ?? this.host.nowNs());
  }

  /** Refresh the estimate when it is due (before reading frames stamped with the device time). */
  sampleIfDue(): void {
    if (this.timeReadable && this.map.needsSample(this.host.nowNs())) this.sample();
  }

  /** A frame with device time `deviceNs` read by `readNs`, not queued before `notBeforeNs` (device-clock.ts). */
  learn(deviceNs: number, readNs: number, notBeforeNs: number): void {
    this.map.learn(deviceNs, readNs, notBeforeNs);
  }

  toHost(deviceNs: number, readNs: number): number {
    return this.map.toHost(deviceNs, readNs);
  }

  /**
   * Device-time reads between two host-clock reads (group "clock"), the best of SAMPLE_READS.
   * Called inside an operation (the drain), so no other call of this handle is under way; made
   * here on the event loop, not on the thread pool: a pool round trip would add the hop and the
   * event loop's latency to the bound (ms on a busy host), a counter read costs microseconds.
   */
  sample(): void {
    for (let i = 0; i < SAMPLE_READS && this.timeReadable; i++) {
      const beforeNs = this.host.nowNs();
      let deviceNs: number | null;
      try {
        deviceNs = this.dev.timeGetNow();
      } catch (e) {
        this.timeReadable = false; // learn from the frames instead
        this.onFailure('cfm_asic_time_get (receive times are learnt from the frames instead)', e);
        return;
      }
      const afterNs = this.host.nowNs();
      if (deviceNs === null) this.timeReadable = false;
      else this.map.addSample(beforeNs, deviceNs, afterNs);
      // a read that is not a quick counter read (a slow SDK): do not hold the event loop again
      if (afterNs - beforeNs > SLOW_READ_NS) break;
    }
  }
}
