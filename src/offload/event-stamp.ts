/**
 * The manager's event stream: hardware MEPs report device time, software MEPs the manager's
 * clock, and a status read may be stamped later than the next event the device queued. A
 * monitor expects a stream in time order, so each event goes out no earlier than the one before
 * it (atNs, device/manager time, ns), and carries the wall-clock time it was emitted at
 * (`wallTime`, ISO 8601 UTC) for operators and logs.
 */
import type { FaultEvent } from '../engine/events.js';

export type StampedFaultEvent = FaultEvent & { wallTime: string };

export class EventStamper {
  private lastNs = Number.NEGATIVE_INFINITY;

  stamp(e: FaultEvent): StampedFaultEvent {
    const atNs = Math.max(e.atNs, this.lastNs);
    this.lastNs = atNs;
    return { ...e, atNs, wallTime: new Date().toISOString() };
  }
}
