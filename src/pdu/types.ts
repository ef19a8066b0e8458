/**
 * The CFM / Y.1731 PDU model: plain objects, one interface per opcode, discriminated by `opcode`.
 *
 * Conventions (shared by every PDU):
 * - `level` 0..7 (MD/MEG level), `version` 0..31, `flags` the raw flags byte.
 * - `firstTlvOffset` is optional on encode (the standard value for the opcode, or for variable
 *   layouts the length of the fields given, is used when absent) and always set on decode.
 * - `tlvs` never contains the End TLV: it is implicit and always written (802.1Q 21.5.1).
 * - Counters and ids are unsigned numbers that must fit their field; the encoder does not
 *   enforce protocol ranges (a bring-up tool must be able to craft invalid PDUs), the decoder's
 *   validation does (see validate.ts).
 * - `extra`: bytes between the end of the opcode's standard fixed fields and the first TLV when a
 *   PDU carries a larger first TLV offset (802.1Q 20.51.4.4: a receiver skips to the first TLV);
 *   kept so that re-encoding is byte-identical.
 */
import type { Maid } from './maid.js';

/** Canonical lower-case colon form: "01:80:c2:00:00:30". */
export type MacAddress = string;

/** One VLAN tag. tpid 0x8100 (C-tag) or 0x88a8 (S-tag), pcp 0..7, vid 0..4095. */
export interface VlanTag { tpid: number; pcp: number; dei: boolean; vid: number }

export interface DecodeWarning {
  /** Validation phase the relaxed check belongs to (1..4). */
  phase: 1 | 2 | 3 | 4;
  /** Byte offset in the frame. */
  offset: number;
  message: string;
}

export interface CfmFrame {
  dst: MacAddress;
  src: MacAddress;
  vlans: VlanTag[];
  pdu: Pdu;
  /** Bytes after the End TLV (Ethernet minimum-size padding on captured frames); re-encoded as is. */
  padding?: Uint8Array;
  /** Lenient decode only: must-be-zero violations and other relaxed checks. */
  warnings?: DecodeWarning[];
}

export const ETHERTYPE_CFM = 0x8902;
export const TPID_CTAG = 0x8100;
export const TPID_STAG = 0x88a8;

export const OPCODE = {
  CCM: 1, LBR: 2, LBM: 3, LTR: 4, LTM: 5, GNM: 32, AIS: 33, LCK: 35, TST: 37,
  APS: 39, RAPS: 40, MCC: 41, LMR: 42, LMM: 43, DM1: 45, DMR: 46, DMM: 47, EXR: 48, EXM: 49, VSR: 50,
  VSM: 51, CSF: 52, SL1: 53, SLR: 54, SLM: 55,
} as const;
export type OpcodeName = keyof typeof OPCODE;
export type KnownOpcode = (typeof OPCODE)[OpcodeName];

type ByteRange<N extends number, Acc extends number[] = []> =
  Acc['length'] extends N ? Acc[number] : ByteRange<N, [...Acc, Acc['length']]>;
/** 0..255 */
export type ByteValue = ByteRange<256>;
/**
 * Every opcode value the codec has no layout for. A union of literals (not `number`) so that
 * `if (pdu.opcode === OPCODE.CCM)` narrows `Pdu` to `CcmPdu` alone.
 */
export type UnknownOpcode = Exclude<ByteValue, KnownOpcode>;

export const TLV_TYPE = {
  END: 0, SENDER_ID: 1, PORT_STATUS: 2, DATA: 3, INTERFACE_STATUS: 4, REPLY_INGRESS: 5,
  REPLY_EGRESS: 6, LTM_EGRESS_ID: 7, LTR_EGRESS_ID: 8, ORG_SPECIFIC: 31, TEST: 32,
  TARGET_MEP_MIP_ID: 33, REPLYING_MEP_MIP_ID: 34, REQUESTING_MEP_ID: 35, TEST_ID: 36,
} as const;

// ---------------------------------------------------------------------------------------------
// TLVs (802.1Q 21.5, Y.1731 / G.8013 9.1 and 9.3)

/** Sender ID TLV (802.1Q 21.5.3). chassisIdSubtype is the LLDP subtype (1..7); absent when the
 * chassis ID length is 0. mgmtDomain absent = TLV ends after the chassis ID; present and empty =
 * domain length byte 0. mgmtAddress is written only after a non-empty domain. */
export interface SenderIdTlv {
  type: 1; chassisIdSubtype?: number; chassisId?: Uint8Array; mgmtDomain?: Uint8Array; mgmtAddress?: Uint8Array;
}
/** Port Status TLV (802.1Q 21.5.4): 1 psBlocked, 2 psUp. */
export interface PortStatusTlv { type: 2; value: number }
/** Data TLV (802.1Q 21.5.6). */
export interface DataTlv { type: 3; data: Uint8Array }
/** Interface Status TLV (802.1Q 21.5.5): 1 isUp .. 7 isLowerLayerDown. */
export interface InterfaceStatusTlv { type: 4; value: number }
/** Reply Ingress (5) / Reply Egress (6) TLV (802.1Q 21.9.8, 21.9.9). portId absent = no port ID
 * length byte; present = length byte, then (if non-empty) subtype and ID. */
export interface ReplyIngressTlv { type: 5; action: number; mac: MacAddress; portIdSubtype?: number; portId?: Uint8Array }
export interface ReplyEgressTlv { type: 6; action: number; mac: MacAddress; portIdSubtype?: number; portId?: Uint8Array }
/** LTM Egress Identifier TLV (802.1Q 21.8.8): 2-octet index + MAC. */
export interface LtmEgressIdTlv { type: 7; egressId: Uint8Array }
/** LTR Egress Identifier TLV (802.1Q 21.9.7). */
export interface LtrEgressIdTlv { type: 8; lastEgressId: Uint8Array; nextEgressId: Uint8Array }
/** Organization-Specific TLV (802.1Q 21.5.2). oui 24 bits. */
export interface OrgSpecificTlv { type: 31; oui: number; subtype: number; value: Uint8Array }
/**
 * Test TLV (Y.1731 9.3 / G.8013 9.3): pattern type 0 null signal, 1 null signal + CRC-32,
 * 2 PRBS 2^31-1, 3 PRBS 2^31-1 + CRC-32. `length` = pattern bytes. On encode, `pattern` defaults to
 * zeros (0/1) or the PRBS sequence (2/3) and `crc32` (types 1/3) to the CRC-32 of the pattern;
 * on decode both are set from the bytes.
 */
export interface TestTlv { type: 32; patternType: number; length: number; crc32?: number; pattern?: Uint8Array }
/**
 * Target MEP/MIP ID (33) and Replying MEP/MIP ID (34) TLVs (G.8013 9.2): ID subtype
 * (0 discovery ingress/node, 1 discovery egress, 2 MEP ID, 3 MIP ID) + 24 octets. `mepId` is the
 * first 2 octets of `id` for subtype 2 (decode convenience; on encode `id` wins when given).
 */
export interface TargetMepMipIdTlv { type: 33; subtype: number; id: Uint8Array; mepId?: number }
export interface ReplyingMepMipIdTlv { type: 34; subtype: number; id: Uint8Array; mepId?: number }
/** Requesting MEP ID TLV (35, G.8013 9.2): loopback indication (2), MEP ID (2), MEG ID (48), reserved (2). */
export interface RequestingMepIdTlv { type: 35; loopbackIndication: number; mepId: number; megId: Uint8Array; reserved?: number }
/** Test ID TLV (36, G.8013 9.3): 4-octet test id. */
export interface TestIdTlv { type: 36; testId: number }
/** Any other TLV type: kept raw and re-encoded byte-identically. */
export interface RawTlv { type: number; value: Uint8Array }

export type KnownTlv = SenderIdTlv | PortStatusTlv | DataTlv | InterfaceStatusTlv | ReplyIngressTlv
  | ReplyEgressTlv | LtmEgressIdTlv | LtrEgressIdTlv | OrgSpecificTlv | TestTlv | TargetMepMipIdTlv
  | ReplyingMepMipIdTlv | RequestingMepIdTlv | TestIdTlv;
export type Tlv = KnownTlv | RawTlv;

// ---------------------------------------------------------------------------------------------
// PDUs

interface PduBase {
  level: number;
  version: number;
  flags: number;
  firstTlvOffset?: number;
  tlvs: Tlv[];
  extra?: Uint8Array;
}

/** IEEE 1588 timestamp as carried by Y.1731 DM PDUs: 4 octets seconds + 4 octets nanoseconds. */
export interface Timestamp { seconds: number; nanoseconds: number }

/** CCM (802.1Q 21.6, Y.1731 9.2). Flags: RDI 0x80, Traffic 0x40, interval bits 2..0. */
export interface CcmPdu extends PduBase {
  opcode: 1; seq: number; mepId: number; maid: Uint8Array; txFCf: number; rxFCb: number; txFCb: number;
}
/** LBM (3) / LBR (2) (802.1Q 21.7). */
export interface LbmPdu extends PduBase { opcode: 3; transactionId: number }
export interface LbrPdu extends PduBase { opcode: 2; transactionId: number }
/** LTM (802.1Q 21.8). Flags: 0x80 UseFDBonly. */
export interface LtmPdu extends PduBase {
  opcode: 5; transactionId: number; ttl: number; originMac: MacAddress; targetMac: MacAddress;
}
/** LTR (802.1Q 21.9). Flags: 0x80 UseFDBonly, 0x40 FwdYes, 0x20 TerminalMEP. relayAction 1 RlyHit, 2 RlyFDB, 3 RlyMPDB. */
export interface LtrPdu extends PduBase { opcode: 4; transactionId: number; ttl: number; relayAction: number }
/** AIS (33) / LCK (35) (Y.1731 9.7, 9.8): period in flags bits 2..0 (4 = 1 s, 6 = 1 min). */
export interface AisPdu extends PduBase { opcode: 33 }
export interface LckPdu extends PduBase { opcode: 35 }
/** TST (Y.1731 9.9): sequence number, usually a Test TLV. */
export interface TstPdu extends PduBase { opcode: 37; seq: number }
/**
 * APS (Y.1731 9.10 / G.8031 11): requestState (high nibble of octet 4), protectionType (A B D R
 * bits, low nibble), requestedSignal, bridgedSignal, bridgeType (octet 7, T bit 0x80 + reserved).
 */
export interface ApsPdu extends PduBase {
  opcode: 39; requestState: number; protectionType: number; requestedSignal: number; bridgedSignal: number; bridgeType: number;
}
/**
 * R-APS (G.8032 10.3): requestState (high nibble), subCode (low nibble), status (RB 0x80, DNF
 * 0x40, BPR 0x20), nodeId, 24 reserved octets (`reserved`, zero on encode when absent).
 */
export interface RapsPdu extends PduBase {
  opcode: 40; requestState: number; subCode: number; status: number; nodeId: MacAddress; reserved?: Uint8Array;
}
/** MCC (41), EXM/EXR (49/48), VSM/VSR (51/50) (Y.1731 9.13-9.16): OUI, sub-opcode, data up to the first TLV. */
export interface MccPdu extends PduBase { opcode: 41; oui: number; subOpcode: number; data: Uint8Array }
export interface ExmPdu extends PduBase { opcode: 49; oui: number; subOpcode: number; data: Uint8Array }
export interface ExrPdu extends PduBase { opcode: 48; oui: number; subOpcode: number; data: Uint8Array }
export interface VsmPdu extends PduBase { opcode: 51; oui: number; subOpcode: number; data: Uint8Array }
export interface VsrPdu extends PduBase { opcode: 50; oui: number; subOpcode: number; data: Uint8Array }
/** LMM (43) / LMR (42) (Y.1731 9.12): frame counters. */
export interface LmmPdu extends PduBase { opcode: 43; txFCf: number; rxFCf: number; txFCb: number }
export interface LmrPdu extends PduBase { opcode: 42; txFCf: number; rxFCf: number; txFCb: number }
/** 1DM (Y.1731 9.14): TxTimeStampf and the receiver's reserved RxTimeStampf. */
export interface Dm1Pdu extends PduBase { opcode: 45; txTimestampF: Timestamp; rxTimestampF: Timestamp }
/** DMM (47) / DMR (46) (Y.1731 9.15, 9.16). */
export interface DmmPdu extends PduBase {
  opcode: 47; txTimestampF: Timestamp; rxTimestampF: Timestamp; txTimestampB: Timestamp; rxTimestampB: Timestamp;
}
export interface DmrPdu extends PduBase {
  opcode: 46; txTimestampF: Timestamp; rxTimestampF: Timestamp; txTimestampB: Timestamp; rxTimestampB: Timestamp;
}
/** CSF (Y.1731 9.21): type in flags bits 5..3 (0 LOS, 1 FDI/AIS, 2 RDI, 3 DCI), period bits 2..0. */
export interface CsfPdu extends PduBase { opcode: 52 }
/** 1SL (53): srcMepId, reserved (2), testId, txFCf, reserved (4). rspMepId/txFCb are not carried. */
export interface Sl1Pdu extends PduBase { opcode: 53; srcMepId: number; testId: number; txFCf: number }
/** SLM (55) / SLR (54) (Y.1731 9.22). rspMepId and txFCb are 0 in an SLM. */
export interface SlmPdu extends PduBase { opcode: 55; srcMepId: number; rspMepId: number; testId: number; txFCf: number; txFCb: number }
export interface SlrPdu extends PduBase { opcode: 54; srcMepId: number; rspMepId: number; testId: number; txFCf: number; txFCb: number }
/**
 * GNM (Y.1731 9.23, ETH-BN): subOpcode (1 = BNM). For BNM the nominal and current bandwidth
 * (Mbit/s) and the port id are decoded; for other sub-opcodes `data` holds the bytes up to the
 * first TLV.
 */
export interface GnmPdu extends PduBase {
  opcode: 32; subOpcode: number; nominalBandwidth?: number; currentBandwidth?: number; portId?: number; data?: Uint8Array;
}
/** Any opcode without a layout: header + the raw bytes after it (no TLV parsing). */
export interface UnknownPdu extends PduBase { opcode: UnknownOpcode; body: Uint8Array }

export type Pdu = CcmPdu | LbmPdu | LbrPdu | LtmPdu | LtrPdu | AisPdu | LckPdu | TstPdu | ApsPdu
  | RapsPdu | MccPdu | LmmPdu | LmrPdu | Dm1Pdu | DmmPdu | DmrPdu | ExmPdu | ExrPdu | VsmPdu | VsrPdu
  | CsfPdu | Sl1Pdu | SlmPdu | SlrPdu | GnmPdu | UnknownPdu;

/** The PDU interface for an opcode, e.g. PduOf<1> = CcmPdu. */
export type PduOf<K extends KnownOpcode> = Extract<Pdu, { opcode: K }>;

/** Decoded-MAID convenience type re-exported for users of CCM. */
export type { Maid };
