/**
 * Device receive times onto the manager's clock.
 *
 * A punted frame carries the device's own time (cfm_frame_info.time_ns, native/asic/cfm_asic.h),
 * a free-running counter of any origin and a rate that differs from the host's by its crystal's
 * error. The engine decides loss of continuity on receive times against rMEPwhile deadlines on
 * the manager's clock (802.1Q 20.19 / 20.20, src/engine/continuity.ts): a constant offset between
 * the two would move every software MEP's LOC by that much. The offset is estimated two ways:
 *
 *  - Optional group "clock" (cfm_asic_time_get): the host clock read just before (b) and after (a)
 *    the device read d. The true offset lies in [b - d, a - d]; the midpoint errs by at most half
 *    the round trip. The sample with the smallest round trip is kept; for a time t its bound grows
 *    by the drift bound (driftPpm x |t - time of the read|), and a fresher sample replaces it once that is better, so
 *    drift is followed by the periodic refresh (`needsSample`).
 *  - Learnt from the frames (shims without the group): every frame's read time r (host, known to be
 *    after its receive) gives r - d >= the true offset; the minimum over the recent window is the
 *    estimate. A receive time mapped with it is late by the smallest read delay in the window
 *    (never early, but for drift: +- driftPpm x window). That delay is bounded by what the host
 *    saw: a frame read at r that was not yet queued when an earlier cfm_frame_rx found the queue
 *    empty (host time e before that call) waited at most r - e; the bound is the smallest r - e
 *    in the window. (A device that stamps a frame at the port and queues it later adds that
 *    internal delay: microseconds on a switch.)
 *
 * Either way a receive time is never put after the time its frame was read (`toHost` clamps).
 */

export interface DeviceClockOptions {
  /** Bound of the rate difference device vs host, ppm (default 200: two +-100 ppm crystals). */
  driftPpm?: number;
  /** Frames learnt over this window of host time, ns (default 2 s). */
  learnWindowNs?: number;
  /** Read the device time again after this long, ns (default 1 s). */
  refreshNs?: number;
}

/** How the current estimate was made, and its error bound (ns) now. */
export interface DeviceClockEstimate {
  source: 'device-read' | 'frames' | 'none';
  /** host time = device time + offsetNs */
  offsetNs: number;
  /** |mapped - true| <= boundNs (Infinity: nothing known yet). */
  boundNs: number;
}

interface Sample {
  offsetNs: number;
  halfRttNs: number;
  atNs: number;
}

const BUCKETS = 4;

export class DeviceClockMap {
  private readonly driftPerNs: number;
  private readonly windowNs: number;
  private readonly refreshNs: number;
  private best: Sample | null = null;
  private lastSampleNs = -Infinity;
  /** Frame-learnt minima of (read - device) per bucket of windowNs / BUCKETS, newest last. */
  private readonly buckets: { startNs: number; minOffsetNs: number; minWaitNs: number }[] = [];

  constructor(o: DeviceClockOptions = {}) {
    this.driftPerNs = (o.driftPpm ?? 200) * 1e-6;
    this.windowNs = o.learnWindowNs ?? 2e9;
    this.refreshNs = o.refreshNs ?? 1e9;
  }

  /** Forget everything (a new host clock, a device that was reset). */
  reset(): void {
    this.best = null;
    this.lastSampleNs = -Infinity;
    this.buckets.length = 0;
  }

  /** Is a device-time read due (never read, or refreshNs since the last)? */
  needsSample(hostNowNs: number): boolean {
    return hostNowNs - this.lastSampleNs >= this.refreshNs;
  }

  /** A cfm_asic_time_get answer `deviceNs` read between host times beforeNs and afterNs. */
  addSample(beforeNs: number, deviceNs: number, afterNs: number): void {
    this.lastSampleNs = afterNs;
    if (!(afterNs >= beforeNs)) return; // a clock that went back: no bound from this one
    const s: Sample = { offsetNs: (beforeNs + afterNs) / 2 - deviceNs, halfRttNs: (afterNs - beforeNs) / 2, atNs: afterNs };
    if (!this.best || s.halfRttNs <= this.sampleBound(this.best, afterNs)) this.best = s;
  }

  /**
   * A frame stamped deviceNs that the host had read by readNs, and that was not queued yet at host
   * time notBeforeNs (-Infinity: unknown).
   */
  learn(deviceNs: number, readNs: number, notBeforeNs = -Infinity): void {
    const off = readNs - deviceNs;
    const wait = readNs - notBeforeNs;
    const width = this.windowNs / BUCKETS;
    const last = this.buckets[this.buckets.length - 1];
    if (last && readNs - last.startNs < width) {
      if (off < last.minOffsetNs) last.minOffsetNs = off;
      if (wait < last.minWaitNs) last.minWaitNs = wait;
    } else {
      this.buckets.push({ startNs: readNs, minOffsetNs: off, minWaitNs: wait });
    }
    while (this.buckets.length > 0 && readNs - this.buckets[0].startNs >= this.windowNs) this.buckets.shift();
  }

  /** The current estimate, its bound for a host time atNs (the rates drift apart from the read on). */
  estimate(atNs: number): DeviceClockEstimate {
    if (this.best) return { source: 'device-read', offsetNs: this.best.offsetNs, boundNs: this.sampleBound(this.best, atNs) };
    if (this.buckets.length === 0) return { source: 'none', offsetNs: 0, boundNs: Infinity };
    let min = Infinity;
    let wait = Infinity;
    for (const b of this.buckets) {
      if (b.minOffsetNs < min) min = b.minOffsetNs;
      if (b.minWaitNs < wait) wait = b.minWaitNs;
    }
    // late by the smallest read delay in the window (<= the smallest observed wait), plus what the
    // rates may have drifted apart over the window
    return { source: 'frames', offsetNs: min, boundNs: wait + this.driftPerNs * this.windowNs };
  }

  /** Device time -> host time for a frame read by readNs (never after readNs). */
  toHost(deviceNs: number, readNs: number): number {
    const off = this.best ? this.best.offsetNs : this.frameOffset();
    if (off === null) return readNs;
    const t = deviceNs + off;
    return t < readNs ? t : readNs;
  }

  private frameOffset(): number | null {
    let min: number | null = null;
    for (const b of this.buckets) if (min === null || b.minOffsetNs < min) min = b.minOffsetNs;
    return min;
  }

  private sampleBound(s: Sample, nowNs: number): number {
    return s.halfRttNs + this.driftPerNs * Math.abs(nowNs - s.atNs);
  }
}
