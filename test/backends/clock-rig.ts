/**
 * A device clock against a host clock, deterministic: the mock ASIC in virtual time stands for the
 * device (its counter set by the test to D(t) = origin + (t - t0) x (1 + ppm)), a host clock that
 * moves on by `tickNs` at every read stands for the manager's (so a device-time read has a round
 * trip). The host polls every `pollNs`; frames arrive at random instants between polls. For each
 * frame: the true receive time on the host clock, what the backend delivered, and the estimate's
 * error bound when it was delivered.
 */
import type { Clock, TimerHandle } from '../../src/common/clock.js';
import type { FrameRx } from '../../src/common/frame-port.js';
import type { AsicBackend } from '../../src/backends/asic-binding/backend.js';
import type { AsicDevice } from '../../src/backends/asic-binding/device.js';
import { PORT_PUNT_ALL } from '../../src/backends/asic-binding/device.js';
import { ccmFrame, testMaid } from './frames.js';

export class TickClock implements Clock {
  /** runs after every tick (the rig moves the device on with the host) */
  onTick: (() => void) | null = null;
  constructor(public t: number, private readonly tickNs: number) {}
  nowNs(): number {
    const v = this.t;
    this.t += this.tickNs;
    this.onTick?.();
    return v;
  }
  setTimerAt(): TimerHandle {
    throw new Error('TickClock has no timers (the rig drives time itself)');
  }
  setTimer(): TimerHandle {
    throw new Error('TickClock has no timers (the rig drives time itself)');
  }
}

export interface ClockRun {
  /** per frame: delivered rxNs - true receive time (ns) */
  errorsNs: number[];
  /** per frame: the estimate's bound when it was delivered */
  boundsNs: number[];
  /** per frame: delivered rxNs - host time when the drain that delivered it ended (<= 0) */
  afterReadNs: number[];
  /** per frame: device stamp - true receive time (what the engine got before: the raw device time) */
  rawErrorsNs: number[];
  sources: string[];
}

/** xorshift32: the same run every time */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export async function runClock(o: {
  backend: AsicBackend;
  /** a handle with the mock extensions on the same device (advance, port rx) */
  device: AsicDevice;
  clock: TickClock;
  originNs: number;
  ppm: number;
  durationNs: number;
  pollNs: number;
  /** a frame arrives in one poll period out of this many */
  framesEvery: number;
  seed: number;
}): Promise<ClockRun> {
  const { backend, device, clock } = o;
  const t0 = clock.t;
  const D = (t: number) => Math.round(o.originNs + (t - t0) * (1 + o.ppm * 1e-6));
  const sync = () => {
    const d = D(clock.t) - device.mockNow();
    if (d > 0) device.mockAdvance(d);
  };
  clock.onTick = sync; // a device read between two host reads lies between them
  const rand = rng(o.seed);
  const got: FrameRx[] = [];
  const off = backend.frames.onReceive((rx) => got.push(rx));
  device.setPortFlags(0, PORT_PUNT_ALL);
  const frame = ccmFrame({ level: 3, mepId: 2, maid: testMaid('clock'), interval: 3 });
  const run: ClockRun = { errorsNs: [], boundsNs: [], afterReadNs: [], rawErrorsNs: [], sources: [] };
  sync();
  for (let k = 0; clock.t - t0 < o.durationNs; k++) {
    const start = clock.t;
    let trueRx: number | null = null;
    if (k % o.framesEvery === 0) {
      clock.t = start + Math.round(rand() * o.pollNs);
      sync();
      trueRx = clock.t;
      device.mockPortRx(0, frame); // stamped D(trueRx)
    }
    clock.t = start + o.pollNs;
    sync();
    const n = got.length;
    await backend.drain();
    const endNs = clock.t;
    if (trueRx === null) continue;
    if (got.length !== n + 1) throw new Error(`drain delivered ${got.length - n} frames, expected 1`);
    const rx = got[n];
    const est = backend.deviceClockEstimate(rx.rxNs);
    run.errorsNs.push(rx.rxNs - trueRx);
    run.boundsNs.push(est.boundNs);
    run.afterReadNs.push(rx.rxNs - endNs);
    run.rawErrorsNs.push(D(trueRx) - trueRx);
    run.sources.push(est.source);
  }
  off();
  clock.onTick = null;
  return run;
}
