/**
 * One drain of a vendor-ABI device (AsicBackend.pump): its hardware events, then its punted
 * frames, each stamped with its device time mapped onto the manager's clock (receive-clock.ts).
 * The generators run inside one operation of the handle (calls.ts), here or on the thread pool.
 */
import type { FrameRx } from '../../common/frame-port.js';
import type { HwEvent } from '../types.js';
import type { CallGen } from './calls.js';
import { eventOf, type PortMap } from './convert.js';
import type { AsicDeviceBase } from './device-base.js';
import { EVENT_INJECT_STOPPED, type AsicInjector } from './inject.js';
import type { PuntedFrames } from './punted.js';
import type { ReceiveClock } from './receive-clock.js';

/** A device time onto the host clock, never after readNs (AsicBackend.hostTimeOf: subclasses may know better). */
export type HostTimeOf = (deviceNs: number, readNs: number) => number;

/** The device's pending events appended to `out`; an injection's stop goes to the injector instead. */
export function* gDrainEvents(dev: AsicDeviceBase, clock: ReceiveClock, out: HwEvent[], injector: AsicInjector | undefined, hostTimeOf: HostTimeOf): CallGen<void> {
  const raws = yield* dev.gPollEvents();
  const polledNs = clock.host.nowNs();
  for (const raw of raws) {
    if (raw.kind === EVENT_INJECT_STOPPED) {
      injector?.stopped(raw.value);
      continue;
    }
    const ev = eventOf(raw);
    if (!ev) continue;
    // device time -> the manager's clock, as for frames (a hardware MEP's FNG runs from it)
    ev.atNs = hostTimeOf(ev.atNs, polledNs);
    out.push(ev);
  }
}

/** The device's punted frames, until its queue is empty, to `punted`. */
export function* gDrainPunted(dev: AsicDeviceBase, ports: PortMap, clock: ReceiveClock, punted: PuntedFrames, hostTimeOf: HostTimeOf): CallGen<void> {
  // frames read now were not queued yet when the previous drain found the queue empty
  const notBeforeNs = clock.rxEmptyAtNs;
  for (;;) {
    const callNs = clock.host.nowNs();
    const f = yield* dev.gFrameRx();
    if (!f) {
      clock.rxEmptyAtNs = callNs;
      break;
    }
    // read by now on the host (an upper bound of the read time: it is after the call returned)
    const readNs = clock.host.nowNs();
    const deviceNs = Number(f.info.time_ns);
    clock.learn(deviceNs, readNs, notBeforeNs);
    // a frame punted by an up MEP came to it through the relay (802.1Q 19.2)
    const from = f.info.voe !== 0 && (yield* gVoeIsUp(dev, f.info.voe)) ? 'relay' : 'wire';
    const rx: FrameRx = { port: ports.toName(f.info.port), frame: f.frame, from, rxNs: hostTimeOf(deviceNs, readNs) };
    punted.deliver(rx);
  }
}

function* gVoeIsUp(dev: AsicDeviceBase, voe: number): CallGen<boolean> {
  try {
    return (yield* dev.gVoeConfGet(voe)).direction === 1;
  } catch {
    return false; // freed meanwhile
  }
}
