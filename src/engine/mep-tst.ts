/**
 * The receiving side of the Y.1731 tests that have no reply: ETH-Test (TST, 7.5 / 9.9) and
 * one-way delay (1DM, 8.2.1 / 9.14). A MEP that receives them keeps, per source MAC, the counts
 * of the current receive session so an operator can read them on the receiving switch:
 *  - TST: frames received, out of order (sequence number below one already seen), errored (a
 *    Test TLV whose CRC-32 does not match, or, without CRC, whose null / PRBS 2^31-1 pattern is
 *    not the one its pattern type names: Y.1731 7.5.2 "bit errors"), the last sequence number;
 *  - 1DM: one-way frame delay RxTimef - TxTimeStampf per frame (needs synchronised clocks,
 *    Y.1731 8.2.1), kept as a bounded window of the latest delays plus running min/max/sum.
 * A frame from a source more than SESSION_GAP_NS after its previous one starts a new session
 * (a new test); `clearTestRx` starts one explicitly. State is per MEP object, kept off the Mep
 * class (a plain CCM MEP stays small).
 */
import { crc32, prbs31 } from '../pdu/crc32.js';
import type { Mep } from './mep.js';
import { fieldClockNs, fieldDiffNs, isZeroTs } from './dm-time.js';
import { getU32 } from './responders.js';

/** A test from the same source after this much silence is a new test. */
export const SESSION_GAP_NS = 60e9;
/** Delays kept per 1DM source (the latest ones; min/max/avg cover all). */
export const ONE_WAY_WINDOW = 1024;

export interface TstRxCounts {
  fromMac: string;
  received: number;
  outOfOrder: number;
  /** Test TLV with a bad CRC-32 or a pattern that is not its type's. */
  errored: number;
  /** Frames without a Test TLV (counted, not checked). */
  withoutTestTlv: number;
  lastSeq: number | null;
  firstNs: number;
  lastNs: number;
}

export interface OneWayRx {
  fromMac: string;
  received: number;
  /** 1DMs whose TxTimeStampf is below one already received (reordered). */
  outOfOrder: number;
  minNs: number | null;
  maxNs: number | null;
  sumNs: number;
  /** Sum of |FD(i) - FD(i-1)| over consecutive frames (IFDV, Y.1731 8.2 / MEF 10.3). */
  sumVariationNs: number;
  maxVariationNs: number;
  /** The latest delays, at most ONE_WAY_WINDOW. */
  delaysNs: number[];
  lastTxNs: number;
  firstNs: number;
  lastNs: number;
}

interface RxState {
  tst: Map<string, TstRxCounts>;
  oneWay: Map<string, OneWayRx>;
}

const state = new WeakMap<Mep, RxState>();

function stateOf(m: Mep): RxState {
  let s = state.get(m);
  if (!s) state.set(m, (s = { tst: new Map(), oneWay: new Map() }));
  return s;
}

function srcMac(b: Uint8Array): string {
  const out: string[] = [];
  for (let i = 6; i < 12; i++) out.push(b[i].toString(16).padStart(2, '0'));
  return out.join(':');
}

/** Whether the Test TLV starting at `t` (its type octet) is intact (Y.1731 9.3). */
export function testTlvIntact(b: Uint8Array, t: number): boolean {
  const len = (b[t + 1] << 8) | b[t + 2];
  const v = t + 3;
  if (len < 1 || v + len > b.length) return false;
  const type = b[v];
  const withCrc = type === 1 || type === 3;
  const patLen = len - 1 - (withCrc ? 4 : 0);
  if (patLen < 0) return false;
  const pat = b.subarray(v + 1, v + 1 + patLen);
  if (withCrc) return crc32(pat) === getU32(b, v + 1 + patLen);
  if (type === 0) return pat.every((x) => x === 0);
  if (type === 2) {
    const want = prbs31(patLen);
    return pat.every((x, i) => x === want[i]);
  }
  return true; // reserved pattern type: nothing to check against
}

/** Offset of the first TLV of type `type` in the PDU at `p`, or -1. */
export function findTlv(b: Uint8Array, p: number, type: number): number {
  let o = p + 4 + b[p + 3];
  while (o < b.length && b[o] !== 0) {
    if (o + 3 > b.length) return -1;
    if (b[o] === type) return o;
    o += 3 + ((b[o + 1] << 8) | b[o + 2]);
  }
  return -1;
}

/** A TST addressed to the MEP (Y.1731 7.5.2: the receiver counts and checks). */
export function receiveTst(m: Mep, b: Uint8Array, p: number, rxNs: number): void {
  if (b.length < p + 8) return;
  const from = srcMac(b);
  const st = stateOf(m).tst;
  let c = st.get(from);
  if (!c || rxNs - c.lastNs > SESSION_GAP_NS) {
    c = { fromMac: from, received: 0, outOfOrder: 0, errored: 0, withoutTestTlv: 0, lastSeq: null, firstNs: rxNs, lastNs: rxNs };
    st.set(from, c);
  }
  const seq = getU32(b, p + 4);
  c.received++;
  c.lastNs = rxNs;
  if (c.lastSeq !== null && seq < c.lastSeq) c.outOfOrder++;
  else c.lastSeq = seq;
  const t = findTlv(b, p, 32);
  if (t < 0) c.withoutTestTlv++;
  else if (!testTlvIntact(b, t)) c.errored++;
}

/** A 1DM addressed to the MEP (Y.1731 8.2.1: FD = RxTimef - TxTimeStampf). */
export function receive1dmRx(m: Mep, b: Uint8Array, p: number, rxNs: number): void {
  if (b.length < p + 12) return;
  const from = srcMac(b);
  const st = stateOf(m).oneWay;
  let r = st.get(from);
  if (!r || rxNs - r.lastNs > SESSION_GAP_NS) {
    r = { fromMac: from, received: 0, outOfOrder: 0, minNs: null, maxNs: null, sumNs: 0, sumVariationNs: 0, maxVariationNs: 0, delaysNs: [], lastTxNs: -1, firstNs: rxNs, lastNs: rxNs };
    st.set(from, r);
  }
  // TxTimeStampf on our clock's count: the sender's time of day (dm-time.ts); exact differences
  const txNs = fieldClockNs(m.ctx.clock, b, p + 4);
  // RxTimef: the RxTimeStampf a VOE with hardware DM wrote (Y.1731 9.16 "reserved for 1DM
  // receiving equipment", docs/vendor-abi.md 5c; then TxTimeStampf is a VOE stamp too), else the
  // receive time of the frame
  const d = b.length >= p + 20 && !isZeroTs(b, p + 12) ? fieldDiffNs(b, p + 12, p + 4) : rxNs - txNs;
  if (txNs < r.lastTxNs) r.outOfOrder++;
  else r.lastTxNs = txNs;
  const prev = r.delaysNs.at(-1);
  if (prev !== undefined) {
    const v = Math.abs(d - prev);
    r.sumVariationNs += v;
    if (v > r.maxVariationNs) r.maxVariationNs = v;
  }
  r.received++;
  r.lastNs = rxNs;
  r.sumNs += d;
  r.minNs = r.minNs === null ? d : Math.min(r.minNs, d);
  r.maxNs = r.maxNs === null ? d : Math.max(r.maxNs, d);
  r.delaysNs.push(d);
  if (r.delaysNs.length > ONE_WAY_WINDOW) r.delaysNs.shift();
}

/** Copies of the receive sessions of `m` (empty when it never received a TST / 1DM). */
export function testRxOf(m: Mep): { tst: TstRxCounts[]; oneWay: OneWayRx[] } {
  const s = state.get(m);
  if (!s) return { tst: [], oneWay: [] };
  return {
    tst: [...s.tst.values()].map((c) => ({ ...c })),
    oneWay: [...s.oneWay.values()].map((r) => ({ ...r, delaysNs: [...r.delaysNs] })),
  };
}

/** Forget the receive sessions of `m` (the next frame of each source starts a new one). */
export function clearTestRx(m: Mep): void {
  state.delete(m);
}
