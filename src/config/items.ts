/**
 * The builders of model objects from schema-valid raw config entries (one domain, association,
 * MEP, board...): every YANG default filled in, MAIDs encoded, names checked. Problems that stop an
 * object from being built become issues through `issue`. The order in which they are called (and
 * the cross references) is the ModelBuilder's (builder.ts).
 */
import { isAbsolute, join } from 'node:path';
import { parseInterval } from '../common/interval.js';
import type { IntervalCode } from '../common/interval.js';
import { encodeMaid, MAID_LENGTH } from '../pdu/maid.js';
import type { MaName, MdName } from '../pdu/maid.js';
import { loadProfile } from '../profiles/load.js';
import { fit, sortIfNeeded } from './compact.js';
import type {
  Association, BoardRef, Domain, FaultSignalling, LocalMep, LowestAlarmPriority, PmSessionConfig,
} from './model.js';
import { ID_PERMISSION_FROM_YANG, LOWEST_ALARM_NAMES, MHF_FROM_YANG } from './raw.js';
import type { RawAssociation, RawBoard, RawDomain, RawFaultSignalling, RawMep, RawPmSession } from './raw.js';

const enc = new TextEncoder();

export function mipKey(sw: string, port: string, vlan: number, level: number): string {
  return `${sw}/${port}/${vlan}/${level}`;
}

export function bindingKey(sw: string, port: string, vlan: number): string {
  return `${sw}/${port}/${vlan}`;
}

export type IssueFn = (pointer: string, rule: string, message: string, hint?: string) => void;

export function resolveBoard(rb: RawBoard | undefined, topPorts: string[] | undefined, p: string, issue: IssueFn, baseDir?: string): BoardRef | undefined {
  if (!rb && !topPorts) return undefined;
  if (rb?.ports && topPorts) issue('/ports', 'board.ports-twice', 'ports are given both at top level and under board', 'keep board.ports');
  let ports = rb?.ports ?? topPorts ?? [];
  if (rb?.profile !== undefined) {
    try {
      const isPath = rb.profile.includes('/') || rb.profile.endsWith('.json');
      const prof = loadProfile(isPath && baseDir && !isAbsolute(rb.profile) ? join(baseDir, rb.profile) : rb.profile);
      if (!rb.ports) ports = prof.ports;
    } catch (err) {
      issue(p + '/profile', 'board.unknown-profile', (err as Error).message, 'run `cfm profile list` for the shipped profiles, or give a path to a profile JSON');
    }
  }
  const ref: BoardRef = { name: rb?.name ?? rb?.profile ?? 'board', ports: [...ports] };
  if (rb?.profile !== undefined) ref.profile = rb.profile;
  return ref;
}

export function buildDomain(rd: RawDomain, p: string, issue: IssueFn): Domain {
  const choices = (['none', 'dns-like-name', 'mac-address-and-uint-type', 'char-string'] as const).filter((k) => rd[k] !== undefined);
  if (choices.length > 1) {
    issue(p + '/' + choices[1], 'md.name-choice', `md-name is a choice: ${choices.join(' and ')} are both given`, 'keep one of none, dns-like-name, mac-address-and-uint-type, char-string');
  }
  let name: MdName;
  const c = choices[0];
  if (c === 'none') name = { format: 1 };
  else if (c === 'dns-like-name') name = { format: 2, name: rd['dns-like-name']! };
  else if (c === 'mac-address-and-uint-type') name = { format: 3, mac: normMac(rd['mac-address-and-uint-type']!.address), id: rd['mac-address-and-uint-type']!.int };
  else name = { format: 4, name: rd['char-string'] ?? 'DEFAULT' }; // YANG default char-string "DEFAULT"
  return {
    id: rd['md-id'],
    name,
    level: rd['md-level'] ?? 0,
    mhfCreation: MHF_FROM_YANG[rd['mhf-creation'] ?? 'mhf-none'],
    senderIdPermission: ID_PERMISSION_FROM_YANG[rd['id-permission'] ?? 'send-id-none'],
    associations: [],
  };
}

/** Y.1731 Annex A: ICC is 1..6 characters, alphabetic or leading alphabetic with trailing numeric. */
const ICC_RE = /^[A-Z]{1,6}$|^[A-Z]+[0-9]+$/;

function buildIcc(ra: RawAssociation, p: string, issue: IssueFn): MaName | undefined {
  if (ra['icc-based'] !== undefined) {
    const v = ra['icc-based'];
    const pp = p + '/icc-based';
    let s: string;
    if (typeof v === 'string') {
      s = v;
      if (!/^[A-Z][A-Z0-9]*$/.test(s)) issue(pp, 'ma.icc-format', `ICC-based MEG ID '${s}' must be upper-case letters and digits, starting with a letter`, 'Y.1731 Annex A: ICC (1-6 chars) followed by the UMC');
    } else {
      if (!ICC_RE.test(v.icc) || v.icc.length > 6) issue(pp + '/icc', 'ma.icc-format', `ICC '${v.icc}' must be 1-6 characters, alphabetic or alphabetic followed by digits`, 'Y.1731 Annex A / ITU-T M.1400');
      if (!/^[A-Z0-9]+$/.test(v.umc)) issue(pp + '/umc', 'ma.icc-format', `UMC '${v.umc}' must be upper-case letters and digits`, 'Y.1731 Annex A');
      s = v.icc + v.umc;
    }
    if (s.length < 1 || s.length > 13) issue(pp, 'ma.icc-length', `ICC-based MEG ID '${s}' is ${s.length} characters; it is at most 13 (ICC + UMC)`, 'Y.1731 Annex A, MEG ID format 32');
    return { format: 32, name: s };
  }
  const v = ra['icc-and-cc']!;
  const pp = p + '/icc-and-cc';
  let s: string;
  if (typeof v === 'string') {
    s = v;
    if (!/^[A-Z]{2}[A-Z][A-Z0-9]*$/.test(s)) issue(pp, 'ma.icc-format', `ICC+CC MEG ID '${s}' must be a 2-letter country code then the ICC and UMC (upper-case letters, digits)`, 'Y.1731 Annex A, MEG ID format 33');
  } else {
    if (!/^[A-Z]{2}$/.test(v.cc)) issue(pp + '/cc', 'ma.icc-format', `CC '${v.cc}' must be an ISO 3166-1 alpha-2 country code`, 'e.g. "US", "DE"');
    if (!ICC_RE.test(v.icc) || v.icc.length > 6) issue(pp + '/icc', 'ma.icc-format', `ICC '${v.icc}' must be 1-6 characters, alphabetic or alphabetic followed by digits`, 'ITU-T M.1400');
    if (!/^[A-Z0-9]+$/.test(v.umc)) issue(pp + '/umc', 'ma.icc-format', `UMC '${v.umc}' must be upper-case letters and digits`, 'Y.1731 Annex A');
    s = v.cc + v.icc + v.umc;
  }
  if (s.length < 3 || s.length > 15) issue(pp, 'ma.icc-length', `ICC+CC MEG ID '${s}' is ${s.length} characters; it is at most 15 (CC + ICC + UMC)`, 'Y.1731 Annex A, MEG ID format 33');
  return { format: 33, name: s };
}

export function buildAssociation(ra: RawAssociation, d: Domain, p: string, issue: IssueFn): Association {
  const choices = (['primary-vid', 'char-string', 'unsigned-int16', 'vpn-id', 'icc-based', 'icc-and-cc'] as const).filter((k) => ra[k] !== undefined);
  let name: MaName = { format: 2, name: ra['ma-id'] };
  if (choices.length === 0) {
    issue(p, 'ma.name-missing', `maintenance-association '${ra['ma-id']}' has no ma-name`, 'add one of primary-vid, char-string, unsigned-int16, vpn-id, icc-based, icc-and-cc (YANG ma-name is mandatory)');
  } else {
    if (choices.length > 1) issue(p + '/' + choices[1], 'ma.name-choice', `ma-name is a choice: ${choices.join(' and ')} are both given`, 'keep one');
    const c = choices[0];
    if (c === 'primary-vid') name = { format: 1, vid: ra['primary-vid']! };
    else if (c === 'char-string') name = { format: 2, name: ra['char-string']! };
    else if (c === 'unsigned-int16') name = { format: 3, id: ra['unsigned-int16']! };
    else if (c === 'vpn-id') name = { format: 4, oui: ra['vpn-id']!['vpn-oui'], index: ra['vpn-id']!['vpn-index'] };
    else {
      name = buildIcc(ra, p, issue) ?? name;
      if (d.name.format !== 1) {
        issue(p + '/' + c, 'ma.icc-needs-md-none', `MEG ID format ${name.format} (ICC) is only valid with md-name none, but domain '${d.id}' has a name`,
          "set `none: [null]` on the maintenance-domain (Y.1731 Annex A: ICC MEG IDs carry MD name format 1)");
      }
    }
  }
  const maid = buildMaid(d.name, name, p + (choices[0] ? '/' + choices[0] : ''), issue);
  let interval: IntervalCode = 4;
  if (ra['ccm-interval'] !== undefined) {
    const code = parseInterval(ra['ccm-interval']);
    if (code === undefined) issue(p + '/ccm-interval', 'ma.interval', `ccm-interval ${JSON.stringify(ra['ccm-interval'])} is not a CCM interval`, 'use 300hz, 10ms, 100ms, 1sec, 10sec, 1min or 10min');
    else interval = code;
  }
  const ids: number[] = [];
  const list = ra['maintenance-association-mep'] ?? [];
  // a short list (nearly all) is searched; a Set per MA was a large share of what loading allocates
  const seen = list.length > 32 ? new Set<number>() : undefined;
  list.forEach((e, k) => {
    const id = typeof e === 'number' ? e : e['mep-id'];
    if (seen ? seen.has(id) : ids.includes(id)) {
      issue(`${p}/maintenance-association-mep/${k}`, 'ma.duplicate-mep-id', `MEP id ${id} is listed twice in '${d.id}/${ra['ma-id']}'`, 'list each MEP id of the MA once');
      return;
    }
    seen?.add(id);
    ids.push(id);
  });
  sortIfNeeded(ids, (x, y) => x - y);
  const mhfRaw = MHF_FROM_YANG[ra['mhf-creation'] ?? 'mhf-defer'];
  const idRaw = ID_PERMISSION_FROM_YANG[ra['id-permission'] ?? 'send-id-defer'];
  return {
    id: ra['ma-id'],
    domainId: d.id,
    key: `${d.id}/${ra['ma-id']}`,
    name,
    maid,
    level: d.level,
    interval,
    // A primary-VID MA name names its service VLAN; otherwise `vid` (absent = port service).
    vlan: ra.vid ?? (name.format === 1 && 'vid' in name ? name.vid : 0),
    mepIds: fit(ids),
    meps: [],
    mhfCreation: mhfRaw === 'defer' ? d.mhfCreation : mhfRaw,
    senderIdPermission: idRaw === 'defer' ? d.senderIdPermission : idRaw,
  };
}

/** MAIDs per shared slab. */
const MAIDS_PER_SLAB = 1024;
let slab: ArrayBuffer | undefined;
let slabNext = 0;

/**
 * A MAID as a 48-byte view into a shared slab, as Node's Buffer pool does (issue 11 item 25): a
 * Uint8Array of its own costs about 360 bytes (typed array, ArrayBuffer, native backing store),
 * a third of a loaded association; a view about 100. Consumers read it through the view (length
 * 48, byteOffset honoured: subarray, set, N-API typed-array data); nothing relies on `.buffer`.
 */
function pooledMaid(bytes: Uint8Array): Uint8Array {
  if (!slab || slabNext === MAIDS_PER_SLAB) {
    slab = new ArrayBuffer(MAIDS_PER_SLAB * MAID_LENGTH);
    slabNext = 0;
  }
  const view = new Uint8Array(slab, slabNext++ * MAID_LENGTH, MAID_LENGTH);
  view.set(bytes);
  return view;
}

function buildMaid(md: MdName, ma: MaName, p: string, issue: IssueFn): Uint8Array {
  const mdLen = md.format === 1 ? 0 : 1 + (md.format === 3 ? 8 : 'name' in md ? enc.encode(md.name).length : 0);
  const maLen = 'name' in ma && (ma.format === 2) ? enc.encode(ma.name).length
    : ma.format === 1 || ma.format === 3 ? 2 : ma.format === 4 ? 7 : ma.format === 32 ? 13 : ma.format === 33 ? 15 : 0;
  const total = 1 + mdLen + 2 + maLen;
  if (total > MAID_LENGTH) {
    issue(p, 'ma.maid-too-long', `MD name and short MA name need ${total} bytes; the MAID has ${MAID_LENGTH} (802.1Q 21.6.5)`,
      `shorten the names: MD name ${Math.max(0, mdLen - 1)} bytes + MA name ${maLen} bytes must be at most ${MAID_LENGTH - 4}`);
    return new Uint8Array(MAID_LENGTH);
  }
  try {
    return pooledMaid(encodeMaid({ md, ma }));
  } catch (err) {
    issue(p, 'ma.maid', (err as Error).message);
    return new Uint8Array(MAID_LENGTH);
  }
}

export function buildMep(rm: RawMep, a: Association, d: Domain, groupId: string, sw: string, p: string, issue: IssueFn): LocalMep {
  const cc = rm['continuity-check'] ?? {};
  const inactive = rm['inactive-remote-mep']?.length ? new Set<number>() : undefined;
  (rm['inactive-remote-mep'] ?? []).forEach((x, i) => {
    const id = x['inactive-rmep-id'];
    if (!a.mepIds.includes(id) || id === rm['mep-id']) {
      issue(`${p}/inactive-remote-mep/${i}/inactive-rmep-id`, 'mep.inactive-not-remote', `inactive remote MEP ${id} is not a remote MEP of '${a.key}'`, `remote MEPs of the MA: ${a.mepIds.filter((x2) => x2 !== rm['mep-id']).join(', ') || '(none)'}`);
    }
    inactive!.add(id);
  });
  const idRaw = ID_PERMISSION_FROM_YANG[rm['id-permission'] ?? 'send-id-defer'];
  const lowest = LOWEST_ALARM_NAMES.indexOf((cc['lowest-priority-defect'] ?? 'mac-remote-error-xcon') as (typeof LOWEST_ALARM_NAMES)[number]) + 1;
  const m: LocalMep = {
    key: `${d.id}/${a.id}/${rm['mep-id']}`,
    mepId: rm['mep-id'],
    domainId: d.id,
    associationId: a.id,
    groupId,
    switch: sw,
    level: d.level,
    interval: a.interval,
    vlan: a.vlan,
    maid: a.maid,
    port: rm.interface,
    direction: rm.direction,
    enabled: rm.enabled ?? false,
    ccmLtmPriority: rm['ccm-ltm-priority'] ?? 7,
    ccmEnabled: cc['ccm-enabled'] ?? false,
    lowestAlarmPriority: lowest as LowestAlarmPriority,
    fngAlarmTimeMs: cc['fng-alarm-time'] ?? 2500,
    fngResetTimeMs: cc['fng-reset-time'] ?? 10000,
    portStatusTlv: rm['port-status-tlv'] ?? false,
    interfaceStatusTlv: rm['interface-status-tlv'] ?? false,
    senderIdPermission: idRaw === 'defer' ? a.senderIdPermission : idRaw,
    remoteMepIds: fit(a.mepIds.filter((x) => x !== rm['mep-id'] && !inactive?.has(x))),
    placement: rm.offload ?? 'auto',
  };
  if (rm['mac-address'] !== undefined) m.macAddress = normMac(rm['mac-address']);
  const fs = rm['fault-signalling'];
  if (fs) m.faultSignalling = buildFaultSignalling(fs, m, `${p}/fault-signalling`, issue);
  const pm = rm['pm-session'];
  if (pm) m.pmSessions = pm.map((s, i) => buildPmSession(s, m, a, `${p}/pm-session/${i}`, issue));
  pm?.forEach((s, i) => {
    if (pm.findIndex((x) => x['session-id'] === s['session-id']) !== i) issue(`${p}/pm-session/${i}/session-id`, 'mep.pm-duplicate', `PM session '${s['session-id']}' is configured twice on MEP ${m.key}`, 'give each session of a MEP its own session-id');
  });
  return m;
}

/** Default bin thresholds (µs): FD 5, 10, 20 ms; IFDV 1, 5, 10 ms. */
const FD_BINS_US = [5000, 10000, 20000];
const IFDV_BINS_US = [1000, 5000, 10000];

/** A Y.1731 proactive PM session (docs/y1731.md): one target, ascending bins, SLM-only test id. */
function buildPmSession(s: RawPmSession, m: LocalMep, a: Association, p: string, issue: IssueFn): PmSessionConfig {
  const byId = s['target-mep-id'] !== undefined;
  if (byId === (s['target-mac'] !== undefined)) issue(p, 'mep.pm-target', `PM session '${s['session-id']}' needs exactly one of target-mep-id and target-mac`);
  else if (byId && (s['target-mep-id'] === m.mepId || !a.mepIds.includes(s['target-mep-id']!))) {
    issue(`${p}/target-mep-id`, 'mep.pm-target', `MEP ${s['target-mep-id']} is not a remote MEP of '${a.key}'`, `remote MEPs of the MA: ${a.mepIds.filter((x) => x !== m.mepId).join(', ') || '(none)'}`);
  }
  if (s['test-id'] !== undefined && s.type !== 'slm') issue(`${p}/test-id`, 'mep.pm-test-id', 'test-id is for SLM sessions only');
  for (const k of ['fd-bins-us', 'ifdv-bins-us'] as const) {
    const b = s[k];
    if (b && b.some((x, i) => i > 0 && x <= b[i - 1])) issue(`${p}/${k}`, 'mep.pm-bins', `bin thresholds [${b.join(', ')}] are not strictly ascending`);
  }
  const out: PmSessionConfig = {
    id: s['session-id'],
    type: s.type,
    enabled: s.enabled ?? true,
    messagePeriodMs: s['message-period-ms'] ?? 1000,
    measurementIntervalMin: s['measurement-interval-min'] ?? 15,
    history: s.history ?? 32,
    priority: s.priority ?? m.ccmLtmPriority,
    fdBinsUs: s['fd-bins-us'] ?? FD_BINS_US,
    ifdvBinsUs: s['ifdv-bins-us'] ?? IFDV_BINS_US,
  };
  if (byId) out.targetMepId = s['target-mep-id'];
  else if (s['target-mac'] !== undefined) out.targetMac = normMac(s['target-mac']);
  if (s['data-size'] !== undefined) out.dataSize = s['data-size'];
  if (s['test-id'] !== undefined) out.testId = s['test-id'];
  return out;
}

/** Y.1731 AIS/LCK/CSF of a MEP (docs/y1731.md); the client level must be above the MEP's (Y.1731 7.4.1). */
function buildFaultSignalling(fs: RawFaultSignalling, m: LocalMep, p: string, issue: IssueFn): FaultSignalling {
  if (fs['client-md-level'] <= m.level) issue(`${p}/client-md-level`, 'mep.ais-client-level', `client MEG level ${fs['client-md-level']} is not above the MEP's level ${m.level}`, 'AIS and LCK go up to a client (higher) MEG level, Y.1731 7.4.1');
  const code = fs.interval === undefined ? 4 : parseInterval(fs.interval);
  if (code !== 4 && code !== 6) issue(`${p}/interval`, 'mep.ais-interval', `AIS/LCK/CSF interval ${String(fs.interval)} is not 1s or 1min`, 'Y.1731 9.7: the period is 1 s or 1 min');
  if (fs['csf-enabled'] && m.direction !== 'up') issue(`${p}/csf-enabled`, 'mep.csf-down', 'CSF needs an up MEP (it reports the failure of the client port the MEP faces)', 'Y.1731 7.7');
  return {
    clientLevel: fs['client-md-level'],
    ais: fs['ais-enabled'] ?? true,
    period: code === 6 ? 6 : 4,
    priority: fs.priority ?? m.ccmLtmPriority,
    locked: fs.locked ?? false,
    csf: fs['csf-enabled'] ?? false,
  };
}

/** Lower case, colon separated (the kit's MAC spelling; YANG uses dashes on the wire of the API). */
export function normMac(mac: string): string {
  return mac.toLowerCase().replace(/-/g, ':');
}
