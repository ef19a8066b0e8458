/**
 * Fixed-field layouts of every known opcode: the bytes between the common header (4 octets) and
 * the first TLV. `std` is the standard first TLV offset (802.1Q 21.4.5; Y.1731 clause 9 figures),
 * i.e. the length of the fixed fields. Offsets below are relative to PDU byte 4.
 *
 * Decoders run in validation phase 4 (opcode-specific structure); they may call ctx.relax() for
 * must-be-zero violations (seed 004: MEPID's reserved bits are decoded with all bits in lenient
 * mode).
 */
import { checkUint, macAt, u16, u24, u32, type Writer } from './bytes.js';
import type { DecodeCtx } from './ctx.js';
import { MAID_LENGTH } from './maid.js';
import type { KnownOpcode, Pdu, Timestamp } from './types.js';

export type Fields = Record<string, unknown>;

export interface Layout {
  name: string;
  /** Standard first TLV offset (fixed field octets). For variable layouts: the minimum. */
  std: number;
  /** The fixed area's length depends on content (OUI + sub-opcode + data up to the first TLV). */
  variable?: boolean;
  /** Decode the fixed fields at frame offset `o` (= PDU byte 4); `fto` already checked >= std. */
  decode(b: Uint8Array, o: number, fto: number, ctx: DecodeCtx): Fields;
  /** Write the fixed fields of `p` (its opcode matches this layout). */
  encode(w: Writer, p: Pdu): void;
}

function ts(b: Uint8Array, o: number): Timestamp {
  return { seconds: u32(b, o), nanoseconds: u32(b, o + 4) };
}
function wts(w: Writer, t: Timestamp | undefined, what: string): void {
  w.u32(t?.seconds ?? 0, `${what}.seconds`);
  w.u32(t?.nanoseconds ?? 0, `${what}.nanoseconds`);
}

/** MEPID: 13 bits with 3 reserved (MBZ) high bits (802.1Q 21.6.2). */
function mepIdAt(b: Uint8Array, o: number, ctx: DecodeCtx, what: string, allowZero: boolean): number {
  const raw = u16(b, o);
  if (raw & 0xe000) {
    ctx.relax(4, o, `${what} 0x${raw.toString(16).padStart(4, '0')} has reserved (must-be-zero) bits set; decoded with all bits as ${raw}`);
  }
  if (raw === 0 && !allowZero) ctx.relax(4, o, `${what} 0 is not a valid MEPID (1..8191)`);
  return raw;
}

function zeroCheck(b: Uint8Array, o: number, n: number, ctx: DecodeCtx, what: string): void {
  for (let i = 0; i < n; i++) {
    if (b[o + i] !== 0) {
      ctx.relax(4, o + i, `${what} (${n} bytes, must be zero) has a non-zero byte`);
      return;
    }
  }
}

/**
 * MAID structure (802.1Q 21.6.5) without decoding the names: the same verdict as decodeMaid()'s
 * `malformed` and `paddingZero`, but no string allocation on the receive path.
 */
function maidStructure(b: Uint8Array, m: number): { malformed?: string; paddingZero: boolean } {
  let q = m;
  if (b[q] === 1) {
    q += 1;
  } else {
    const mdLen = b[q + 1];
    if (2 + mdLen > MAID_LENGTH - 2) return { malformed: `MD name length ${mdLen} runs past the MAID`, paddingZero: false };
    q += 2 + mdLen;
  }
  const maLen = b[q + 1];
  if (q + 2 + maLen > m + MAID_LENGTH) return { malformed: `short MA name length ${maLen} runs past the MAID`, paddingZero: false };
  let pad = 0;
  for (let i = q + 2 + maLen; i < m + MAID_LENGTH; i++) pad |= b[i];
  return { paddingZero: pad === 0 };
}

type P<K extends KnownOpcode> = Extract<Pdu, { opcode: K }>;
function as<K extends KnownOpcode>(p: Pdu): P<K> {
  return p as P<K>;
}

const ccm: Layout = {
  name: 'CCM',
  std: 70,
  decode(b, o, _fto, ctx) {
    const mepId = mepIdAt(b, o + 4, ctx, 'MEPID', false);
    const maid = b.slice(o + 6, o + 6 + MAID_LENGTH);
    const m = maidStructure(b, o + 6);
    if (m.malformed) ctx.fail(4, o + 6, `MAID: ${m.malformed}`);
    if (!m.paddingZero) ctx.relax(4, o + 6, 'MAID padding after the short MA name is not all zero');
    zeroCheck(b, o + 66, 4, ctx, 'CCM reserved field');
    return { seq: u32(b, o), mepId, maid, txFCf: u32(b, o + 54), rxFCb: u32(b, o + 58), txFCb: u32(b, o + 62) };
  },
  encode(w, p) {
    const c = as<1>(p);
    w.u32(c.seq, 'CCM seq');
    w.u16(c.mepId, 'CCM mepId');
    w.fixed(c.maid, MAID_LENGTH, 'CCM maid');
    w.u32(c.txFCf ?? 0, 'CCM txFCf');
    w.u32(c.rxFCb ?? 0, 'CCM rxFCb');
    w.u32(c.txFCb ?? 0, 'CCM txFCb');
    w.zeros(4);
  },
};

const lb = (name: string): Layout => ({
  name,
  std: 4,
  decode: (b, o) => ({ transactionId: u32(b, o) }),
  encode: (w, p) => w.u32(as<3>(p).transactionId, `${name} transactionId`),
});

const ltm: Layout = {
  name: 'LTM',
  std: 17,
  decode: (b, o) => ({ transactionId: u32(b, o), ttl: b[o + 4], originMac: macAt(b, o + 5), targetMac: macAt(b, o + 11) }),
  encode(w, p) {
    const l = as<5>(p);
    w.u32(l.transactionId, 'LTM transactionId');
    w.u8(l.ttl, 'LTM ttl');
    w.mac(l.originMac, 'LTM originMac');
    w.mac(l.targetMac, 'LTM targetMac');
  },
};

const ltr: Layout = {
  name: 'LTR',
  std: 6,
  decode: (b, o) => ({ transactionId: u32(b, o), ttl: b[o + 4], relayAction: b[o + 5] }),
  encode(w, p) {
    const l = as<4>(p);
    w.u32(l.transactionId, 'LTR transactionId');
    w.u8(l.ttl, 'LTR ttl');
    w.u8(l.relayAction, 'LTR relayAction');
  },
};

const empty = (name: string): Layout => ({ name, std: 0, decode: () => ({}), encode: () => undefined });

const tst: Layout = {
  name: 'TST',
  std: 4,
  decode: (b, o) => ({ seq: u32(b, o) }),
  encode: (w, p) => w.u32(as<37>(p).seq, 'TST seq'),
};

const aps: Layout = {
  name: 'APS',
  std: 4,
  decode: (b, o) => ({
    requestState: b[o] >> 4, protectionType: b[o] & 0x0f, requestedSignal: b[o + 1], bridgedSignal: b[o + 2], bridgeType: b[o + 3],
  }),
  encode(w, p) {
    const a = as<39>(p);
    checkUint(a.requestState, 15, 'APS requestState');
    checkUint(a.protectionType, 15, 'APS protectionType');
    w.u8((a.requestState << 4) | a.protectionType, 'APS request/protection type');
    w.u8(a.requestedSignal, 'APS requestedSignal');
    w.u8(a.bridgedSignal, 'APS bridgedSignal');
    w.u8(a.bridgeType, 'APS bridgeType');
  },
};

const raps: Layout = {
  name: 'R-APS',
  std: 32,
  decode: (b, o) => ({ requestState: b[o] >> 4, subCode: b[o] & 0x0f, status: b[o + 1], nodeId: macAt(b, o + 2), reserved: b.slice(o + 8, o + 32) }),
  encode(w, p) {
    const r = as<40>(p);
    checkUint(r.requestState, 15, 'R-APS requestState');
    checkUint(r.subCode, 15, 'R-APS subCode');
    w.u8((r.requestState << 4) | r.subCode, 'R-APS request/sub-code');
    w.u8(r.status, 'R-APS status');
    w.mac(r.nodeId, 'R-APS nodeId');
    if (r.reserved) w.fixed(r.reserved, 24, 'R-APS reserved');
    else w.zeros(24);
  },
};

/** MCC, EXM/EXR, VSM/VSR: OUI (3) + sub-opcode (1) + data up to the first TLV (Y.1731 9.13-9.16). */
const ouiData = (name: string): Layout => ({
  name,
  std: 4,
  variable: true,
  decode: (b, o, fto) => ({ oui: u24(b, o), subOpcode: b[o + 3], data: b.slice(o + 4, o + fto) }),
  encode(w, p) {
    const v = p as P<41>;
    w.u24(v.oui, `${name} oui`);
    w.u8(v.subOpcode, `${name} subOpcode`);
    w.bytes(v.data ?? new Uint8Array(0));
  },
});

const lm = (name: string): Layout => ({
  name,
  std: 12,
  decode: (b, o) => ({ txFCf: u32(b, o), rxFCf: u32(b, o + 4), txFCb: u32(b, o + 8) }),
  encode(w, p) {
    const l = as<43>(p);
    w.u32(l.txFCf, `${name} txFCf`);
    w.u32(l.rxFCf ?? 0, `${name} rxFCf`);
    w.u32(l.txFCb ?? 0, `${name} txFCb`);
  },
});

const dm1: Layout = {
  name: '1DM',
  std: 16,
  decode: (b, o) => ({ txTimestampF: ts(b, o), rxTimestampF: ts(b, o + 8) }),
  encode(w, p) {
    const d = as<45>(p);
    wts(w, d.txTimestampF, '1DM txTimestampF');
    wts(w, d.rxTimestampF, '1DM rxTimestampF');
  },
};

const dm = (name: string): Layout => ({
  name,
  std: 32,
  decode: (b, o) => ({ txTimestampF: ts(b, o), rxTimestampF: ts(b, o + 8), txTimestampB: ts(b, o + 16), rxTimestampB: ts(b, o + 24) }),
  encode(w, p) {
    const d = as<47>(p);
    wts(w, d.txTimestampF, `${name} txTimestampF`);
    wts(w, d.rxTimestampF, `${name} rxTimestampF`);
    wts(w, d.txTimestampB, `${name} txTimestampB`);
    wts(w, d.rxTimestampB, `${name} rxTimestampB`);
  },
});

const sl1: Layout = {
  name: '1SL',
  std: 16,
  decode(b, o, _fto, ctx) {
    const srcMepId = mepIdAt(b, o, ctx, '1SL source MEPID', false);
    zeroCheck(b, o + 2, 2, ctx, '1SL reserved field');
    zeroCheck(b, o + 12, 4, ctx, '1SL reserved field');
    return { srcMepId, testId: u32(b, o + 4), txFCf: u32(b, o + 8) };
  },
  encode(w, p) {
    const s = as<53>(p);
    w.u16(s.srcMepId, '1SL srcMepId');
    w.zeros(2);
    w.u32(s.testId, '1SL testId');
    w.u32(s.txFCf, '1SL txFCf');
    w.zeros(4);
  },
};

const sl = (name: string): Layout => ({
  name,
  std: 16,
  decode(b, o, _fto, ctx) {
    const srcMepId = mepIdAt(b, o, ctx, `${name} source MEPID`, false);
    const rspMepId = mepIdAt(b, o + 2, ctx, `${name} responder MEPID`, true);
    return { srcMepId, rspMepId, testId: u32(b, o + 4), txFCf: u32(b, o + 8), txFCb: u32(b, o + 12) };
  },
  encode(w, p) {
    const s = as<55>(p);
    w.u16(s.srcMepId, `${name} srcMepId`);
    w.u16(s.rspMepId ?? 0, `${name} rspMepId`);
    w.u32(s.testId, `${name} testId`);
    w.u32(s.txFCf, `${name} txFCf`);
    w.u32(s.txFCb ?? 0, `${name} txFCb`);
  },
});

/** GNM (Y.1731 9.23): sub-opcode 1 = BNM with nominal/current bandwidth and port id (TLV offset 13). */
const gnm: Layout = {
  name: 'GNM',
  std: 1,
  variable: true,
  decode(b, o, fto) {
    const subOpcode = b[o];
    if (subOpcode === 1 && fto === 13) {
      return { subOpcode, nominalBandwidth: u32(b, o + 1), currentBandwidth: u32(b, o + 5), portId: u32(b, o + 9) };
    }
    return { subOpcode, data: b.slice(o + 1, o + fto) };
  },
  encode(w, p) {
    const g = as<32>(p);
    w.u8(g.subOpcode, 'GNM subOpcode');
    if (g.nominalBandwidth !== undefined || g.currentBandwidth !== undefined || g.portId !== undefined) {
      w.u32(g.nominalBandwidth ?? 0, 'BNM nominalBandwidth');
      w.u32(g.currentBandwidth ?? 0, 'BNM currentBandwidth');
      w.u32(g.portId ?? 0, 'BNM portId');
    } else if (g.data) {
      w.bytes(g.data);
    }
  },
};

export const LAYOUTS: Record<KnownOpcode, Layout> = {
  1: ccm, 2: lb('LBR'), 3: lb('LBM'), 4: ltr, 5: ltm,
  32: gnm, 33: empty('AIS'), 35: empty('LCK'), 37: tst, 39: aps, 40: raps, 41: ouiData('MCC'),
  42: lm('LMR'), 43: lm('LMM'), 45: dm1, 46: dm('DMR'), 47: dm('DMM'), 48: ouiData('EXR'), 49: ouiData('EXM'),
  50: ouiData('VSR'), 51: ouiData('VSM'), 52: empty('CSF'), 53: sl1, 54: sl('SLR'), 55: sl('SLM'),
};

export function layoutOf(opcode: number): Layout | undefined {
  return (LAYOUTS as Record<number, Layout | undefined>)[opcode];
}

/** Short opcode name ("CCM", "DMM", "1DM"), "GNM" for 32, or "opcode N" when unknown. */
export function opcodeName(opcode: number): string {
  const l = layoutOf(opcode);
  if (l) return l.name;
  if (opcode === 6) return 'RFM';
  if (opcode === 7) return 'SFM';
  return `opcode ${opcode}`;
}
