/**
 * Building test frames for bring-up (`cfm craft`): a PDU of any opcode from a few operator
 * options, with the standard defaults (802.1Q / Y.1731) for everything not given.
 */
import { PduEncodeError } from './errors.js';
import { ccmFlags, withPeriod } from './flags.js';
import { levelMulticast } from './frame.js';
import { layoutOf } from './layouts.js';
import { canonicalMac } from './bytes.js';
import { encodeMaid, type Maid } from './maid.js';
import { OPCODE, type CfmFrame, type Pdu, type Timestamp, type Tlv, type UnknownOpcode, type VlanTag } from './types.js';

const ALIASES: Record<string, number> = {
  '1dm': OPCODE.DM1, dm1: OPCODE.DM1, '1sl': OPCODE.SL1, sl1: OPCODE.SL1, 'r-aps': OPCODE.RAPS, raps: OPCODE.RAPS,
  bnm: OPCODE.GNM, gnm: OPCODE.GNM,
};

/** Opcode from a name ("ccm", "DMM", "1dm", "r-aps") or a number 0..255; undefined when neither. */
export function parseOpcode(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 255 ? n : undefined;
  }
  if (t in ALIASES) return ALIASES[t];
  const key = t.toUpperCase() as keyof typeof OPCODE;
  return OPCODE[key];
}

export interface CraftOptions {
  level?: number;
  mepId?: number;
  /** MD name (character string, format 4); absent = no MD name (format 1). */
  md?: string;
  /** Short MA name (character string, format 2). */
  ma?: string;
  /** Interval / period code 1..7 (CCM interval; AIS/LCK/CSF/BNM period). */
  interval?: number;
  rdi?: boolean;
  seq?: number;
  transactionId?: number;
  ttl?: number;
  /** LTM target MAC; R-APS node id. */
  target?: string;
  src?: string;
  dst?: string;
  vlans?: VlanTag[];
  /** Data TLV bytes (LBM/LBR/SLM...). */
  data?: Uint8Array;
  portStatus?: number;
  interfaceStatus?: number;
  testId?: number;
  /** SLR responder MEPID. */
  remoteMepId?: number;
  /** Timestamp put in DMM/DMR/1DM TxTimeStampf (IEEE 1588 seconds + nanoseconds). */
  time?: Timestamp;
}

const DEFAULT_SRC = '00:00:5e:00:53:01';
const DEFAULT_UNICAST = '00:00:5e:00:53:02';
const UNICAST_ONLY = new Set<number>([OPCODE.LBR, OPCODE.LTR, OPCODE.LMR, OPCODE.DMR, OPCODE.EXR, OPCODE.VSR, OPCODE.SLR]);

function mac(s: string | undefined, fallback: string, what: string): string {
  if (s === undefined) return fallback;
  const m = canonicalMac(s);
  if (!m) throw new PduEncodeError(`${what} '${s}' is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return m;
}

/** Build frame number `i` (0-based) of a craft run: seq / transaction id advance by i. */
export function craftFrame(opcode: number, o: CraftOptions, i = 0): CfmFrame {
  const level = o.level ?? 0;
  const src = mac(o.src, DEFAULT_SRC, '--src');
  const dst = mac(o.dst, UNICAST_ONLY.has(opcode) || !layoutOf(opcode) ? DEFAULT_UNICAST : levelMulticast(level, opcode === OPCODE.LTM ? 2 : 1), '--dst');
  const base = { level, version: 0, flags: 0 };
  const tid = (o.transactionId ?? 1) + i;
  const seq = (o.seq ?? 1) + i;
  const mepId = o.mepId ?? 1;
  const tlvs: Tlv[] = [];
  if (o.portStatus !== undefined) tlvs.push({ type: 2, value: o.portStatus });
  if (o.interfaceStatus !== undefined) tlvs.push({ type: 4, value: o.interfaceStatus });
  if (o.data) tlvs.push({ type: 3, data: o.data });
  const t = o.time ?? { seconds: 0, nanoseconds: 0 };
  const zero = { seconds: 0, nanoseconds: 0 };
  const period = o.interval ?? 4;
  const srcBytes = Uint8Array.from(src.split(':').map((x) => parseInt(x, 16)));
  let pdu: Pdu;
  switch (opcode) {
    case OPCODE.CCM: {
      const maid: Maid = { md: o.md ? { format: 4, name: o.md } : { format: 1 }, ma: { format: 2, name: o.ma ?? 'MA1' } };
      pdu = { ...base, opcode: 1, flags: ccmFlags(!!o.rdi, o.interval ?? 4), seq, mepId, maid: encodeMaid(maid), txFCf: 0, rxFCb: 0, txFCb: 0, tlvs };
      break;
    }
    case OPCODE.LBM: pdu = { ...base, opcode: 3, transactionId: tid, tlvs }; break;
    case OPCODE.LBR: pdu = { ...base, opcode: 2, transactionId: tid, tlvs }; break;
    case OPCODE.LTM:
      pdu = {
        ...base, opcode: 5, flags: 0x80, transactionId: tid, ttl: o.ttl ?? 64, originMac: src,
        targetMac: mac(o.target, DEFAULT_UNICAST, '--target'), tlvs: [{ type: 7, egressId: Uint8Array.of(0, 0, ...srcBytes) }, ...tlvs],
      };
      break;
    case OPCODE.LTR:
      pdu = {
        ...base, opcode: 4, flags: 0x80 | 0x20, transactionId: tid, ttl: o.ttl ?? 63, relayAction: 1,
        tlvs: [{ type: 8, lastEgressId: Uint8Array.of(0, 0, ...srcBytes), nextEgressId: new Uint8Array(8) }, { type: 5, action: 1, mac: src }, ...tlvs],
      };
      break;
    case OPCODE.AIS: pdu = { ...base, opcode: 33, flags: withPeriod(period), tlvs }; break;
    case OPCODE.LCK: pdu = { ...base, opcode: 35, flags: withPeriod(period), tlvs }; break;
    case OPCODE.CSF: pdu = { ...base, opcode: 52, flags: withPeriod(period), tlvs }; break;
    case OPCODE.TST: pdu = { ...base, opcode: 37, seq, tlvs: [{ type: 32, patternType: 1, length: 32 }, ...tlvs] }; break;
    case OPCODE.APS: pdu = { ...base, opcode: 39, requestState: 0, protectionType: 0, requestedSignal: 0, bridgedSignal: 0, bridgeType: 0, tlvs }; break;
    case OPCODE.RAPS: pdu = { ...base, opcode: 40, requestState: 0, subCode: 0, status: 0, nodeId: mac(o.target, src, '--target'), tlvs }; break;
    case OPCODE.MCC: case OPCODE.EXM: case OPCODE.EXR: case OPCODE.VSM: case OPCODE.VSR:
      pdu = { ...base, opcode, oui: 0, subOpcode: 0, data: new Uint8Array(0), tlvs } as Pdu;
      break;
    case OPCODE.LMM: pdu = { ...base, opcode: 43, txFCf: seq, rxFCf: 0, txFCb: 0, tlvs }; break;
    case OPCODE.LMR: pdu = { ...base, opcode: 42, txFCf: seq, rxFCf: seq, txFCb: seq, tlvs }; break;
    case OPCODE.DM1: pdu = { ...base, opcode: 45, txTimestampF: t, rxTimestampF: zero, tlvs }; break;
    case OPCODE.DMM: pdu = { ...base, opcode: 47, txTimestampF: t, rxTimestampF: zero, txTimestampB: zero, rxTimestampB: zero, tlvs }; break;
    case OPCODE.DMR: pdu = { ...base, opcode: 46, txTimestampF: t, rxTimestampF: t, txTimestampB: t, rxTimestampB: zero, tlvs }; break;
    case OPCODE.SL1: pdu = { ...base, opcode: 53, srcMepId: mepId, testId: o.testId ?? 1, txFCf: seq, tlvs }; break;
    case OPCODE.SLM: pdu = { ...base, opcode: 55, srcMepId: mepId, rspMepId: 0, testId: o.testId ?? 1, txFCf: seq, txFCb: 0, tlvs }; break;
    case OPCODE.SLR: pdu = { ...base, opcode: 54, srcMepId: mepId, rspMepId: o.remoteMepId ?? 2, testId: o.testId ?? 1, txFCf: seq, txFCb: seq, tlvs }; break;
    case OPCODE.GNM: pdu = { ...base, opcode: 32, flags: withPeriod(period), subOpcode: 1, nominalBandwidth: 1000, currentBandwidth: 1000, portId: 1, tlvs }; break;
    default:
      pdu = { ...base, opcode: opcode as UnknownOpcode, firstTlvOffset: 0, tlvs: [], body: Uint8Array.of(0) };
  }
  return { dst, src, vlans: o.vlans ?? [], pdu };
}
