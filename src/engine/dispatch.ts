/**
 * MP type demultiplexer of a MEP (802.1Q 19.2.7, Y.1731 opcodes): a frame at the MEP's level,
 * on its active side, goes to the function for its opcode. Unknown opcodes are discarded.
 */
import type { Mep } from './mep.js';
import { getTod, isZeroTs, todOf } from './dm-time.js';
import { dmrFromDmm, getU32, lbrFromLbm, lmrFromLmm, slrFromSlm } from './responders.js';
import { daEquals, isMulticast } from './wire.js';
import { ensureLt } from './mep-lt.js';
import { ensureY } from './mep-y1731.js';
import { deliverPm } from './pm-tap.js';
import { receive1dmRx, receiveTst } from './mep-tst.js';

/** PM frames that measurement sessions above the engine observe (pm-tap.ts). */
const PM_TAPPED = new Set([37, 42, 45, 46, 54]);

/**
 * Replies go to the initiator's individual address only: LBR (802.1Q 20.31.1), LTR (20.45.1),
 * LMR, DMR, SLR (Y.1731 9.12, 9.15, 9.22: DA = the request's SA). A multicast one is not ours.
 */
const REPLIES: ReadonlySet<number> = new Set([2, 4, 42, 46, 54]);

/**
 * Whether a frame at this MEP's level is addressed to it: its own MAC, or the CFM group address
 * of its level (802.1Q 20.28.1 ProcessLBM a): "neither the MEP's own MAC address nor the CCM
 * group destination address" -> discarded; Table 8-15): class 2 (01-80-C2-00-00-3y, y = 8 +
 * level) for LTM (20.47.1), class 1 (01-80-C2-00-00-3x) for the others (multicast LBM, AIS, LCK,
 * CSF, multicast DMM/LMM/SLM/1DM/TST, Y.1731 7.2-7.7). Any other group address (another
 * level's, a non-CFM group) is not for this MEP.
 */
function addressedTo(mep: Mep, b: Uint8Array, opcode: number): boolean {
  if (daEquals(b, mep.macBytes)) return true;
  if (!isMulticast(b) || REPLIES.has(opcode)) return false;
  return b[0] === 0x01 && b[1] === 0x80 && b[2] === 0xc2 && b[3] === 0 && b[4] === 0
    && b[5] === 0x30 + (opcode === 5 ? 8 : 0) + mep.level;
}

export function dispatchToMep(mep: Mep, b: Uint8Array, p: number, opcode: number, port: string, rxNs: number): void {
  // A group source address: discarded (802.1Q 20.28.1 b) for LBMs; the same validity rule as the
  // codec's phase 1, seed 004, for every PDU): no station sends from one, and an answer would be
  // multicast to it.
  if (b[6] & 1) return;
  // Unicast frames for another station, other group addresses and multicast replies are not
  // ours (802.1Q 20.28.1, 20.36.1, 20.47.1). A CCM goes to the class 1 address of its level or,
  // point to point, to the peer MEP's MAC (Y.1731 7.1.1); one for another station is not ours.
  if (!addressedTo(mep, b, opcode)) return;
  if (opcode === 1) {
    mep.receiveCcm(b, p, port, rxNs);
    return;
  }
  mep.rxFrames++;
  const y = (): ReturnType<typeof ensureY> => ensureY(mep);
  if (PM_TAPPED.has(opcode)) deliverPm(mep, opcode, b, p, rxNs);
  switch (opcode) {
    case 3: // LBM -> LBR (802.1Q 20.28)
      mep.counters.lbrOut++;
      mep.sendFrame(lbrFromLbm(b, p, mep.macBytes));
      return;
    case 2: // LBR (802.1Q 20.31)
      if (mep.lb) mep.lb.receiveLbr(b, p);
      return;
    case 5: // LTM (802.1Q 20.42): a MEP answers only when it is the target
      ensureLt(mep).receiveLtmAtMep(b, p, port);
      return;
    case 4: // LTR (802.1Q 20.45)
      if (mep.lt) mep.lt.receiveLtr(b, p);
      else mep.counters.unexpectedLtrIn++;
      return;
    case 33: y().receiveAis(b, p); return;
    case 35: y().receiveLck(b, p); return;
    case 52: y().receiveCsf(b, p); return;
    case 43: { // LMM -> LMR
      const r = lmrFromLmm(b, p, mep.macBytes, mep.rxFrames, mep.txFrames + 1);
      if (r) mep.sendFrame(r);
      return;
    }
    case 42: if (mep.y) mep.y.receiveLmr(b, p); return;
    case 47: { // DMM -> DMR
      // RxTimeStampf / TxTimeStampb: our time of day (Y.1731 9.15). A DMM arriving with
      // RxTimeStampf already written was stamped by our VOE (the field is reserved for the DMM
      // receiving equipment: the initiator sends 0; docs/vendor-abi.md 5c): keep its stamp, in the
      // VOE's clock, and let the VOE stamp TxTimeStampb as the DMR leaves (until then the same
      // value: a turnaround of 0, never a mix of two clocks).
      const c = mep.ctx.clock;
      const voe = b.length >= p + 20 && !isZeroTs(b, p + 12);
      const rx = voe ? getTod(b, p + 12) : todOf(c, rxNs);
      const r = dmrFromDmm(b, p, mep.macBytes, rx, voe ? rx : todOf(c));
      if (r) mep.sendFrame(r);
      return;
    }
    case 46: if (mep.y) mep.y.receiveDmr(b, p, rxNs); return;
    case 45: y().receive1dm(b, p, rxNs); receive1dmRx(mep, b, p, rxNs); return;
    case 37: receiveTst(mep, b, p, rxNs); return; // TST (Y.1731 7.5): counted, no reply
    case 55: { // SLM -> SLR
      const yy = y();
      const n = yy.slrCount(getU32(b, p + 8), ((b[p + 4] << 8) | b[p + 5]) & 0x1fff);
      const r = slrFromSlm(b, p, mep.macBytes, mep.cfg.mepId, n);
      if (r) mep.sendFrame(r);
      return;
    }
    case 54: if (mep.y) mep.y.receiveSlr(b, p); return;
    default:
      return;
  }
}
