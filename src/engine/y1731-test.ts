/**
 * One on-demand Y.1731 test from an engine MEP (a software MEP, or the engine part of a hardware
 * MEP, whose VOE punts the replies to the CPU; used by the manager, src/offload/y1731, and by
 * `cfm sim` scenarios): sends `count` frames `intervalMs` apart, observes
 * the replies through the engine's PM tap (src/engine/pm-tap.ts) and computes the result the
 * way Y.1731 8.1-8.2 defines it. The session ends `timeoutMs` after its last frame, or as soon as
 * every frame of a two-way test has its reply.
 */
import { fieldClockNs, fieldDiffNs, isZeroTs, todOf } from './dm-time.js';
import { newestKey, voeRxFcl } from './hw-stamps.js';
import type { Clock, TimerHandle } from '../common/clock.js';
import { buildFrame } from './frames.js';
import type { Mep } from './mep.js';
import { testTlvIntact } from './mep-tst.js';
import { tapPm } from './pm-tap.js';
import { getTimestampNs, getU32 } from './responders.js';
import { cfmOffset, macToBytes, tlvEnd } from './wire.js';
import { bytesEqual } from '../pdu/bytes.js';
import type { Pdu, Timestamp, Tlv } from '../pdu/index.js';
import { delayStats, lossStats, type LmSample } from './y1731-stats.js';
import type { TestKind, Y1731TestOptions, Y1731TestResult } from './y1731-test-types.js';

const ZERO: Timestamp = { seconds: 0, nanoseconds: 0 };
const REPLY: Partial<Record<TestKind, number>> = { dmm: 46, lmm: 42, slm: 54 };


/**
 * Whether the reply came from `target` (its source address): two tests of one MEP towards
 * different peers run at the same instants carry the same timestamps / counters, so only the
 * responder tells their replies apart.
 */
export function fromTarget(b: Uint8Array, target: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (b[6 + i] !== target[i]) return false;
  return true;
}

/** The TLV bytes of the PDU at `p`, up to and including the End TLV (padding excluded); null when malformed. */
export function tlvRegion(b: Uint8Array, p: number): Uint8Array | null {
  const end = tlvEnd(b, p);
  return end < 0 ? null : b.subarray(p + 4 + b[p + 3], end);
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && bytesEqual(a, b);
}

/** The TLVs a test frame carries: a Data TLV (counting pattern) or a Test TLV. */
export function testTlvs(o: Y1731TestOptions, kind: TestKind): Tlv[] {
  if (o.dataSize !== undefined) return [{ type: 3, data: Uint8Array.from({ length: o.dataSize }, (_, i) => i & 0xff) }];
  const t = o.test ?? (kind === 'tst' ? { patternType: 0, length: 64 } : undefined);
  return t ? [{ type: 32, patternType: t.patternType, length: t.length }] : [];
}

/** The PDU of frame `i` (0-based) of a `kind` test from `m` (timestamps / counters taken now). */
export function testPdu(m: Mep, kind: TestKind, i: number, o: Y1731TestOptions): Pdu {
  const base = { level: m.level, version: 0, flags: 0, tlvs: testTlvs(o, kind) };
  // DM timestamps: the time of day (Y.1731 8.2, PTP representation), dm-time.ts
  const now: Timestamp = todOf(m.ctx.clock);
  switch (kind) {
    case 'dmm': return { ...base, opcode: 47, txTimestampF: now, rxTimestampF: ZERO, txTimestampB: ZERO, rxTimestampB: ZERO };
    case '1dm': return { ...base, opcode: 45, txTimestampF: now, rxTimestampF: ZERO };
    // TxFCf: the frames this MEP sent, this LMM included (Y.1731 8.1.2, as the engine counts them).
    case 'lmm': return { ...base, opcode: 43, txFCf: (m.txFrames + 1) >>> 0, rxFCf: 0, txFCb: 0 };
    // SLM TxFCf: SLMs sent in this test, from 1 (Y.1731 8.1.3).
    case 'slm': return { ...base, opcode: 55, srcMepId: m.cfg.mepId, rspMepId: 0, testId: o.testId ?? 1, txFCf: (i + 1) >>> 0, txFCb: 0 };
    case 'tst': return { ...base, opcode: 37, seq: i >>> 0 };
  }
}

/**
 * Y.1731 8.2.2 two-way frame delay of the DMR at `p` received at `rxNs` (on `clock`'s count):
 * FD = (RxTimeb - TxTimeStampf) - (TxTimeStampb - RxTimeStampf); a responder that leaves both of
 * its fields at 0 gives the plain round trip. RxTimeb: the RxTimeStampb a VOE with hardware DM
 * wrote (9.15 "reserved for DMR receiving equipment"; then TxTimeStampf is its stamp too, in the
 * same clock), else the receive time. Each difference is taken within one clock: the offsets of
 * the two systems' clocks cancel, and no time of day goes through a lossy JS number.
 */
export function dmrDelayNs(clock: Clock, b: Uint8Array, p: number, rxNs: number): number {
  const turnNs = isZeroTs(b, p + 12) && isZeroTs(b, p + 20) ? 0 : fieldDiffNs(b, p + 20, p + 12);
  const voeRxB = b.length >= p + 36 && !isZeroTs(b, p + 28);
  const outAndBackNs = voeRxB ? fieldDiffNs(b, p + 28, p + 4) : rxNs - fieldClockNs(clock, b, p + 4);
  return outAndBackNs - turnNs;
}

/** The frame of a test PDU to `o.target`, with the test's priority when given. */
export function testFrame(m: Mep, o: { target: string; priority?: number }, pdu: Pdu): Uint8Array {
  return buildFrame(o.priority === undefined ? m.cfg : { ...m.cfg, priority: o.priority }, o.target, pdu);
}

export class TestSession {
  readonly result: Y1731TestResult;
  private readonly waiters: Array<(r: Y1731TestResult) => void> = [];
  private readonly timers = new Set<TimerHandle>();
  private untap: (() => void) | null = null;
  /** DMM: TxTimeStampf -> send index; LMM: TxFCf -> send index; SLM: TxFCf -> send index. */
  private readonly outstanding = new Map<number, number>();
  private highest = -1;
  private sentTlvs: Uint8Array | null = null;
  private readonly delays: Array<[number, number]> = [];
  private readonly lm: LmSample[] = [];
  private slrs = 0;
  private readonly targetBytes: Uint8Array;

  /**
   * `hwLm`: the MEP's VOE counts LM frames (docs/vendor-abi.md 5c): it rewrites TxFCf, so LMRs are
   * matched to the newest LMM awaiting one (hw-stamps.ts), and RxFCl is what the VOE wrote after
   * the LMR. `hwDm`: its VOE timestamps DM frames (in its own clock, maybe not the engine's): a DMR
   * whose TxTimeStampf matches no DMM sent answers the newest DMM awaiting one.
   */
  constructor(private readonly mep: Mep, readonly kind: TestKind, private readonly o: Y1731TestOptions & { target: string; hwLm?: boolean; hwDm?: boolean }) {
    this.targetBytes = macToBytes(o.target);
    this.result = { kind, mep: mep.key, target: o.target, sent: 0, received: 0, outOfOrder: 0, errored: 0, done: false, completed: false };
    if (kind === 'slm') this.result.testId = o.testId ?? 1;
  }

  get count(): number {
    return this.o.count ?? 10;
  }

  onDone(fn: (r: Y1731TestResult) => void): void {
    if (this.result.done) fn(this.result);
    else this.waiters.push(fn);
  }

  start(): this {
    const reply = REPLY[this.kind];
    if (reply !== undefined) this.untap = tapPm(this.mep, (op, b, p, rxNs) => { if (op === reply) this.onReply(b, p, rxNs); });
    const gapNs = (this.o.intervalMs ?? 1000) * 1e6;
    const step = (): void => {
      this.sendOne(this.result.sent);
      this.result.sent++;
      if (this.result.sent < this.count) this.timer(gapNs, step);
      // a reply can arrive during sendOne itself (a synchronous relay between two software MEPs
      // of one switch): onReply saw `sent` one short, so the last reply is checked for here too
      else if (reply === undefined || this.allAnswered()) this.finish();
      else this.timer((this.o.timeoutMs ?? 5000) * 1e6, () => this.finish());
    };
    step();
    return this;
  }

  /** Stop now (manager closing): the result so far, done. */
  stop(): void {
    this.finish();
  }

  private timer(ns: number, fn: () => void): void {
    const h = this.mep.ctx.clock.setTimer(ns, () => {
      this.timers.delete(h);
      fn();
    });
    this.timers.add(h);
  }

  private sendOne(i: number): void {
    const m = this.mep;
    const pdu = testPdu(m, this.kind, i, this.o);
    const frame = testFrame(m, this.o, pdu);
    if (this.sentTlvs === null) this.sentTlvs = tlvRegion(frame, cfmOffset(frame))?.slice() ?? null;
    // DMM: keyed by the TxTimeStampf the frame carries (the DMR echoes it, Y.1731 8.2.2), not a
    // second clock reading: on a real clock that one is a few µs later and no DMR would match.
    if (this.kind === 'dmm') this.outstanding.set(getTimestampNs(frame, cfmOffset(frame) + 4), i);
    else if (this.kind === 'lmm') this.outstanding.set((pdu as { txFCf: number }).txFCf, i);
    else if (this.kind === 'slm') this.outstanding.set(i + 1, i);
    m.sendFrame(frame);
  }

  private onReply(b: Uint8Array, p: number, rxNs: number): void {
    if (this.result.done || !fromTarget(b, this.targetBytes)) return;
    if (this.kind === 'slm') {
      // SLR for our source MEP id and test id only (Y.1731 8.1.3: test id separates concurrent tests).
      if (b.length < p + 20 || (((b[p + 4] << 8) | b[p + 5]) & 0x1fff) !== this.mep.cfg.mepId || getU32(b, p + 8) !== this.result.testId) return;
    }
    const hwLm = this.kind === 'lmm' && this.o.hwLm === true;
    let key = this.kind === 'dmm' ? getTimestampNs(b, p + 4) : getU32(b, p + (this.kind === 'slm' ? 12 : 4));
    // a VOE stamping in its own clock rewrote TxTimeStampf: the newest DMM awaiting a reply
    const hwDm = this.kind === 'dmm' && this.o.hwDm === true && !this.outstanding.has(key);
    if (hwLm || hwDm) key = newestKey(this.outstanding) ?? -1;
    const idx = this.outstanding.get(key);
    if (idx === undefined) return; // not ours, or answered already
    this.outstanding.delete(key);
    const r = this.result;
    r.received++;
    const inOrder = idx > this.highest;
    if (inOrder) this.highest = idx;
    else r.outOfOrder++;
    const tlvs = tlvRegion(b, p);
    const t = tlvs && tlvs.length > 1 && tlvs[0] === 32 ? p + 4 + b[p + 3] : -1;
    if (!sameBytes(tlvs, this.sentTlvs) || (t >= 0 && !testTlvIntact(b, t))) r.errored++;
    if (this.kind === 'dmm') {
      this.delays.push([idx, dmrDelayNs(this.mep.ctx.clock, b, p, rxNs)]);
    } else if (this.kind === 'lmm' && inOrder) {
      const rxFCl = hwLm ? voeRxFcl(b, p) : this.mep.rxFrames;
      if (rxFCl !== undefined) this.lm.push({ txFCf: getU32(b, p + 4), rxFCf: getU32(b, p + 8), txFCb: getU32(b, p + 12), rxFCl });
    } else if (this.kind === 'slm') {
      this.slrs++;
      // SLM: TxFCf = SLMs sent, TxFCb = SLMs the responder counted, RxFCl = SLRs received here.
      if (inOrder) this.lm.push({ txFCf: key, rxFCf: 0, txFCb: getU32(b, p + 16), rxFCl: this.slrs });
    }
    if (this.allAnswered()) this.finish();
  }

  /** Every frame of a two-way test sent and answered: the result is complete (Y.1731 8.1-8.2). */
  private allAnswered(): boolean {
    return this.result.sent === this.count && this.result.received >= this.count;
  }

  private finish(): void {
    const r = this.result;
    if (r.done) return;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.untap?.();
    this.untap = null;
    if (this.kind === 'dmm') {
      const d = this.delays.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
      r.delaysNs = d;
      r.delay = delayStats(d);
    }
    if (this.kind === 'lmm' || this.kind === 'slm') r.loss = lossStats(this.lm, this.kind === 'slm');
    r.done = true;
    const enough = this.kind === 'lmm' ? 2 : this.kind === 'dmm' || this.kind === 'slm' ? 1 : 0;
    r.completed = r.sent === this.count && r.received >= enough;
    for (const w of this.waiters.splice(0)) w(r);
  }
}
