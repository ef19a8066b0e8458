/**
 * Where decoded debug entries go: a bounded in-memory ring (for a status view), or a file
 * (text blocks or JSON lines). File writes are synchronous appends, done when a queue is
 * serviced, never on the datapath.
 */
import { appendFileSync } from 'node:fs';
import type { DebugLogEntry, DebugSink } from './decoder.js';

export class RingLog {
  private readonly buf: DebugLogEntry[] = [];
  constructor(readonly capacity = 1000) {}
  readonly sink: DebugSink = (e) => {
    this.buf.push(e);
    if (this.buf.length > this.capacity) this.buf.shift();
  };
  entries(): DebugLogEntry[] {
    return [...this.buf];
  }
}

/** Operator text blocks, one per frame, separated by a blank line. */
export function textFileSink(path: string): DebugSink {
  return (e) => appendFileSync(path, `${e.text}\n\n`);
}

/** One JSON object per line: {dir, port, tag, atNs, frame, truncations}. */
export function jsonLinesSink(path: string): DebugSink {
  return (e) => appendFileSync(path, JSON.stringify({ dir: e.dir, port: e.port, tag: e.tag, atNs: e.atNs, frame: e.json, truncations: e.truncations }) + '\n');
}
