/**
 * JSON form of a decoded frame (`cfm decode --json`): JSON-safe values only (bytes as hex
 * strings), field names as in the PDU model, plus operator names for coded values.
 */
import { toHex } from './bytes.js';
import { ccmInterval, ccmRdi, ccmTraffic, csfType } from './flags.js';
import { opcodeName } from './layouts.js';
import { decodeMaid } from './maid.js';
import {
  CHASSIS_SUBTYPE, CSF_TYPE, EGRESS_ACTION, INGRESS_ACTION, INTERFACE_STATUS, MEP_MIP_ID_SUBTYPE, named, periodName,
  PORT_STATUS, RELAY_ACTION, TEST_PATTERN,
} from './names.js';
import { tlvName, tlvValueLength } from './tlv.js';
import type { CcmPdu, CfmFrame, Pdu, Tlv } from './types.js';

export { tlvValueLength };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

function jsonify(v: unknown): JsonValue {
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(jsonify);
  if (v && typeof v === 'object') {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = jsonify(x);
    return o;
  }
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

/** MAID as { mdFormat, mdName, maFormat, maName } with names as text (hex for raw formats). */
export function maidJson(maid: Uint8Array): JsonObject {
  const m = decodeMaid(maid);
  const md = m.md;
  const ma = m.ma;
  const mdName = 'raw' in md ? toHex(md.raw) : md.format === 1 ? null : md.format === 3 ? `${md.mac}/${md.id}` : md.name;
  const maName = 'raw' in ma ? toHex(ma.raw)
    : ma.format === 1 ? String(ma.vid)
    : ma.format === 3 ? String(ma.id)
    : ma.format === 4 ? `${ma.oui.toString(16).padStart(6, '0')}:${ma.index}` : ma.name;
  return { mdFormat: md.format, mdName, maFormat: ma.format, maName };
}

export function tlvJson(t: Tlv): JsonObject {
  const o = jsonify(t) as JsonObject;
  const out: JsonObject = { type: t.type, name: tlvName(t.type), length: tlvValueLength(t) };
  for (const [k, v] of Object.entries(o)) if (k !== 'type' && k !== 'length') out[k] = v;
  const k = t as Tlv & Record<string, unknown>;
  switch (t.type) {
    case 1: if (typeof k.chassisIdSubtype === 'number') out.chassisIdSubtypeName = named(CHASSIS_SUBTYPE, k.chassisIdSubtype); break;
    case 2: out.valueName = named(PORT_STATUS, k.value as number); break;
    case 4: out.valueName = named(INTERFACE_STATUS, k.value as number); break;
    case 5: out.actionName = named(INGRESS_ACTION, k.action as number); break;
    case 6: out.actionName = named(EGRESS_ACTION, k.action as number); break;
    case 32: out.patternLength = k.length as number; out.patternTypeName = named(TEST_PATTERN, k.patternType as number); break;
    case 33: case 34: out.subtypeName = named(MEP_MIP_ID_SUBTYPE, k.subtype as number); break;
  }
  return out;
}

const HEADER_KEYS = new Set(['opcode', 'level', 'version', 'flags', 'firstTlvOffset', 'tlvs']);

/** The PDU's fixed fields by name (JSON-safe), with derived flag fields. */
export function pduFieldsJson(p: Pdu): JsonObject {
  const o: JsonObject = {};
  if (p.opcode === 1) {
    const c = p as CcmPdu;
    o.seq = c.seq;
    o.mepId = c.mepId;
    o.rdi = ccmRdi(c);
    o.traffic = ccmTraffic(c);
    // 802.1Q 21.6.1: flag bits 6..4 are reserved (sent as 0, ignored on receipt): shown so a
    // peer that sets them can be seen
    o.reservedFlags = c.flags & 0x38;
    o.interval = ccmInterval(c);
    o.intervalName = periodName(ccmInterval(c));
    o.maid = maidJson(c.maid);
    o.maidHex = toHex(c.maid);
    o.txFCf = c.txFCf;
    o.rxFCb = c.rxFCb;
    o.txFCb = c.txFCb;
  } else {
    for (const [k, v] of Object.entries(p)) if (!HEADER_KEYS.has(k) && v !== undefined) o[k] = jsonify(v);
    switch (p.opcode) {
      case 5: o.useFdbOnly = (p.flags & 0x80) !== 0; break;
      case 4:
        o.useFdbOnly = (p.flags & 0x80) !== 0;
        o.fwdYes = (p.flags & 0x40) !== 0;
        o.terminalMep = (p.flags & 0x20) !== 0;
        o.relayActionName = named(RELAY_ACTION, p.relayAction);
        break;
      case 33: case 35: case 32:
        o.period = p.flags & 7;
        o.periodName = periodName(p.flags & 7);
        break;
      case 52:
        o.period = p.flags & 7;
        o.periodName = periodName(p.flags & 7);
        o.csfType = csfType(p);
        o.csfTypeName = named(CSF_TYPE, csfType(p));
        break;
      case 42: case 43: o.proactive = (p.flags & 1) !== 0; break;
    }
  }
  if (p.extra) o.extra = toHex(p.extra);
  return o;
}

/** One decoded frame as JSON. */
export function frameJson(f: CfmFrame): JsonObject {
  const p = f.pdu;
  const o: JsonObject = {
    dst: f.dst, src: f.src, vlans: jsonify(f.vlans),
    level: p.level, version: p.version, opcode: p.opcode, opcodeName: opcodeName(p.opcode),
    flags: p.flags, firstTlvOffset: p.firstTlvOffset ?? null,
    ...pduFieldsJson(p),
    tlvs: p.tlvs.map(tlvJson),
  };
  if (f.padding) o.paddingLength = f.padding.length;
  if (f.warnings) o.warnings = jsonify(f.warnings);
  return o;
}
