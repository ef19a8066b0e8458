/**
 * The PDU codec: CFM (802.1Q clause 21) and Y.1731 PDUs, TLVs, MAID, multi-phase validation,
 * debug rendering and pcap I/O. See docs/pdu.md.
 */
export * from './types.js';
export { PduDecodeError, PduEncodeError, PcapError, PHASE_NAMES, type DecodePhase } from './errors.js';
export {
  encodeFrame, decodeFrame, encodePdu, decodePdu, levelMulticast, isCfmMulticast, opcodeName,
  standardFirstTlvOffset, type DecodeOptions,
} from './frame.js';
export { tlvName } from './tlv.js';
export { canonicalMac, parseMac, toHex } from './bytes.js';
export { crc32, prbs31 } from './crc32.js';
export { encodeMaid, decodeMaid, maidToString, MaidError, MAID_LENGTH, type Maid, type MdName, type MaName } from './maid.js';
export { ccmFlags, ccmRdi, ccmInterval, ccmTraffic, periodOf, csfType, withPeriod } from './flags.js';
export { decodeCcmFast, newCcmView, maidEquals, patchCcm, pduOffsetOf, type CcmRule, type CcmView } from './fast.js';
export { readPcap, writePcap, PcapReader, LINKTYPE_ETHERNET, type ByteSource, type PcapFile, type PcapPacket, type WritePacket } from './pcap.js';
export { renderDebug, TRUNCATE, type DebugOptions, type DebugResult } from './debug.js';
export { frameJson, tlvJson, maidJson, pduFieldsJson, type JsonObject, type JsonValue } from './json.js';
export { FrameJsonWriter, type FrameLine } from './json-lines.js';
export { salvageFields } from './salvage.js';
export { sampleCorpus, SAMPLE_MAID } from './samples.js';
export { craftFrame, parseOpcode, type CraftOptions } from './craft.js';
