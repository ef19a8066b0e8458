/**
 * Changes to a running configuration, one MEP or MA at a time (what an operator does with
 * `cfm mep set` / `cfm cc interval`, or a firmware with manager.change()). A change is checked,
 * then applied to the model copy-on-write: only the path from the model to each changed MEP is
 * copied, everything else is shared with the old model, so a change costs the same at 100 and
 * at 8,192 MEPs. The manager then re-plans and reconciles only the changed MEPs (replan.ts).
 *
 * What can change without a new config file: per MEP the administrative state (802.1Q 12.14.7.1.3
 * b), CCIenabled (12.14.7.1.3 d, 20.10.1), the CCM/LTM priority (12.14.7.1.3 e), the lowest alarm
 * priority (20.9.5), the operator placement pin, and which of the MA's MEP ids it expects as
 * remote MEPs (deactivating a peer); per MA the CCM interval (12.14.6.1.3 e, 20.8.1), which every
 * MEP of the MA follows. Identity (ids, levels, VLANs, ports, MAIDs) changes with a new config.
 */
import { intervalName, isIntervalCode, type IntervalCode } from '../common/interval.js';
import { CfmError } from '../common/errors.js';
import { ConfigError } from '../config/errors.js';
import type { Association, CfmModel, ConfigIssue, Domain, LocalMep } from '../config/model.js';
import type { MepReplacement } from './replan.js';

export interface MepChange {
  /** "<md>/<ma>/<mepid>" as in plans and status. */
  key: string;
  enabled?: boolean;
  ccmEnabled?: boolean;
  ccmLtmPriority?: number;
  lowestAlarmPriority?: number;
  placement?: LocalMep['placement'];
  /** The remote MEPs this MEP expects: a subset of its MA's MEP ids (without its own). */
  remoteMepIds?: number[];
  /** Y.1731 administrative lock (LCK to the client level, 7.6); needs fault-signalling in the config. */
  locked?: boolean;
}

export interface AssociationChange {
  /** "<md>/<ma>". */
  key: string;
  interval?: IntervalCode;
}

export interface ConfigChange {
  meps?: MepChange[];
  associations?: AssociationChange[];
}

export interface ChangedModel {
  model: CfmModel;
  /** Every MEP whose configuration changed (old and new object), in change order. */
  replaced: MepReplacement[];
}

interface Where {
  d: number;
  a: number;
  m: number;
}

/** Positions of MEPs and MAs in a model; shared by the models a change derives (same shape). */
interface ModelIndex {
  meps: Map<string, Where>;
  associations: Map<string, { d: number; a: number }>;
}

const indexes = new WeakMap<CfmModel, ModelIndex>();

function indexOf(model: CfmModel): ModelIndex {
  let ix = indexes.get(model);
  if (!ix) {
    ix = { meps: new Map(), associations: new Map() };
    model.domains.forEach((dom, d) =>
      dom.associations.forEach((as, a) => {
        ix!.associations.set(as.key, { d, a });
        as.meps.forEach((mep, m) => ix!.meps.set(mep.key, { d, a, m }));
      }),
    );
    indexes.set(model, ix);
  }
  return ix;
}

/** The MEP with `key` in `model` (undefined when there is none); O(1) after the first call. */
export function findMep(model: CfmModel, key: string): LocalMep | undefined {
  const w = indexOf(model).meps.get(key);
  return w && model.domains[w.d].associations[w.a].meps[w.m];
}

/** A lock asked for by a change, with the MEP's lock before it (what `cfm mep set --lock` reports). */
export interface LockTransition {
  key: string;
  wasLocked: boolean;
  locked: boolean;
}

/** The lock requests of `change` against `model` as it is before the change. */
export function lockTransitions(model: CfmModel | null, change: ConfigChange): LockTransition[] {
  const out: LockTransition[] = [];
  for (const c of Array.isArray(change.meps) ? change.meps : []) {
    if (typeof c?.key !== 'string' || typeof c.locked !== 'boolean') continue;
    const m = model ? findMep(model, c.key) : undefined;
    out.push({ key: c.key, wasLocked: m?.faultSignalling?.locked === true, locked: c.locked });
  }
  return out;
}

const FIELDS_MEP = new Set(['key', 'enabled', 'ccmEnabled', 'ccmLtmPriority', 'lowestAlarmPriority', 'placement', 'remoteMepIds', 'locked']);
const FIELDS_MA = new Set(['key', 'interval']);
const PLACEMENTS: readonly string[] = ['auto', 'hardware', 'software'];

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * Check `change` against `model` and build the changed model. Throws ConfigError listing every
 * problem with a JSON pointer into the change (e.g. `/meps/0/ccmLtmPriority`).
 */
export function applyConfigChange(model: CfmModel, change: ConfigChange): ChangedModel {
  const ix = indexOf(model);
  const issues: ConfigIssue[] = [];
  const bad = (pointer: string, rule: string, message: string, hint?: string) => issues.push({ pointer, rule, message, ...(hint ? { hint } : {}) });
  const raw = change as unknown as Record<string, unknown>;
  if (typeof change !== 'object' || change === null) throw new ConfigError([{ pointer: '', rule: 'change.type', message: 'a change is an object { meps?, associations? }' }]);
  for (const k of Object.keys(raw)) if (k !== 'meps' && k !== 'associations') bad(`/${k}`, 'change.unknown', `unknown field '${k}'`, 'meps, associations');

  // The new state of each touched MEP, keyed; MA intervals first, MEP fields on top.
  const next = new Map<string, LocalMep>();
  const newAssoc = new Map<string, Association>();
  const cur = (key: string, w: Where) => next.get(key) ?? model.domains[w.d].associations[w.a].meps[w.m];

  const assocs = change.associations ?? [];
  if (!Array.isArray(assocs)) bad('/associations', 'change.type', 'must be a list');
  else assocs.forEach((c, i) => {
    const p = `/associations/${i}`;
    if (typeof c !== 'object' || c === null) return bad(p, 'change.type', 'must be an object { key, interval? }');
    for (const k of Object.keys(c)) if (!FIELDS_MA.has(k)) bad(`${p}/${k}`, 'change.unknown', `unknown field '${k}'`, [...FIELDS_MA].join(', '));
    const at = typeof c.key === 'string' ? ix.associations.get(c.key) : undefined;
    if (!at) return bad(`${p}/key`, 'change.unknown-ma', `no maintenance association '${String(c.key)}'`, 'keys are "<md>/<ma>"');
    if (c.interval === undefined) return;
    if (!isIntervalCode(c.interval)) return bad(`${p}/interval`, 'change.range', `interval ${String(c.interval)} is not an interval code 1..7`, '1 = 3.33ms ... 7 = 10min');
    const as = model.domains[at.d].associations[at.a];
    newAssoc.set(as.key, { ...(newAssoc.get(as.key) ?? as), interval: c.interval });
    for (const m of as.meps) next.set(m.key, { ...(next.get(m.key) ?? m), interval: c.interval });
  });

  const meps = change.meps ?? [];
  if (!Array.isArray(meps)) bad('/meps', 'change.type', 'must be a list');
  else meps.forEach((c, i) => {
    const p = `/meps/${i}`;
    if (typeof c !== 'object' || c === null) return bad(p, 'change.type', 'must be an object { key, ... }');
    for (const k of Object.keys(c)) if (!FIELDS_MEP.has(k)) bad(`${p}/${k}`, 'change.unknown', `unknown field '${k}'`, [...FIELDS_MEP].join(', '));
    const w = typeof c.key === 'string' ? ix.meps.get(c.key) : undefined;
    if (!w) return bad(`${p}/key`, 'change.unknown-mep', `no MEP '${String(c.key)}'`, 'keys are "<md>/<ma>/<mep-id>"');
    const m: LocalMep = { ...cur(c.key, w) };
    const as = model.domains[w.d].associations[w.a];
    if (c.enabled !== undefined) {
      if (typeof c.enabled !== 'boolean') bad(`${p}/enabled`, 'change.type', 'must be true or false');
      else m.enabled = c.enabled;
    }
    if (c.ccmEnabled !== undefined) {
      if (typeof c.ccmEnabled !== 'boolean') bad(`${p}/ccmEnabled`, 'change.type', 'must be true or false');
      else m.ccmEnabled = c.ccmEnabled;
    }
    if (c.ccmLtmPriority !== undefined) {
      if (!isInt(c.ccmLtmPriority, 0, 7)) bad(`${p}/ccmLtmPriority`, 'change.range', `${String(c.ccmLtmPriority)} is not 0..7`);
      else m.ccmLtmPriority = c.ccmLtmPriority;
    }
    if (c.lowestAlarmPriority !== undefined) {
      if (!isInt(c.lowestAlarmPriority, 1, 6)) bad(`${p}/lowestAlarmPriority`, 'change.range', `${String(c.lowestAlarmPriority)} is not 1..6`, '802.1Q 20.9.5');
      else m.lowestAlarmPriority = c.lowestAlarmPriority as LocalMep['lowestAlarmPriority'];
    }
    if (c.placement !== undefined) {
      if (!PLACEMENTS.includes(c.placement)) bad(`${p}/placement`, 'change.range', `'${String(c.placement)}' is not one of ${PLACEMENTS.join(', ')}`);
      else m.placement = c.placement;
    }
    if (c.remoteMepIds !== undefined) {
      const ids = c.remoteMepIds;
      const allowed = as.mepIds.filter((x) => x !== m.mepId);
      if (!Array.isArray(ids) || !ids.every((x) => isInt(x, 1, 8191))) bad(`${p}/remoteMepIds`, 'change.type', 'must be a list of MEP ids 1..8191');
      else if (new Set(ids).size !== ids.length) bad(`${p}/remoteMepIds`, 'change.duplicate', `duplicate MEP id in [${ids.join(', ')}]`);
      else {
        const stray = ids.filter((x) => !allowed.includes(x));
        if (stray.length) bad(`${p}/remoteMepIds`, 'change.not-in-ma', `MEP id${stray.length > 1 ? 's' : ''} ${stray.join(', ')} not in MA ${as.key} (remote MEPs: ${allowed.join(', ') || 'none'})`);
        else m.remoteMepIds = [...ids].sort((x, y) => x - y);
      }
    }
    if (c.locked !== undefined) {
      if (typeof c.locked !== 'boolean') bad(`${p}/locked`, 'change.type', 'must be true or false');
      else if (m.faultSignalling) m.faultSignalling = { ...m.faultSignalling, locked: c.locked };
      // Y.1731 7.6: an administratively locked MEP sends LCK to its client MEG level; without
      // fault-signalling (client-md-level) there is none, so a lock is refused. An unlock of such
      // a MEP asks for what already holds (it cannot be locked): accepted, nothing changes.
      else if (c.locked) bad(`${p}/locked`, 'change.no-client-level', `MEP ${m.key} has no fault-signalling (client-md-level) in its config: LCK has no level to go to`, 'Y.1731 7.6; docs/y1731.md');
    }
    next.set(m.key, m);
  });
  if (issues.length) {
    // A MEP or MA that does not exist is a wrong name on the command line (exit 2, as an unknown
    // MEP in `cfm loopback`), not a bad configuration: docs/oam-cli.md "Exit codes".
    if (issues.every((x) => x.rule === 'change.unknown-mep' || x.rule === 'change.unknown-ma')) {
      throw new CfmError('USAGE', issues.map((x) => `${x.pointer}: ${x.message} (${x.hint})`).join('; '));
    }
    throw new ConfigError(issues);
  }

  // Copy-on-write: the domains list, each touched domain's MA list, each touched MA's MEP list.
  const domains = model.domains.slice();
  const copiedDomain = new Set<number>();
  const copiedAssoc = new Set<string>();
  const touchAssoc = (d: number, a: number): Association => {
    if (!copiedDomain.has(d)) {
      const dom: Domain = { ...domains[d], associations: domains[d].associations.slice() };
      domains[d] = dom;
      copiedDomain.add(d);
    }
    const key = `${d}/${a}`;
    if (!copiedAssoc.has(key)) {
      const src = domains[d].associations[a];
      domains[d].associations[a] = { ...(newAssoc.get(src.key) ?? src), meps: src.meps.slice() };
      copiedAssoc.add(key);
    }
    return domains[d].associations[a];
  };
  const replaced: MepReplacement[] = [];
  for (const [key, m] of next) {
    const w = ix.meps.get(key)!;
    const old = model.domains[w.d].associations[w.a].meps[w.m];
    touchAssoc(w.d, w.a).meps[w.m] = m;
    if (!sameMep(old, m)) replaced.push({ old, now: m });
  }
  for (const [key, as] of newAssoc) {
    const at = ix.associations.get(key)!;
    const dst = touchAssoc(at.d, at.a);
    dst.interval = as.interval;
  }
  const out: CfmModel = { ...model, domains };
  indexes.set(out, ix); // same shape: positions carry over
  return { model: out, replaced };
}

function sameMep(a: LocalMep, b: LocalMep): boolean {
  return (
    a.enabled === b.enabled && a.ccmEnabled === b.ccmEnabled && a.ccmLtmPriority === b.ccmLtmPriority &&
    a.lowestAlarmPriority === b.lowestAlarmPriority && a.placement === b.placement && a.interval === b.interval &&
    a.remoteMepIds.join(',') === b.remoteMepIds.join(',') && a.faultSignalling?.locked === b.faultSignalling?.locked
  );
}

/** One line for logs and the CLI: "md1/ma1/1: ccmEnabled false; md1/ma1: interval 1s". */
export function describeChange(c: ConfigChange): string {
  const parts: string[] = [];
  for (const a of c.associations ?? []) if (a.interval !== undefined) parts.push(`${a.key}: interval ${intervalName(a.interval)}`);
  for (const m of c.meps ?? []) {
    const { key, ...rest } = m;
    parts.push(`${key}: ${Object.entries(rest).map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`).join(', ')}`);
  }
  return parts.join('; ');
}
