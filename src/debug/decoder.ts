/**
 * The ETH-CFM debug decoder (seed 004). Frames of tagged MEPs/MIPs are copied into separate,
 * fixed-limit receive and transmit queues on the datapath; servicing a queue runs the codec's
 * multi-phase validity check and the debug renderer (src/pdu/debug.ts, lenient so must-be-zero
 * violations are decoded with all bits) and hands each valid decode to the log. Invalid frames
 * are counted, never decoded. The two queues are serviced independently: receive/transmit
 * correlation is not guaranteed. Sub-second CCMs are not decoded (seed 004), and cost no slot.
 */
import { classifyFrame } from '../cpu-protection/classify.js';
import { renderDebug } from '../pdu/debug.js';
import type { JsonObject } from '../pdu/json.js';
import { DecodeQueue, type QueueStats } from './queue.js';
import { tagMatches, type ResolvedTag } from './tags.js';

export type DebugDir = 'rx' | 'tx';

export interface DebugLogEntry {
  dir: DebugDir;
  port: string;
  /** Key of the tagged MP. */
  tag: string;
  atNs: number;
  /** The operator text block (first line: index, time, direction, opcode, MACs). */
  text: string;
  json: JsonObject;
  truncations: string[];
}

export type DebugSink = (e: DebugLogEntry) => void;

export interface DecoderOptions {
  tags?: ResolvedTag[];
  /** Fixed queue limits (frames), default 64 each. */
  rxLimit?: number;
  txLimit?: number;
  sink: DebugSink;
  /**
   * How servicing is scheduled after a frame is queued: 'immediate' (setImmediate, default),
   * 'manual' (call service()), or a function that runs its argument later (e.g. a Clock timer).
   */
  schedule?: 'immediate' | 'manual' | ((run: () => void) => void);
  /** Frames decoded per queue per service run (default: all waiting). */
  budget?: number;
}

export interface DecoderStats {
  rx: QueueStats;
  tx: QueueStats;
  tags: number;
}

export class DebugDecoder {
  private tags: ResolvedTag[];
  private readonly rx: DecodeQueue;
  private readonly tx: DecodeQueue;
  private readonly sink: DebugSink;
  private readonly schedule: DecoderOptions['schedule'];
  private readonly budget: number;
  private scheduled = false;
  private index = 0;

  constructor(o: DecoderOptions) {
    this.tags = [...(o.tags ?? [])];
    this.rx = new DecodeQueue(o.rxLimit ?? 64);
    this.tx = new DecodeQueue(o.txLimit ?? 64);
    this.sink = o.sink;
    this.schedule = o.schedule ?? 'immediate';
    this.budget = o.budget ?? Number.POSITIVE_INFINITY;
  }

  setTags(tags: ResolvedTag[]): void {
    this.tags = [...tags];
  }

  get tagged(): readonly ResolvedTag[] {
    return this.tags;
  }

  /** Datapath: a frame received for the engine (after squelch and CPU protection). */
  onRx(port: string, frame: Uint8Array, atNs: number): void {
    this.offer('rx', this.rx, port, frame, atNs);
  }

  /** Datapath: a frame the engine sends. */
  onTx(port: string, frame: Uint8Array, atNs: number): void {
    this.offer('tx', this.tx, port, frame, atNs);
  }

  private offer(dir: DebugDir, q: DecodeQueue, port: string, frame: Uint8Array, atNs: number): void {
    if (this.tags.length === 0) return;
    const k = classifyFrame(frame);
    if (!k) return;
    const tag = this.tags.find((t) => tagMatches(t, dir, port, k.vlan, k.level));
    if (!tag) return;
    if (k.opcode === 1) {
      // flags byte: 2 bytes after the level/opcode octets; interval code 1..3 = sub-second
      const off = flagsOffset(frame);
      const interval = off < frame.length ? frame[off] & 7 : 0;
      if (interval >= 1 && interval <= 3) {
        q.stats.skipped++;
        return;
      }
    }
    if (q.push({ port, frame: Uint8Array.from(frame), atNs, tag: tag.key })) this.kick();
  }

  private kick(): void {
    if (this.scheduled || this.schedule === 'manual') return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.service();
    };
    if (this.schedule === 'immediate' || this.schedule === undefined) setImmediate(run);
    else this.schedule(run);
  }

  /** Decode what is queued (each queue on its own, up to the budget). Returns frames decoded. */
  service(): number {
    return this.drain('rx', this.rx) + this.drain('tx', this.tx);
  }

  private drain(dir: DebugDir, q: DecodeQueue): number {
    let n = 0;
    for (let i = 0; i < this.budget; i++) {
      const f = q.shift();
      if (!f) break;
      const r = renderDebug(f.frame, { lenient: true, direction: dir, index: ++this.index, timeSec: f.atNs / 1e9 });
      if (!r.valid) {
        q.stats.invalid++;
        continue;
      }
      q.stats.decoded++;
      n++;
      this.sink({ dir, port: f.port, tag: f.tag, atNs: f.atNs, text: r.text, json: r.json, truncations: r.truncations });
    }
    return n;
  }

  stats(): DecoderStats {
    return { rx: { ...this.rx.stats }, tx: { ...this.tx.stats }, tags: this.tags.length };
  }
}

/** Offset of the CFM flags byte (after up to two VLAN tags). */
function flagsOffset(b: Uint8Array): number {
  let p = 12;
  while (p + 2 <= b.length && (((b[p] << 8) | b[p + 1]) === 0x8100 || ((b[p] << 8) | b[p + 1]) === 0x88a8)) p += 4;
  return p + 4;
}
