/**
 * Parsers of the conformance-testing parts of a scenario (docs/sim.md): crafted frame injection,
 * port state steps, one-way link impairments, frame / status / result expectations and windows.
 */
import { parseInterval } from '../common/interval.js';
import { parseOpcode, type CraftOptions } from '../pdu/craft.js';
import type { VlanTag } from '../pdu/types.js';
import { DEFECTS, IF_STATUS, type DefectName, type FngState, type IfStatusName } from '../engine/types.js';
import { bool, bounds, dur, hexBytes, int, isObj, known, mac, rate, str, type Err, type Obj } from './scenario-parse-util.js';
import type { DirImpairments, FrameFilter, FramesExpectation, PmExpectation, ReplyExpectation, StatusCheck, StepAction } from './scenario-types.js';

const num = (err: Err, min: number, max: number) => (v: unknown, w: string): number => int(v, w, err, min, max);

/** `{ delay, jitter, loss, corrupt }` of one direction. */
export function parseDir(v: unknown, w: string, err: Err): DirImpairments {
  if (!isObj(v)) return err(w, 'expected { delay, jitter, loss, corrupt }');
  known(v, ['delay', 'jitter', 'loss', 'corrupt'], w, err);
  return {
    ...(v.delay !== undefined ? { delayNs: dur(v.delay, `${w}.delay`, err) } : {}),
    ...(v.jitter !== undefined ? { jitterNs: dur(v.jitter, `${w}.jitter`, err) } : {}),
    ...(v.loss !== undefined ? { lossRate: rate(v.loss, `${w}.loss`, err) } : {}),
    ...(v.corrupt !== undefined ? { corruptRate: rate(v.corrupt, `${w}.corrupt`, err) } : {}),
  };
}

/** The window of an expectation: `within: T` = [0, T]; `window: [A, B]` = [A, B] after the step. */
export function parseWindow(x: Obj, w: string, err: Err): { fromNs: number; toNs: number } {
  if (x.within !== undefined && x.window !== undefined) err(w, 'give within or window, not both');
  if (x.window !== undefined) {
    const [a, b] = bounds(x.window, `${w}.window`, err, (v, ww) => dur(v, ww, err));
    if (b === Infinity) err(`${w}.window`, 'needs an upper bound');
    return { fromNs: a, toNs: b };
  }
  return { fromNs: 0, toNs: x.within === undefined ? 0 : dur(x.within, `${w}.within`, err) };
}

const IF_NAMES = Object.keys(IF_STATUS) as IfStatusName[];

/** `port: { port: sw:p, stp: forwarding|blocked, link: up|down, if-status: <21.5.5 name> }` */
export function parsePortStep(x: Obj, w: string, err: Err): StepAction {
  known(x, ['port', 'stp', 'link', 'if-status'], w, err);
  const a: StepAction = { kind: 'port', port: str(x.port, `${w}.port`, err) };
  if (x.stp !== undefined) {
    if (x.stp !== 'forwarding' && x.stp !== 'blocked') err(`${w}.stp`, 'forwarding or blocked');
    a.stp = x.stp as 'forwarding' | 'blocked';
  }
  if (x.link !== undefined) {
    if (x.link !== 'up' && x.link !== 'down') err(`${w}.link`, 'up or down');
    a.link = x.link as 'up' | 'down';
  }
  if (x['if-status'] !== undefined) {
    if (!IF_NAMES.includes(x['if-status'] as IfStatusName)) err(`${w}.if-status`, `one of ${IF_NAMES.join(', ')}`);
    a.ifStatus = x['if-status'] as IfStatusName;
  }
  if (a.stp === undefined && a.link === undefined && a.ifStatus === undefined) err(w, 'give stp, link or if-status');
  return a;
}

const INJECT_KEYS = [
  'port', 'from', 'opcode', 'count', 'every',
  // `cfm craft` options, same names
  'level', 'mep-id', 'md', 'ma', 'interval', 'rdi', 'seq', 'src', 'dst', 'vlan', 'transaction-id', 'ttl', 'target',
  'data', 'port-status', 'if-status', 'test-id',
  // beyond craft: the MAID of a configured MEP or as hex, the flags octet, raw TLVs
  'maid-of', 'maid', 'flags', 'tlvs',
];

/** `--vlan`-like: a VID, or "[s|c]VID[/PCP]"; a list for two tags (outer first). */
function vlans(v: unknown, w: string, err: Err): VlanTag[] {
  const one = (x: unknown, ww: string): VlanTag => {
    const m = /^(s|c)?(\d{1,4})(?:\/([0-7]))?$/i.exec(String(x));
    if (!m || Number(m[2]) > 4095) return err(ww, 'a VID or "[s|c]VID[/PCP]", e.g. 100, s200/7');
    return { tpid: m[1]?.toLowerCase() === 's' ? 0x88a8 : 0x8100, pcp: m[3] ? Number(m[3]) : 7, dei: false, vid: Number(m[2]) };
  };
  if (Array.isArray(v)) {
    if (v.length > 2) err(w, 'at most two tags');
    return v.map((x, i) => one(x, `${w}[${i}]`));
  }
  return [one(v, w)];
}

/** `inject: { port, from, opcode, ...cfm craft options, maid-of, maid, flags, tlvs, count, every }` */
export function parseInject(x: Obj, w: string, err: Err): StepAction {
  known(x, INJECT_KEYS, w, err);
  const opcode = parseOpcode(String(x.opcode ?? ''));
  if (opcode === undefined) err(`${w}.opcode`, 'an opcode name (ccm, lbm, ltm, ais, dmm, ...) or a number 0..255');
  const from = x.from ?? 'wire';
  if (from !== 'wire' && from !== 'relay') err(`${w}.from`, "'wire' (arrives on the port from its link) or 'relay' (leaves the bridge through the port)");
  const c: CraftOptions = {};
  if (x.level !== undefined) c.level = int(x.level, `${w}.level`, err, 0, 7);
  if (x['mep-id'] !== undefined) c.mepId = int(x['mep-id'], `${w}.mep-id`, err, 0, 0xffff);
  if (x.md !== undefined) c.md = str(x.md, `${w}.md`, err);
  if (x.ma !== undefined) c.ma = str(x.ma, `${w}.ma`, err);
  if (x.interval !== undefined) {
    const i = parseInterval(x.interval as string | number);
    if (i === undefined) err(`${w}.interval`, 'one of 3.33ms 10ms 100ms 1s 10s 1min 10min (or 1..7)');
    c.interval = i;
  }
  if (x.rdi !== undefined) c.rdi = bool(x.rdi, `${w}.rdi`, err);
  if (x.seq !== undefined) c.seq = int(x.seq, `${w}.seq`, err, 0, 0xffffffff);
  if (x.src !== undefined) c.src = mac(x.src, `${w}.src`, err);
  if (x.dst !== undefined) c.dst = mac(x.dst, `${w}.dst`, err);
  if (x.vlan !== undefined) c.vlans = vlans(x.vlan, `${w}.vlan`, err);
  if (x['transaction-id'] !== undefined) c.transactionId = int(x['transaction-id'], `${w}.transaction-id`, err, 0, 0xffffffff);
  if (x.ttl !== undefined) c.ttl = int(x.ttl, `${w}.ttl`, err, 0, 255);
  if (x.target !== undefined) c.target = mac(x.target, `${w}.target`, err);
  if (x.data !== undefined) c.data = new TextEncoder().encode(str(x.data, `${w}.data`, err));
  if (x['port-status'] !== undefined) c.portStatus = int(x['port-status'], `${w}.port-status`, err, 0, 255);
  if (x['if-status'] !== undefined) c.interfaceStatus = int(x['if-status'], `${w}.if-status`, err, 0, 255);
  if (x['test-id'] !== undefined) c.testId = int(x['test-id'], `${w}.test-id`, err, 0, 0xffffffff);
  if (x['maid-of'] !== undefined && x.maid !== undefined) err(w, 'give maid-of or maid, not both');
  let maid: Uint8Array | undefined;
  if (x.maid !== undefined) {
    maid = hexBytes(x.maid, `${w}.maid`, err);
    if (maid.length !== 48) err(`${w}.maid`, `48 octets (got ${maid.length})`);
  }
  const rawTlvs = x.tlvs === undefined ? [] : Array.isArray(x.tlvs) ? x.tlvs.map((t, i) => {
    const tw = `${w}.tlvs[${i}]`;
    if (!isObj(t)) return err(tw, 'expected { type, value: hex }');
    known(t, ['type', 'value'], tw, err);
    return { type: int(t.type, `${tw}.type`, err, 1, 255), value: t.value === undefined ? new Uint8Array(0) : hexBytes(t.value, `${tw}.value`, err) };
  }) : err(`${w}.tlvs`, 'a list of { type, value: hex }');
  return {
    kind: 'inject', port: str(x.port, `${w}.port`, err), from: from as 'wire' | 'relay', opcode: opcode as number, craft: c,
    ...(x['maid-of'] !== undefined ? { maidOf: str(x['maid-of'], `${w}.maid-of`, err) } : {}),
    ...(maid ? { maid } : {}),
    ...(x.flags !== undefined ? { flags: int(x.flags, `${w}.flags`, err, 0, 255) } : {}),
    rawTlvs,
    count: x.count === undefined ? 1 : int(x.count, `${w}.count`, err, 1, 1_000_000),
    everyNs: x.every === undefined ? 1e9 : dur(x.every, `${w}.every`, err),
  };
}

const FATES = ['sent', 'dropped', 'lost', 'down', 'cut', 'corrupted', 'any'] as const;

/** `expect: { frames: { link, from, fate, opcode, ... }, count, within | window }` */
export function parseFramesExpect(x: Obj, w: string, err: Err): FramesExpectation {
  known(x, ['frames', 'count', 'within', 'window'], w, err);
  const fw = `${w}.frames`;
  if (!isObj(x.frames)) return err(fw, 'expected { link, from, fate, opcode, level, da, sa, flags, rdi, ttl, seq, transaction-id, mep-id, tlvs, port-status, if-status, vlan }');
  const f = x.frames;
  known(f, ['link', 'from', 'fate', 'opcode', 'level', 'da', 'sa', 'flags', 'rdi', 'ttl', 'seq', 'transaction-id', 'mep-id', 'tlvs', 'port-status', 'if-status', 'vlan'], fw, err);
  const fate = f.fate ?? 'sent';
  if (!FATES.includes(fate as (typeof FATES)[number])) err(`${fw}.fate`, `one of ${FATES.join(', ')}`);
  let opcode: number | undefined;
  if (f.opcode !== undefined) {
    opcode = parseOpcode(String(f.opcode));
    if (opcode === undefined) err(`${fw}.opcode`, 'an opcode name or number');
  }
  const filter: FrameFilter = {
    link: str(f.link, `${fw}.link`, err), fate: fate as FrameFilter['fate'],
    ...(f.from !== undefined ? { from: str(f.from, `${fw}.from`, err) } : {}),
    ...(opcode !== undefined ? { opcode } : {}),
    ...(f.level !== undefined ? { level: int(f.level, `${fw}.level`, err, 0, 7) } : {}),
    ...(f.da !== undefined ? { da: mac(f.da, `${fw}.da`, err) } : {}),
    ...(f.sa !== undefined ? { sa: mac(f.sa, `${fw}.sa`, err) } : {}),
    ...(f.flags !== undefined ? { flags: int(f.flags, `${fw}.flags`, err, 0, 255) } : {}),
    ...(f.rdi !== undefined ? { rdi: bool(f.rdi, `${fw}.rdi`, err) } : {}),
    ...(f.ttl !== undefined ? { ttl: int(f.ttl, `${fw}.ttl`, err, 0, 255) } : {}),
    ...(f.seq !== undefined ? { seq: int(f.seq, `${fw}.seq`, err, 0, 0xffffffff) } : {}),
    ...(f['transaction-id'] !== undefined ? { transactionId: int(f['transaction-id'], `${fw}.transaction-id`, err, 0, 0xffffffff) } : {}),
    ...(f['mep-id'] !== undefined ? { mepId: int(f['mep-id'], `${fw}.mep-id`, err, 0, 0xffff) } : {}),
    ...(f['port-status'] !== undefined ? { portStatus: int(f['port-status'], `${fw}.port-status`, err, 0, 255) } : {}),
    ...(f['if-status'] !== undefined ? { interfaceStatus: int(f['if-status'], `${fw}.if-status`, err, 0, 255) } : {}),
    ...(f.vlan !== undefined ? { vlan: int(f.vlan, `${fw}.vlan`, err, 0, 4095) } : {}),
  };
  if (f.tlvs !== undefined) {
    if (!Array.isArray(f.tlvs)) err(`${fw}.tlvs`, 'a list of TLV types');
    filter.tlvs = (f.tlvs as unknown[]).map((t, i) => int(t, `${fw}.tlvs[${i}]`, err, 0, 255));
  }
  const { fromNs, toNs } = parseWindow(x, w, err);
  if (x.within === undefined && x.window === undefined) err(w, 'frames are counted over a window: give within or window');
  const count = x.count === undefined ? ([1, Infinity] as [number, number]) : bounds(x.count, `${w}.count`, err, num(err, 0, 1e9));
  return { filter, count, fromNs, toNs };
}

const FNG_STATES: FngState[] = ['fngReset', 'fngDefect', 'fngReportDefect', 'fngDefectReported', 'fngDefectClearing'];
const STATUS_KEYS = ['counter', 'fng-state', 'highest-defect', 'present-rdi', 'port-status', 'if-status'];

/** A status check (`counter`, `fng-state`, `highest-defect`, `present-rdi`, remote TLVs) or null. */
export function parseStatusCheck(x: Obj, w: string, err: Err): StatusCheck | null {
  const keys = STATUS_KEYS.filter((k) => x[k] !== undefined);
  if (keys.length === 0) return null;
  if (keys.length > 1 && !(keys.every((k) => k === 'port-status' || k === 'if-status'))) err(w, `one status check per expectation (got ${keys.join(', ')})`);
  if (x.within !== undefined || x.window !== undefined || x.never !== undefined) err(w, 'status checks hold at the step time: no within, window or never');
  const k = keys[0];
  if (k === 'counter') {
    known(x, ['mep', 'mip', 'counter', 'value'], w, err);
    if ((x.mep === undefined) === (x.mip === undefined)) err(w, 'give mep or mip');
    return {
      kind: 'counter', counter: str(x.counter, `${w}.counter`, err), value: bounds(x.value, `${w}.value`, err, num(err, 0, Number.MAX_SAFE_INTEGER)),
      ...(x.mep !== undefined ? { mep: str(x.mep, `${w}.mep`, err) } : { mip: str(x.mip, `${w}.mip`, err) }),
    };
  }
  const mep = str(x.mep, `${w}.mep`, err);
  if (k === 'fng-state') {
    known(x, ['mep', 'fng-state'], w, err);
    if (!FNG_STATES.includes(x['fng-state'] as FngState)) err(`${w}.fng-state`, `one of ${FNG_STATES.join(', ')}`);
    return { kind: 'fng-state', mep, state: x['fng-state'] as FngState };
  }
  if (k === 'highest-defect') {
    known(x, ['mep', 'highest-defect'], w, err);
    const d = x['highest-defect'];
    if (d !== 'none' && !DEFECTS.includes(d as DefectName)) err(`${w}.highest-defect`, `one of ${DEFECTS.join(', ')}, none`);
    return { kind: 'highest-defect', mep, defect: d as DefectName | 'none' };
  }
  if (k === 'present-rdi') {
    known(x, ['mep', 'present-rdi'], w, err);
    return { kind: 'present-rdi', mep, value: bool(x['present-rdi'], `${w}.present-rdi`, err) };
  }
  known(x, ['mep', 'remote', 'port-status', 'if-status'], w, err);
  return {
    kind: 'remote-tlv', mep, remote: int(x.remote, `${w}.remote`, err, 1, 8191),
    ...(x['port-status'] !== undefined ? { portStatus: int(x['port-status'], `${w}.port-status`, err, 0, 255) } : {}),
    ...(x['if-status'] !== undefined ? { interfaceStatus: int(x['if-status'], `${w}.if-status`, err, 0, 255) } : {}),
  };
}

/** `expect-replies: [{ ttl, relay-action, forwarded, terminal-mep, ingress-action, egress-action, ingress-mac, egress-mac }]` */
export function parseReplies(v: unknown, w: string, err: Err): ReplyExpectation[] {
  if (!Array.isArray(v)) return err(w, 'a list of linktrace replies, nearest hop first');
  return v.map((r, i) => {
    const rw = `${w}[${i}]`;
    if (!isObj(r)) return err(rw, 'expected { ttl, relay-action, forwarded, terminal-mep, ingress-action, egress-action, ingress-mac, egress-mac }');
    known(r, ['ttl', 'relay-action', 'forwarded', 'terminal-mep', 'ingress-action', 'egress-action', 'ingress-mac', 'egress-mac'], rw, err);
    const ra = r['relay-action'];
    if (ra !== undefined && ra !== 'rlyHit' && ra !== 'rlyFdb' && ra !== 'rlyMpdb') err(`${rw}.relay-action`, 'rlyHit, rlyFdb or rlyMpdb');
    return {
      ...(r.ttl !== undefined ? { ttl: int(r.ttl, `${rw}.ttl`, err, 0, 255) } : {}),
      ...(ra !== undefined ? { relayAction: ra as string } : {}),
      ...(r.forwarded !== undefined ? { forwarded: bool(r.forwarded, `${rw}.forwarded`, err) } : {}),
      ...(r['terminal-mep'] !== undefined ? { terminalMep: bool(r['terminal-mep'], `${rw}.terminal-mep`, err) } : {}),
      ...(r['ingress-action'] !== undefined ? { ingressAction: int(r['ingress-action'], `${rw}.ingress-action`, err, 0, 255) } : {}),
      ...(r['egress-action'] !== undefined ? { egressAction: int(r['egress-action'], `${rw}.egress-action`, err, 0, 255) } : {}),
      ...(r['ingress-mac'] !== undefined ? { ingressMac: mac(r['ingress-mac'], `${rw}.ingress-mac`, err) } : {}),
      ...(r['egress-mac'] !== undefined ? { egressMac: mac(r['egress-mac'], `${rw}.egress-mac`, err) } : {}),
    };
  });
}

/** PM step expectations: `expect-received`, `expect-delay: [min, max]`, `expect-far-end-loss`, `expect-near-end-loss`. */
export function parsePmExpect(x: Obj, w: string, err: Err): PmExpectation | undefined {
  const e: PmExpectation = {};
  const n = num(err, 0, 1e9);
  if (x['expect-received'] !== undefined) e.received = bounds(x['expect-received'], `${w}.expect-received`, err, n);
  if (x['expect-delay'] !== undefined) e.delayNs = bounds(x['expect-delay'], `${w}.expect-delay`, err, (v, ww) => dur(v, ww, err));
  if (x['expect-far-end-loss'] !== undefined) e.farEndLoss = bounds(x['expect-far-end-loss'], `${w}.expect-far-end-loss`, err, n);
  if (x['expect-near-end-loss'] !== undefined) e.nearEndLoss = bounds(x['expect-near-end-loss'], `${w}.expect-near-end-loss`, err, n);
  return Object.keys(e).length ? e : undefined;
}
