/**
 * The non-VOE part of a dry run (`cfm apply --dry-run`, also against a running manager with
 * `--socket`): what an apply would change in the manager's own services besides the VOEs —
 * software MEPs in the engine (the manager's rule: stopped and started again when
 * sameSoftwareConfig says their config changed), Y.1731 proactive PM sessions (started,
 * restarted with a new configuration, stopped; the rule of PmSessions.sync, y1731/pm-store.ts)
 * and fault signalling (AIS / LCK / CSF, y1731/signals.ts). Compared against the model and plan
 * the manager runs now (none: everything the new ones have starts).
 */
import type { CfmModel, FaultSignalling, LocalMep, PmSessionConfig } from '../config/model.js';
import { intervalName } from '../common/interval.js';
import { sameSoftwareConfig } from './sw-mep.js';
import type { Plan } from './types.js';

export interface ServiceChange {
  kind: 'start' | 'restart' | 'stop';
  what: 'software-mep' | 'pm-session' | 'fault-signalling';
  /** MEP key. */
  mep: string;
  /** PM session id (pm-session only). */
  id?: string;
  /** What the new configuration says, or why it stops / restarts. */
  detail: string;
}

function localMeps(model: CfmModel | null, sw: string): Map<string, LocalMep> {
  const out = new Map<string, LocalMep>();
  for (const d of model?.domains ?? []) for (const a of d.associations) for (const m of a.meps) {
    if (m.switch === sw && m.enabled) out.set(m.key, m);
  }
  return out;
}

function pmOf(meps: Map<string, LocalMep>): Map<string, { mep: string; cfg: PmSessionConfig }> {
  const out = new Map<string, { mep: string; cfg: PmSessionConfig }>();
  for (const m of meps.values()) for (const s of m.pmSessions ?? []) if (s.enabled) out.set(`${m.key}|${s.id}`, { mep: m.key, cfg: s });
  return out;
}

function describePm(s: PmSessionConfig): string {
  const target = s.targetMac ?? `MEP ${s.targetMepId}`;
  return `${s.type.toUpperCase()} to ${target} every ${s.messagePeriodMs} ms, ${s.measurementIntervalMin} min intervals`;
}

function describeFs(f: FaultSignalling): string {
  const on = [f.ais ? 'AIS' : null, f.locked ? 'LCK' : null, f.csf ? 'CSF' : null].filter((x) => x !== null);
  return `${on.length ? on.join('+') : 'nothing sent'} to level ${f.clientLevel}, ${intervalName(f.period)}, priority ${f.priority}`;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The MEPs a plan runs in the engine, by key (as the manager's wantSw picks them). */
function softwareMeps(model: CfmModel | null, p: Plan | null, sw: string): Map<string, LocalMep> {
  const all = new Map<string, LocalMep>();
  for (const d of model?.domains ?? []) for (const a of d.associations) for (const m of a.meps) if (m.switch === sw) all.set(m.key, m);
  const out = new Map<string, LocalMep>();
  for (const pm of p?.meps ?? []) {
    const m = all.get(pm.key);
    if (pm.ccm === 'software' && m) out.set(pm.key, m);
  }
  return out;
}

function softwareChanges(was: Map<string, LocalMep>, will: Map<string, LocalMep>): ServiceChange[] {
  const out: ServiceChange[] = [];
  for (const [key, m] of was) {
    const w = will.get(key);
    if (!w) out.push({ kind: 'stop', what: 'software-mep', mep: key, detail: 'not in software in the new plan' });
    else if (!sameSoftwareConfig(m, w)) out.push({ kind: 'restart', what: 'software-mep', mep: key, detail: 'its configuration changed' });
  }
  for (const key of will.keys()) if (!was.has(key)) out.push({ kind: 'start', what: 'software-mep', mep: key, detail: 'runs in the manager\'s engine' });
  return out;
}

export interface Running {
  model: CfmModel | null;
  plan: Plan | null;
}

/** The service changes applying `next` (planned as `nextPlan`) on switch `sw` would make, given what runs now. */
export function serviceChanges(current: Running, next: CfmModel, nextPlan: Plan, sw: string): ServiceChange[] {
  const was = localMeps(current.model, sw);
  const will = localMeps(next, sw);
  const out: ServiceChange[] = softwareChanges(softwareMeps(current.model, current.plan, sw), softwareMeps(next, nextPlan, sw));
  const pmWas = pmOf(was);
  const pmWill = pmOf(will);
  for (const [k, w] of pmWas) {
    if (!pmWill.has(k)) out.push({ kind: 'stop', what: 'pm-session', mep: w.mep, id: w.cfg.id, detail: will.has(w.mep) ? 'not in the config' : 'its MEP is gone or disabled' });
  }
  for (const [k, w] of pmWill) {
    const old = pmWas.get(k);
    if (!old) out.push({ kind: 'start', what: 'pm-session', mep: w.mep, id: w.cfg.id, detail: describePm(w.cfg) });
    else if (!same(old.cfg, w.cfg)) out.push({ kind: 'restart', what: 'pm-session', mep: w.mep, id: w.cfg.id, detail: `new configuration (history starts over): ${describePm(w.cfg)}` });
  }
  for (const [key, m] of was) {
    if (m.faultSignalling && !will.get(key)?.faultSignalling) out.push({ kind: 'stop', what: 'fault-signalling', mep: key, detail: will.has(key) ? 'not in the config' : 'its MEP is gone or disabled' });
  }
  for (const [key, m] of will) {
    const fs = m.faultSignalling;
    if (!fs) continue;
    const old = was.get(key)?.faultSignalling;
    if (!old) out.push({ kind: 'start', what: 'fault-signalling', mep: key, detail: describeFs(fs) });
    else if (!same(old, fs)) out.push({ kind: 'restart', what: 'fault-signalling', mep: key, detail: `now ${describeFs(fs)}` });
  }
  return out;
}

const SIGN = { start: '+', restart: '~', stop: '-' } as const;

/** "+ start pm-session md1/ma1/1 dm1: DMM to MEP 2 every 1000 ms, 15 min intervals" */
export function formatServiceChange(c: ServiceChange): string {
  return `${SIGN[c.kind]} ${c.kind} ${c.what} ${c.mep}${c.id !== undefined ? ` ${c.id}` : ''}: ${c.detail}`;
}
