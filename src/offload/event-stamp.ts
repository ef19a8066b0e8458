/**
 * The manager's event stream: hardware MEPs report device time, software MEPs the manager's
 * clock, and a status read may be stamped later than the next event the device queued. A
 * monitor expects a stream in time order, so each event goes out no earlier than the one before
 * it (atNs, device/manager time, ns), and carries the wall-clock time it was emitted at
 * (`wallTime`, ISO 8601 UTC) for operators and logs.
 */
import { formatEvent, type FaultEvent } from '../engine/events.js';

export type StampedFaultEvent = FaultEvent & { wallTime: string };

export class EventStamper {
  private lastNs = Number.NEGATIVE_INFINITY;

  stamp(e: FaultEvent): StampedFaultEvent {
    const atNs = Math.max(e.atNs, this.lastNs);
    this.lastNs = atNs;
    return { ...e, atNs, wallTime: new Date().toISOString() };
  }
}

/**
 * An event as one operator line, its source always shown: `   12.500000s md/ma/1 alarm
 * defRemoteCCM [hw]` for a hardware MEP, `[sw]` for a software one (the engine's, or the software
 * backend's under `cfm run`).
 */
export function formatSourcedEvent(e: FaultEvent): string {
  const line = formatEvent(e);
  return `${line.endsWith(' [hw]') ? line.slice(0, -5) : line} [${e.source === 'hardware' ? 'hw' : 'sw'}]`;
}

/** `cfm monitor`'s line: wall-clock time (UTC, when the manager emitted it), then formatSourcedEvent. */
export function monitorLine(e: FaultEvent & { wallTime?: string }): string {
  return `${e.wallTime ?? new Date().toISOString()} ${formatSourcedEvent(e).trimStart()}`;
}
