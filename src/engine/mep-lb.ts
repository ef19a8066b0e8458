/**
 * Loopback initiator of a MEP (802.1Q 20.29-20.31): sends LBMs (unicast, or class 1 multicast),
 * matches LBRs by transaction id and counts in-order, out-of-order and bad-MSDU replies. The LBR
 * responder itself is stateless (responders.ts). A session ends 5 s after its last LBM (the LBR
 * timeout) or as soon as every unicast LBM has its reply.
 */
import { CfmError } from '../common/errors.js';
import type { Tlv } from '../pdu/index.js';
import { buildFrame } from './frames.js';
import type { Mep } from './mep.js';
import { getU32 } from './responders.js';
import { cfmOffset, levelMcast, normMac, tlvEnd } from './wire.js';
import { bytesEqual } from '../pdu/bytes.js';

export interface LoopbackOptions {
  /** Destination MAC; or `targetMepId` (resolved through the CCM database); or multicast. */
  target?: string;
  targetMepId?: number;
  multicast?: boolean;
  /** Number of LBMs, 1..1024 (default 1). */
  count?: number;
  /** Time between LBMs, ms (default 1000). */
  intervalMs?: number;
  /** Data TLV content. */
  data?: Uint8Array;
  /** Test TLV (Y.1731 9.3): pattern type 0 null, 1 null+CRC, 2 PRBS, 3 PRBS+CRC; length in octets. */
  test?: { patternType: number; length: number };
  /** LBR timeout after the last LBM, ms (default 5000, 802.1Q 20.31). */
  timeoutMs?: number;
  /** Called for every LBR as it arrives (registered before the first LBM goes out). */
  onReply?: (r: LoopbackReply) => void;
}

export interface LoopbackResult {
  target: string;
  sent: number;
  received: number;
  outOfOrder: number;
  badMsdu: number;
  /** Round-trip times of the replies, ns, in arrival order. */
  rttNs: number[];
  done: boolean;
}

/** One LBR as it arrives (for ping-like output). */
export interface LoopbackReply {
  transactionId: number;
  /** Source MAC of the LBR (the responder; several with a multicast LBM). */
  fromMac: string;
  rttNs: number;
  outOfOrder: boolean;
  badMsdu: boolean;
}

export class LoopbackSession {
  readonly result: LoopbackResult;
  readonly firstId: number;
  private readonly waiters: Array<(r: LoopbackResult) => void> = [];
  private readonly replyListeners: Array<(r: LoopbackReply) => void> = [];
  constructor(target: string, firstId: number, readonly count: number, readonly multicast: boolean) {
    this.result = { target, sent: 0, received: 0, outOfOrder: 0, badMsdu: 0, rttNs: [], done: false };
    this.firstId = firstId;
  }
  /** Seed 001 operator line. */
  summary(): string {
    const r = this.result;
    return `Sent ${r.sent} packets, received ${r.received} packets [${r.outOfOrder} out-of-order, ${r.badMsdu} Bad Msdu]`;
  }
  onDone(fn: (r: LoopbackResult) => void): void {
    if (this.result.done) fn(this.result);
    else this.waiters.push(fn);
  }
  /** Called for every LBR of this session as it arrives. */
  onReply(fn: (r: LoopbackReply) => void): void {
    this.replyListeners.push(fn);
  }
  reply(r: LoopbackReply): void {
    for (const l of this.replyListeners) l(r);
  }
  finish(): void {
    if (this.result.done) return;
    this.result.done = true;
    for (const w of this.waiters) w(this.result);
  }
}

interface Outstanding {
  body: Uint8Array;   // PDU bytes after the transaction id (compared for bad MSDU)
  sentNs: number;
  session: LoopbackSession;
}

export class Loopback {
  private nextTransId = 1;
  /**
   * Highest transaction id answered so far (802.1Q 20.31.1 expectedLBRtransID, generalised so a
   * lost reply does not make every later one out-of-order: a reply is out of order when a later
   * LBM was already answered).
   */
  private highest = -1;
  private readonly outstanding = new Map<number, Outstanding>();

  constructor(private readonly mep: Mep) {}

  start(o: LoopbackOptions): LoopbackSession {
    const m = this.mep;
    const count = o.count ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 1024) throw new CfmError('USAGE', `loopback count ${count} is not 1..1024`);
    let target: string;
    if (o.multicast) target = levelMcast(m.level, 1);
    else if (o.target) target = normMac(o.target);
    else if (o.targetMepId !== undefined) {
      const r = m.findRemote(o.targetMepId);
      if (!r || r.mac === null) throw new CfmError('USAGE', `MEP ${m.key}: remote MEP ${o.targetMepId} has no MAC in the CCM database`);
      target = r.mac;
    } else throw new CfmError('USAGE', 'loopback needs a target MAC, a target MEP id or multicast');
    const session = new LoopbackSession(target, this.nextTransId, count, o.multicast === true);
    if (o.onReply) session.onReply(o.onReply);
    const tlvs: Tlv[] = [];
    if (o.data) tlvs.push({ type: 3, data: o.data });
    if (o.test) tlvs.push({ type: 32, patternType: o.test.patternType, length: o.test.length });
    const gapNs = (o.intervalMs ?? 1000) * 1e6;
    const timeoutNs = (o.timeoutMs ?? 5000) * 1e6;
    let i = 0;
    const sendOne = (): void => {
      const id = this.nextTransId;
      this.nextTransId = (this.nextTransId + 1) >>> 0;
      const frame = buildFrame(m.cfg, target, { opcode: 3, level: m.level, version: 0, flags: 0, transactionId: id, tlvs });
      this.outstanding.set(id, { body: msduAfterId(frame, cfmOffset(frame))!.slice(), sentNs: m.ctx.clock.nowNs(), session });
      m.counters.lbmOut++;
      m.sendFrame(frame);
      session.result.sent++;
      i++;
      if (i < count) m.ctx.clock.setTimer(gapNs, sendOne);
      else if (this.allAnswered(session)) session.finish();
      // a reply can arrive during sendFrame itself (two software MEPs of one switch, relayed
      // synchronously by the CPU side): it saw `sent` one short, so completion is checked here
      // too, or the session would wait out the LBR timeout for a reply it already has
      else {
        const t = m.ctx.clock.setTimer(timeoutNs, () => this.expire(session));
        session.onDone(() => t.cancel());
      }
    };
    sendOne();
    return session;
  }

  private expire(s: LoopbackSession): void {
    for (const [id, o] of this.outstanding) if (o.session === s) this.outstanding.delete(id);
    s.finish();
  }

  /** An LBR addressed to this MEP (802.1Q 20.31.1 ProcessLBR). */
  receiveLbr(b: Uint8Array, p: number): void {
    const m = this.mep;
    if (b.length < p + 8) return;
    const id = getU32(b, p + 4);
    const o = this.outstanding.get(id);
    if (!o) return; // not ours or timed out: discarded
    const s = o.session;
    // the reply's PDU after the transaction id up to its End TLV: Ethernet padding after the End
    // TLV (a short LBM is padded to 60 octets on the wire and a responder echoes the pad) is not
    // part of the CFM PDU, so it makes no bad MSDU (802.1Q 20.31.1)
    const tail = msduAfterId(b, p);
    const badMsdu = tail === null || !bytesEqual(tail, o.body);
    if (badMsdu) {
      m.counters.lbrBadMsdu++;
      s.result.badMsdu++;
    }
    const inOrder = this.highest < 0 || ((id - this.highest) >>> 0) < 0x80000000;
    if (inOrder) {
      this.highest = id;
      m.counters.lbrIn++;
    } else {
      m.counters.lbrInOutOfOrder++;
      s.result.outOfOrder++;
    }
    const rttNs = m.ctx.clock.nowNs() - o.sentNs;
    s.result.received++;
    s.result.rttNs.push(rttNs);
    s.reply({ transactionId: id, fromMac: srcMacOf(b), rttNs, outOfOrder: !inOrder, badMsdu });
    if (!s.multicast) this.outstanding.delete(id);
    if (this.allAnswered(s)) s.finish();
  }

  /** Every LBM of a unicast session sent and answered (802.1Q 20.31: no need to wait further). */
  private allAnswered(s: LoopbackSession): boolean {
    return !s.multicast && s.result.sent === s.count && s.result.received >= s.count;
  }
}

/** Source MAC of a frame, "aa:bb:cc:dd:ee:ff". */
function srcMacOf(frame: Uint8Array): string {
  const out: string[] = [];
  for (let i = 6; i < 12; i++) out.push(frame[i].toString(16).padStart(2, '0'));
  return out.join(':');
}

/**
 * The LBM / LBR PDU at `p` after its transaction id, through its End TLV (the part an LBR echoes,
 * 802.1Q 20.28.2); null when the TLVs run past the frame or there is no End TLV.
 */
function msduAfterId(b: Uint8Array, p: number): Uint8Array | null {
  const end = tlvEnd(b, p);
  return end < p + 8 ? null : b.subarray(p + 8, end);
}

export function ensureLb(m: Mep): Loopback {
  if (!m.lb) m.lb = new Loopback(m);
  return m.lb;
}
