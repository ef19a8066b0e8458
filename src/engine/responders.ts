/**
 * Stateless responders that turn a received request into its reply on the bytes, the way the
 * standards define them: the reply is the request with addresses swapped, a new opcode and a
 * few fields filled in. Shared by MEPs and MIPs. `p` is the CFM PDU offset.
 */
import { macToBytes } from './wire.js';

function swapTo(req: Uint8Array, myMac: Uint8Array): Uint8Array {
  const r = req.slice();
  r.copyWithin(0, 6, 12); // DA <- request SA
  r.set(myMac, 6);        // SA <- us
  return r;
}

/** LBR = LBM with opcode 3 -> 2, DA = LBM SA, SA = responder (802.1Q 20.28.2). */
export function lbrFromLbm(req: Uint8Array, p: number, myMac: Uint8Array): Uint8Array {
  const r = swapTo(req, myMac);
  r[p + 1] = 2;
  return r;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24; b[at + 1] = (v >>> 16) & 0xff; b[at + 2] = (v >>> 8) & 0xff; b[at + 3] = v & 0xff;
}

export function getU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

/** IEEE 1588 timestamp (seconds u32 of the 48-bit field's low part + ns u32), dm-time.ts. */
export function putTimestamp(b: Uint8Array, at: number, t: { seconds: number; nanoseconds: number }): void {
  putU32(b, at, t.seconds >>> 0);
  putU32(b, at + 4, t.nanoseconds >>> 0);
}

/**
 * The timestamp at `at` as one number: a key to match a DMR to its DMM by the echoed TxTimeStampf,
 * not for arithmetic (a time of day, 1.7e18 ns, rounds to 256 ns; differences: dm-time.ts).
 */
export function getTimestampNs(b: Uint8Array, at: number): number {
  return getU32(b, at) * 1e9 + getU32(b, at + 4);
}

/**
 * DMR from DMM (Y.1731 7.2.2): opcode 47 -> 46, RxTimeStampf and TxTimeStampb filled with the
 * responder's time of day (9.15).
 */
export function dmrFromDmm(req: Uint8Array, p: number, myMac: Uint8Array, rx: { seconds: number; nanoseconds: number }, tx: { seconds: number; nanoseconds: number }): Uint8Array | null {
  if (req.length < p + 4 + 32) return null;
  const r = swapTo(req, myMac);
  r[p + 1] = 46;
  putTimestamp(r, p + 12, rx);
  putTimestamp(r, p + 20, tx);
  return r;
}

/** LMR from LMM (Y.1731 7.1.2): opcode 43 -> 42, RxFCf = frames received, TxFCb = frames sent. */
export function lmrFromLmm(req: Uint8Array, p: number, myMac: Uint8Array, rxFrames: number, txFrames: number): Uint8Array | null {
  if (req.length < p + 4 + 12) return null;
  const r = swapTo(req, myMac);
  r[p + 1] = 42;
  putU32(r, p + 8, rxFrames >>> 0);
  putU32(r, p + 12, txFrames >>> 0);
  return r;
}

/** SLR from SLM (Y.1731 7.1.3): opcode 55 -> 54, responder MEP id, TxFCb = SLRs sent in this test. */
export function slrFromSlm(req: Uint8Array, p: number, myMac: Uint8Array, myMepId: number, txFCb: number): Uint8Array | null {
  if (req.length < p + 4 + 16) return null;
  const r = swapTo(req, myMac);
  r[p + 1] = 54;
  r[p + 6] = (myMepId >> 8) & 0x1f;
  r[p + 7] = myMepId & 0xff;
  putU32(r, p + 16, txFCb >>> 0);
  return r;
}

export { macToBytes };
