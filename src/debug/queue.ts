/**
 * A fixed-limit decode queue (seed 004): the datapath only copies a frame in; decoding happens
 * when the queue is serviced. A full queue never blocks or grows: the frame is counted as a
 * queue exception and dropped from debugging (not from the datapath).
 */
export interface QueuedFrame {
  port: string;
  frame: Uint8Array;
  atNs: number;
  /** Key of the tagged MP the frame belongs to. */
  tag: string;
}

export interface QueueStats {
  limit: number;
  /** Frames waiting now. */
  depth: number;
  enqueued: number;
  /** Overflows: frames not queued because the queue was full. */
  exceptions: number;
  decoded: number;
  /** Frames that failed the multi-phase validity check (not decoded). */
  invalid: number;
  /** Sub-second CCMs, which the decoder does not handle (seed 004). */
  skipped: number;
}

export class DecodeQueue {
  private items: QueuedFrame[] = [];
  private head = 0;
  readonly stats: QueueStats;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`decode queue limit must be a positive integer, got ${limit}`);
    this.stats = { limit, depth: 0, enqueued: 0, exceptions: 0, decoded: 0, invalid: 0, skipped: 0 };
  }

  /** false = queue full, counted as an exception. */
  push(q: QueuedFrame): boolean {
    if (this.stats.depth >= this.limit) {
      this.stats.exceptions++;
      return false;
    }
    this.items.push(q);
    this.stats.depth++;
    this.stats.enqueued++;
    return true;
  }

  shift(): QueuedFrame | undefined {
    if (this.head >= this.items.length) return undefined;
    const q = this.items[this.head++];
    this.stats.depth--;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return q;
  }
}
