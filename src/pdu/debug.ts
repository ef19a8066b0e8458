/**
 * Operator debug decode (seed 004): one concise text block per frame, like a switch's ETH-CFM
 * debug log, plus the JSON form. A frame first passes the multi-phase validity check; an invalid
 * frame is reported with its phase, offset and reason and a bounded hex dump.
 *
 * Truncation (seed 004), each with its own byte budget:
 *  - TLVs with sub-fields (Sender ID, Reply Ingress/Egress port IDs): each variable sub-field is
 *    shown as hex up to TRUNCATE.subField bytes;
 *  - Organization-Specific TLVs: OUI and subtype, value up to TRUNCATE.orgSpecific bytes;
 *  - padded Data and Test TLVs: length plus the first TRUNCATE.padding bytes;
 *  - unknown opcodes (and unknown TLVs): the generic header, then a hex dump of up to
 *    TRUNCATE.unknown bytes of the unknown fields.
 */
import { toHex } from './bytes.js';
import { decodeFrame } from './frame.js';
import { frameJson, maidJson, pduFieldsJson, type JsonObject, type JsonValue } from './json.js';
import { opcodeName } from './layouts.js';
import { maidToString, decodeMaid } from './maid.js';
import {
  CHASSIS_SUBTYPE, CSF_TYPE, EGRESS_ACTION, INGRESS_ACTION, INTERFACE_STATUS, MEP_MIP_ID_SUBTYPE, named, periodName,
  PORT_STATUS, RELAY_ACTION, TEST_PATTERN,
} from './names.js';
import { PduDecodeError, PHASE_NAMES } from './errors.js';
import { salvageFields } from './salvage.js';
import { tlvName } from './tlv.js';
import type { CcmPdu, CfmFrame, KnownTlv, Pdu, Tlv } from './types.js';

/** Printable bytes per truncation reason. */
export const TRUNCATE = { subField: 16, orgSpecific: 16, padding: 8, unknown: 32 } as const;

export interface DebugOptions {
  /** Decode with MBZ tolerance (warnings instead of errors). */
  lenient?: boolean;
  /** Frame number printed in the first line. */
  index?: number;
  /** 'rx' | 'tx' tag for debug-tagged MEPs. */
  direction?: 'rx' | 'tx';
  /** Capture time printed after the index, seconds. */
  timeSec?: number;
  /** false: build only the JSON form (`text` is empty): `cfm decode --json` of big captures. */
  text?: boolean;
}

export interface DebugResult {
  valid: boolean;
  /** Human text, one or more lines (no trailing newline). */
  text: string;
  /** JSON form: `index`, `valid`, `error` {phase, offset, message} when invalid, else the decoded frame. */
  json: JsonObject;
  /** Whether any field was truncated to a bounded hex dump. */
  truncated: boolean;
  /** Why (one entry per truncation). */
  truncations: string[];
  frame?: CfmFrame;
}

class Lines {
  readonly out: string[] = [];
  readonly truncations: string[] = [];
  add(s: string): void {
    this.out.push('    ' + s);
  }
  /** Hex of at most `max` bytes, noting a truncation with its reason. */
  hex(b: Uint8Array, max: number, reason: string): string {
    if (b.length <= max) return b.length ? toHex(b, ' ') : '(empty)';
    this.truncations.push(`${reason}: ${b.length} bytes, ${max} shown`);
    return `${toHex(b.subarray(0, max), ' ')} ... (${b.length} bytes, truncated)`;
  }
}

function fmtValue(v: JsonValue): string {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('seconds' in v && 'nanoseconds' in v) return `${v.seconds}.${String(v.nanoseconds).padStart(9, '0')}s`;
    return Object.entries(v).map(([k, x]) => `${k}=${fmtValue(x)}`).join(' ');
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Derived flag fields of the JSON form, shown in the flags line of the text form instead. */
const FLAG_KEYS = new Set(['rdi', 'traffic', 'interval', 'intervalName', 'useFdbOnly', 'fwdYes', 'terminalMep', 'relayActionName', 'period', 'periodName', 'csfType', 'csfTypeName', 'proactive']);

/** Field name in the text form: txTimestampF -> tx-timestamp-f; Y.1731 counter names stay as written (TxFCf). */
function kebab(k: string): string {
  if (/^(tx|rx)FC[fb]$/.test(k)) return k[0].toUpperCase() + k.slice(1);
  return k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** Printable ASCII as "text", else bounded hex. */
function textOrHex(L: Lines, b: Uint8Array, reason: string): string {
  if (b.length > 0 && b.length <= TRUNCATE.subField && b.every((x) => x >= 0x20 && x < 0x7f)) return `"${Buffer.from(b).toString('latin1')}"`;
  return L.hex(b, TRUNCATE.subField, reason);
}

function flagText(p: Pdu): string {
  const f = p.flags;
  const parts: string[] = [];
  switch (p.opcode) {
    case 1:
      if (f & 0x80) parts.push('RDI');
      if (f & 0x40) parts.push('Traffic');
      if (f & 0x38) parts.push(`reserved 0x${(f & 0x38).toString(16).padStart(2, '0')}`);
      parts.push(`interval ${periodName(f & 7)}`);
      break;
    case 5: if (f & 0x80) parts.push('UseFDBonly'); break;
    case 4:
      if (f & 0x80) parts.push('UseFDBonly');
      if (f & 0x40) parts.push('FwdYes');
      if (f & 0x20) parts.push('TerminalMEP');
      break;
    case 32: case 33: case 35: parts.push(`period ${periodName(f & 7)}`); break;
    case 52: parts.push(`type ${named(CSF_TYPE, (f >> 3) & 7)} period ${periodName(f & 7)}`); break;
    case 42: case 43: parts.push(f & 1 ? 'proactive' : 'on-demand'); break;
  }
  return parts.length ? ` [${parts.join(' ')}]` : '';
}

function renderTlv(L: Lines, tlv: Tlv): void {
  const k = tlv as Tlv & Record<string, unknown>;
  const t = tlv as KnownTlv;
  const head = `tlv ${tlvName(t.type)} (${t.type})`;
  const raw = k.value instanceof Uint8Array && !(t.type === 31 && 'oui' in k);
  if (raw) {
    L.add(`${head} len ${(k.value as Uint8Array).length}: ${L.hex(k.value as Uint8Array, TRUNCATE.unknown, `${tlvName(t.type)} TLV`)}`);
    return;
  }
  switch (t.type) {
    case 1: {
      const parts: string[] = [];
      if (t.chassisId) parts.push(`chassis ${named(CHASSIS_SUBTYPE, t.chassisIdSubtype ?? 0)} ${t.chassisIdSubtype === 4 && t.chassisId.length === 6 ? toHex(t.chassisId, ':') : textOrHex(L, t.chassisId, 'Sender ID chassis ID')}`);
      else parts.push('no chassis ID');
      if (t.mgmtDomain) parts.push(`mgmt-domain ${L.hex(t.mgmtDomain, TRUNCATE.subField, 'Sender ID management domain')}`);
      if (t.mgmtAddress) parts.push(`mgmt-address ${L.hex(t.mgmtAddress, TRUNCATE.subField, 'Sender ID management address')}`);
      L.add(`${head}: ${parts.join(', ')}`);
      return;
    }
    case 2: L.add(`${head}: ${named(PORT_STATUS, t.value)}`); return;
    case 4: L.add(`${head}: ${named(INTERFACE_STATUS, t.value)}`); return;
    case 3: L.add(`${head} len ${t.data.length}: ${L.hex(t.data, TRUNCATE.padding, 'Data TLV')}`); return;
    case 5:
    case 6: {
      const action = named(t.type === 5 ? INGRESS_ACTION : EGRESS_ACTION, t.action);
      const port = t.portId ? `, port-id (subtype ${t.portIdSubtype ?? '-'}) ${textOrHex(L, t.portId, `${tlvName(t.type)} port ID`)}` : '';
      L.add(`${head}: ${action} ${t.mac}${port}`);
      return;
    }
    case 7: L.add(`${head}: ${toHex(t.egressId.subarray(0, 2))}/${toHex(t.egressId.subarray(2), ':')}`); return;
    case 8:
      L.add(`${head}: last ${toHex(t.lastEgressId.subarray(0, 2))}/${toHex(t.lastEgressId.subarray(2), ':')} next ${toHex(t.nextEgressId.subarray(0, 2))}/${toHex(t.nextEgressId.subarray(2), ':')}`);
      return;
    case 31:
      L.add(`${head}: oui ${t.oui.toString(16).padStart(6, '0')} subtype ${t.subtype} value ${L.hex(t.value, TRUNCATE.orgSpecific, 'Organization-Specific TLV')}`);
      return;
    case 32: {
      const pat = t.pattern ?? new Uint8Array(0);
      const crc = t.crc32 !== undefined ? ` crc32 ${t.crc32.toString(16).padStart(8, '0')}` : '';
      L.add(`${head}: ${named(TEST_PATTERN, t.patternType)} ${t.length} bytes${crc}: ${L.hex(pat, TRUNCATE.padding, 'Test TLV pattern')}`);
      return;
    }
    case 33:
    case 34:
      L.add(`${head}: ${named(MEP_MIP_ID_SUBTYPE, t.subtype)}${t.mepId !== undefined ? ` mep-id ${t.mepId}` : ` ${L.hex(t.id, TRUNCATE.subField, `${tlvName(t.type)} ID`)}`}`);
      return;
    case 35: {
      const m = decodeMaid(t.megId);
      L.add(`${head}: mep-id ${t.mepId} loopback-indication ${t.loopbackIndication} meg ${m.malformed ? toHex(t.megId.subarray(0, 16)) : maidToString(m)}`);
      return;
    }
    case 36: L.add(`${head}: test-id ${t.testId}`); return;
  }
}

function renderPdu(L: Lines, f: CfmFrame): void {
  const p = f.pdu;
  L.add(`level ${p.level} version ${p.version} opcode ${p.opcode} flags 0x${p.flags.toString(16).padStart(2, '0')}${flagText(p)} first-tlv-offset ${p.firstTlvOffset}`);
  if (p.opcode === 1) {
    const c = p as CcmPdu;
    const m = maidJson(c.maid);
    L.add(`seq ${c.seq} mep-id ${c.mepId} maid ${maidToString(decodeMaid(c.maid))} (md fmt ${m.mdFormat}, ma fmt ${m.maFormat})`);
    if (c.txFCf || c.rxFCb || c.txFCb) L.add(`txFCf ${c.txFCf} rxFCb ${c.rxFCb} txFCb ${c.txFCb}`);
  } else if ('body' in p) {
    L.add(`unknown opcode: body ${L.hex(p.body, TRUNCATE.unknown, `unknown opcode ${p.opcode}`)}`);
  } else {
    const fields = pduFieldsJson(p);
    const parts: string[] = [];
    for (const [k, v] of Object.entries(fields)) {
      if (FLAG_KEYS.has(k)) continue; // already shown in the flags line
      if (k === 'reserved' && typeof v === 'string' && /^0*$/.test(v)) continue; // all-zero reserved octets
      if (k === 'status' && p.opcode === 40) {
        const st = p.status;
        parts.push(`status 0x${st.toString(16).padStart(2, '0')}${st & 0x80 ? ' RB' : ''}${st & 0x40 ? ' DNF' : ''}${st & 0x20 ? ' BPR' : ''}`);
        continue;
      }
      if (k === 'data' && typeof v === 'string') parts.push(`data ${L.hex(Uint8Array.from(Buffer.from(v, 'hex')), TRUNCATE.unknown, `${opcodeName(p.opcode)} data`)}`);
      else if (k === 'relayAction') parts.push(`relay-action ${named(RELAY_ACTION, v as number)}`);
      else if (k === 'oui' && typeof v === 'number') parts.push(`oui ${v.toString(16).padStart(6, '0')}`);
      else parts.push(`${kebab(k)} ${fmtValue(v)}`);
    }
    if (p.opcode === 46) {
      // Y.1731 8.2.2 two-way frame delay: (RxTimeb - TxTimeStampf) - (TxTimeStampb - RxTimeStampf)
      const ns = (t: { seconds: number; nanoseconds: number }) => BigInt(t.seconds) * 1_000_000_000n + BigInt(t.nanoseconds);
      const d = ns(p.rxTimestampB) - ns(p.txTimestampF) - (ns(p.txTimestampB) - ns(p.rxTimestampF));
      parts.push(`(frame delay ${(Number(d) / 1000).toFixed(3)}us)`);
    }
    if (parts.length) L.add(parts.join(' '));
  }
  for (const t of p.tlvs) renderTlv(L, t);
  for (const w of f.warnings ?? []) L.add(`warning: phase ${w.phase} at byte ${w.offset}: ${w.message}`);
}

/** The salvaged header and CCM fields of an invalid frame, one line. */
function salvageText(j: JsonObject): string {
  const parts: string[] = [];
  const add = (k: string, label: string) => {
    if (j[k] !== undefined && j[k] !== null && typeof j[k] !== 'object') parts.push(`${label} ${String(j[k])}`);
  };
  if (j.level === undefined) return 'nothing past the Ethernet header';
  add('level', 'level');
  add('version', 'version');
  add('opcodeName', 'opcode');
  if (typeof j.flags === 'number') parts.push(`flags 0x${j.flags.toString(16).padStart(2, '0')}`);
  add('firstTlvOffset', 'first-tlv-offset');
  add('seq', 'seq');
  add('mepId', 'mep-id');
  const maid = j.maid as JsonObject | undefined;
  if (maid && typeof maid === 'object') parts.push(`maid ${JSON.stringify(maid.mdName)}/${JSON.stringify(maid.maName)}`);
  if (Array.isArray(j.tlvs)) parts.push(`${j.tlvs.length} TLV(s)`);
  return parts.join(' ');
}

function vlanText(f: CfmFrame): string {
  return f.vlans.map((v) => ` ${v.tpid === 0x88a8 ? 's-vlan' : 'vlan'} ${v.vid} pcp ${v.pcp}${v.dei ? ' dei' : ''}`).join('');
}

/** Decode, validate and render one frame for an operator. Never throws for bad frame bytes. */
export function renderDebug(bytes: Uint8Array, opts: DebugOptions = {}): DebugResult {
  const L = new Lines();
  const idx = opts.index !== undefined ? `#${opts.index} ` : '';
  const dir = opts.direction ? `${opts.direction} ` : '';
  const time = opts.timeSec !== undefined ? `${opts.timeSec.toFixed(6)} ` : '';
  const json: JsonObject = {};
  if (opts.index !== undefined) json.index = opts.index;
  let frame: CfmFrame;
  try {
    frame = decodeFrame(bytes, { lenient: opts.lenient });
  } catch (e) {
    if (!(e instanceof PduDecodeError)) throw e;
    const macs = bytes.length >= 12 ? ` ${toHex(bytes.subarray(6, 12), ':')} > ${toHex(bytes.subarray(0, 6), ':')}` : '';
    const head = `${idx}${time}${dir}INVALID${macs} len ${bytes.length}`;
    L.add(`phase ${e.phase} (${PHASE_NAMES[e.phase]}) at byte ${e.offset}: ${e.reason}`);
    const from = Math.max(0, Math.min(e.offset - 8, bytes.length));
    L.add(`bytes ${from}..: ${L.hex(bytes.subarray(from), TRUNCATE.unknown, 'invalid frame')}`);
    json.valid = false;
    json.error = { phase: e.phase, offset: e.offset, message: e.reason };
    json.length = bytes.length;
    if (bytes.length >= 12) {
      json.dst = toHex(bytes.subarray(0, 6), ':');
      json.src = toHex(bytes.subarray(6, 12), ':');
    }
    // every field read before the failure, as Wireshark shows them (salvage.ts)
    Object.assign(json, salvageFields(bytes));
    if (opts.text !== false) L.add(`read: ${salvageText(json)}`);
    return { valid: false, text: [head, ...L.out].join('\n'), json, truncated: L.truncations.length > 0, truncations: L.truncations };
  }
  json.valid = true;
  Object.assign(json, frameJson(frame));
  if (opts.text === false) return { valid: true, text: '', json, truncated: false, truncations: [], frame };
  const head = `${idx}${time}${dir}${opcodeName(frame.pdu.opcode)} ${frame.src} > ${frame.dst}${vlanText(frame)} len ${bytes.length}`;
  renderPdu(L, frame);
  return { valid: true, text: [head, ...L.out].join('\n'), json, truncated: L.truncations.length > 0, truncations: L.truncations, frame };
}
