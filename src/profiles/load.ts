/**
 * Load and validate hardware profiles: hw-profiles/<name>.json (shipped) or any path (an
 * integrator's own chip). JSON Schema (schema/hw-profile.schema.json) first, then the rules the
 * schema cannot say (every unknown number carries a note, port list matches port count, ...),
 * then conversion to the typed HwProfile (interval names -> codes, "many" -> Infinity).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseInterval } from '../common/interval.js';
import type { IntervalCode } from '../common/interval.js';
import { CfmError } from '../common/errors.js';
import { PACKAGE_ROOT, schemaIssues } from '../config/ajv.js';
import { formatIssue } from '../config/errors.js';
import type { ConfigIssue } from '../config/model.js';
import { parseSource } from '../config/source.js';
import type { HwProfile, OffloadLevel } from './types.js';

export const PROFILE_DIR = join(PACKAGE_ROOT, 'hw-profiles');

export class ProfileError extends CfmError {
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = []) {
    super('PROFILE', issues.length ? `${message}: ${issues.map(formatIssue).join('; ')}` : message);
    this.name = 'ProfileError';
    this.issues = issues;
  }
}

/**
 * The raw JSON shape (kebab-case), as documented in docs/profiles.md: the descriptive fields as
 * HwProfile has them, the rest in the JSON's names and units.
 */
interface RawProfile extends Pick<HwProfile, 'name' | 'description' | 'vendor' | 'family' | 'variants' | 'generation' | 'backend' | 'ports'> {
  'port-count': number | null;
  voes: { port: number | null; service: number | null; up: number | null; down: number | null; 'shared-total': number | null; 'per-port': number | null };
  mips: { down: number | null; up: number | null };
  'tx-intervals': Array<string | number>;
  'rx-intervals': Array<string | number>;
  'ccm-tx': HwProfile['ccmTx'];
  'injector-budget-fps': number | null;
  'peers-per-voe': number | 'many';
  'remote-mep-table': number | null;
  'up-mep': boolean;
  'vlan-mep': boolean;
  offload: { loopback: OffloadLevel; linktrace: OffloadLevel; 'ais-lck': OffloadLevel; lm: OffloadLevel; dm: OffloadLevel };
  loc: { method: HwProfile['loc']['method']; threshold: number | null; note?: string };
  defects: HwProfile['defects'];
  'cpu-queues': { count: number | null; 'per-pdu-type': boolean };
  policers: { count: number | null; 'granularity-pps': number | null; 'max-rate-pps': number | null } | null;
  counters: string[];
  sources: Record<string, string>;
  notes?: Record<string, string>;
}

/** Names of the shipped profiles, sorted. */
export function listProfiles(): string[] {
  if (!existsSync(PROFILE_DIR)) return [];
  return readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

function resolvePath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.json')) return nameOrPath;
  return join(PROFILE_DIR, `${nameOrPath}.json`);
}

const cache = new Map<string, HwProfile>();

/** Load a profile by shipped name ('lan966x') or path; throws ProfileError listing every problem. */
export function loadProfile(nameOrPath: string): HwProfile {
  const path = resolvePath(nameOrPath);
  const hit = cache.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    const known = listProfiles();
    throw new ProfileError(`no hardware profile '${nameOrPath}' (known: ${known.join(', ') || 'none'})`);
  }
  const text = readProfileText(path);
  if (typeof text !== 'string') throw new ProfileError(text.message);
  const { profile, issues } = validateProfileText(text, path);
  if (!profile) throw new ProfileError(`invalid hardware profile ${path}`, issues);
  cache.set(path, profile);
  return profile;
}

/** Validate profile JSON text; returns the typed profile when there are no issues. */
export function validateProfileText(text: string, fileName = '<profile>'): { profile?: HwProfile; issues: ConfigIssue[] } {
  const src = parseSource(text, fileName);
  if (src.issues.length) return { issues: src.issues };
  const issues = schemaIssues('hw-profile.schema.json', src.data);
  if (issues.length === 0) issues.push(...semanticIssues(src.data as RawProfile, fileName));
  for (const i of issues) {
    const loc = src.locate(i.pointer);
    if (loc) i.location = loc;
  }
  if (issues.length) return { issues };
  return { profile: toProfile(src.data as RawProfile), issues };
}

function semanticIssues(r: RawProfile, fileName: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const expected = basename(fileName).replace(/\.json$/, '');
  if (fileName !== '<profile>' && r.name !== expected) {
    out.push({ pointer: '/name', rule: 'profile.name-file', message: `name '${r.name}' differs from the file name '${expected}.json'`, hint: `rename the file or set "name": "${expected}"` });
  }
  for (const key of ['tx-intervals', 'rx-intervals'] as const) {
    r[key].forEach((v, i) => {
      if (parseInterval(v) === undefined) out.push({ pointer: `/${key}/${i}`, rule: 'profile.interval', message: `${JSON.stringify(v)} is not a CCM interval`, hint: 'use 3.33ms, 10ms, 100ms, 1s, 10s, 1min, 10min (or codes 1..7)' });
    });
  }
  if (r['port-count'] !== null && r.ports.length > 0 && r.ports.length !== r['port-count']) {
    out.push({ pointer: '/ports', rule: 'profile.port-count', message: `${r.ports.length} port names but port-count is ${r['port-count']}`, hint: 'make them agree' });
  }
  if (r['ccm-tx'] === 'injected' && r['injector-budget-fps'] === null && !r.notes?.['/injector-budget-fps']) {
    out.push({ pointer: '/injector-budget-fps', rule: 'profile.null-without-note', message: 'CCMs are injected but the injector budget is null with no note', hint: 'give the budget in fps or explain under notes["/injector-budget-fps"]' });
  }
  // Every unknown number must say why it is unknown (never invent a number, never leave it bare).
  const nullable: Array<[string, unknown]> = [
    ['/port-count', r['port-count']], ['/remote-mep-table', r['remote-mep-table']], ['/loc/threshold', r.loc.threshold],
    ['/cpu-queues/count', r['cpu-queues'].count],
    // shared-total and per-port null mean "no such limit", not "unknown".
    ...Object.entries(r.voes).filter(([k]) => k !== 'shared-total' && k !== 'per-port').map(([k, v]): [string, unknown] => [`/voes/${k}`, v]),
    ...Object.entries(r.mips).map(([k, v]): [string, unknown] => [`/mips/${k}`, v]),
    ...(r.policers ? Object.entries(r.policers).map(([k, v]): [string, unknown] => [`/policers/${k}`, v]) : []),
  ];
  const notes = r.notes ?? {};
  for (const [p, v] of nullable) {
    if (v !== null) continue;
    const parent = p.slice(0, p.lastIndexOf('/'));
    if (!notes[p] && !(parent && notes[parent])) {
      out.push({ pointer: p, rule: 'profile.null-without-note', message: `${p} is null (unknown) but notes has no entry for it`, hint: `add "notes": {"${p}": "why it is unknown"}` });
    }
  }
  if (r.voes.up === 0 && r['up-mep']) out.push({ pointer: '/up-mep', rule: 'profile.contradiction', message: 'up-mep is true but voes.up is 0', hint: 'set voes.up to the number of up-MEP VOEs, or up-mep false' });
  if (Object.keys(r.sources).length === 0) out.push({ pointer: '/sources', rule: 'profile.sources', message: 'a profile cites at least one source', hint: 'add {"<pointer or topic>": "<datasheet, SDK header, driver file>"}' });
  return out;
}

function toCodes(list: Array<string | number>): IntervalCode[] {
  return [...new Set(list.map((v) => parseInterval(v)!))].sort((a, b) => a - b);
}

function toProfile(r: RawProfile): HwProfile {
  const off = r.offload;
  const p: HwProfile = {
    name: r.name,
    description: r.description,
    vendor: r.vendor,
    family: r.family,
    variants: [...r.variants],
    backend: r.backend,
    ports: [...r.ports],
    portCount: r['port-count'],
    voes: { port: r.voes.port, service: r.voes.service, up: r.voes.up, down: r.voes.down, sharedTotal: r.voes['shared-total'], perPort: r.voes['per-port'] },
    mips: { down: r.mips.down, up: r.mips.up },
    txIntervals: toCodes(r['tx-intervals']),
    rxIntervals: toCodes(r['rx-intervals']),
    ccmTx: r['ccm-tx'],
    injectorBudgetFps: r['injector-budget-fps'],
    peersPerVoe: r['peers-per-voe'] === 'many' ? Number.POSITIVE_INFINITY : r['peers-per-voe'],
    remoteMepTable: r['remote-mep-table'],
    upMep: r['up-mep'],
    vlanMep: r['vlan-mep'],
    offload: { loopback: off.loopback === 'full', linktrace: off.linktrace === 'full', aisLck: off['ais-lck'] === 'full', lm: off.lm === 'full', dm: off.dm === 'full' },
    offloadDetail: { loopback: off.loopback, linktrace: off.linktrace, aisLck: off['ais-lck'], lm: off.lm, dm: off.dm },
    loc: r.loc.note === undefined ? { method: r.loc.method, threshold: r.loc.threshold } : { method: r.loc.method, threshold: r.loc.threshold, note: r.loc.note },
    defects: [...r.defects],
    cpuQueues: { count: r['cpu-queues'].count, perPduType: r['cpu-queues']['per-pdu-type'] },
    policers: r.policers ? { count: r.policers.count, granularityPps: r.policers['granularity-pps'], maxRatePps: r.policers['max-rate-pps'] } : null,
    counters: [...r.counters],
    sources: { ...r.sources },
    notes: { ...(r.notes ?? {}) },
  };
  if (r.generation !== undefined) p.generation = r.generation;
  return p;
}

/** Every problem of a profile file as a list (for `cfm profile validate`); [] = valid. */
export function validateProfileFile(path: string): ConfigIssue[] {
  if (!existsSync(path)) return [{ pointer: '', rule: 'file', message: `no such file: ${path}` }];
  const text = readProfileText(path);
  if (typeof text !== 'string') return [text];
  return validateProfileText(text, path).issues;
}

const READ_ERRORS: Record<string, string> = { EISDIR: 'is a directory', EACCES: 'permission denied', EIO: 'input/output error' };

/**
 * The text of the profile file at `path`, or the issue naming the path and why it cannot be read
 * (a directory, an unreadable file): a typed error like the config loader's, never a raw errno.
 */
function readProfileText(path: string): string | ConfigIssue {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const why = READ_ERRORS[code] ? `${READ_ERRORS[code]} (${code})` : code || (e as Error).message;
    return { pointer: '', rule: 'file', message: `cannot read hardware profile ${path}: ${why}` };
  }
}
