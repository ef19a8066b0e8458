/**
 * What an apply would do, without doing it (`cfm apply --dry-run`), and the guard against an apply
 * that removes every VOE: an empty configuration is valid (a failed `generate-sp > file` leaves
 * one), so deleting everything needs an explicit `allowDeleteAll` (`--allow-delete-all`).
 */
import type { VoeSpec, VoeState } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import { intervalName } from '../common/interval.js';
import type { CfmModel } from '../config/model.js';
import { hex } from './format.js';
import type { OffloadManager } from './manager.js';
import { diffVoes, type ReconcileDiff, type ReconcileOp } from './reconciler.js';
import { formatServiceChange, serviceChanges, type ServiceChange } from './dry-run-services.js';
import type { Plan } from './types.js';

/** Refuse a plan with hardware pins it cannot honour. */
export function refuseViolations(p: Plan): void {
  if (p.violations.length) throw new CfmError('APPLY', `plan cannot honour the config's pins: ${p.violations.join('; ')}`);
}

/**
 * Refuse a full apply that leaves no VOE where there were some and keeps none of their MEPs
 * (moved to software is kept; removed from the config is not), unless `allow`.
 */
export function refuseDeleteAll(p: Plan, diff: ReconcileDiff, before: readonly VoeState[], allow: boolean | undefined): void {
  if (allow || before.length === 0) return;
  if (diff.adopted.length > 0 || diff.ops.some((o) => o.kind !== 'delete')) return;
  const planned = new Set(p.meps.map((m) => m.key));
  if (before.some((v) => planned.has(v.spec.key))) return;
  throw new CfmError('APPLY',
    `refusing to delete every VOE on ${p.switch} (${before.length}): the config has ${p.meps.length === 0 ? 'no MEP' : 'none of their MEPs'} for this switch; ` +
    'pass --allow-delete-all (library: allowDeleteAll) to remove them');
}

export interface DryRun {
  plan: Plan;
  /** The VOEs as read back from the backend (the live state). */
  before: VoeState[];
  ops: ReconcileOp[];
  adopted: string[];
  /** Why a real apply would refuse (violations, delete-all guard), or null. */
  refused: string | null;
  /** Changes to the manager's services besides the VOEs (PM sessions, fault signalling). */
  services: ServiceChange[];
}

/** Plan `model` and diff it against the backend's VOEs as read back; changes nothing. */
export async function dryRunApply(m: OffloadManager, model: CfmModel, o: { allowDeleteAll?: boolean } = {}): Promise<DryRun> {
  const p = m.plan(model);
  const before = await m.backend.listVoes();
  const diff = diffVoes(p.meps.filter((x) => x.ccm === 'hardware').map((x) => m.voeWithPortState(x.voe!)), before);
  let refused: string | null = p.violations.length ? `plan cannot honour the config's pins: ${p.violations.join('; ')}` : null;
  if (!refused) {
    try {
      refuseDeleteAll(p, diff, before, o.allowDeleteAll);
    } catch (e) {
      refused = (e as Error).message;
    }
  }
  const services = serviceChanges({ model: m.currentModel, plan: m.currentPlan }, model, p, p.switch);
  return { plan: p, before, ops: diff.ops, adopted: diff.adopted, refused, services };
}

function where(s: VoeSpec): string {
  return `${s.port}${s.vlan ? `.${s.vlan}` : ''} ${s.direction} level ${s.level} mep ${s.mepId} ${intervalName(s.interval)}`;
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return `[${v.join(',')}]`;
  return String(v);
}

/** The configuration fields an update changes, "field old -> new". */
export function specChanges(a: VoeSpec, b: VoeSpec): string[] {
  const out: string[] = [];
  for (const k of Object.keys(b) as (keyof VoeSpec)[]) {
    if (k === 'initialSeq') continue;
    const x = show(a[k]);
    const y = show(b[k]);
    if (x !== y) out.push(`${k} ${k === 'interval' ? intervalName(a.interval) : x} -> ${k === 'interval' ? intervalName(b.interval) : y}`);
  }
  return out;
}

/** One line per operation, in the order apply would send them: "- delete", "~ update", "+ create". */
export function formatDryRun(d: DryRun): string {
  const lines: string[] = [];
  const n = (k: string) => d.ops.filter((o) => o.kind === k).length;
  lines.push(`dry run on ${d.plan.switch} (${d.plan.backend}): ${n('delete')} delete, ${n('update')} update, ${n('create')} create, ` +
    `${d.adopted.length} unchanged of ${d.before.length} VOEs in the backend` +
    `${d.services.length ? `, ${d.services.length} other change${d.services.length === 1 ? '' : 's'} (software MEPs, PM sessions, fault signalling)` : ''}; nothing was changed`);
  for (const op of d.ops) {
    if (op.kind === 'delete') lines.push(`- delete VOE #${op.handle} ${op.key} (${where(op.old)}): ${op.why}`);
    else if (op.kind === 'update') lines.push(`~ update VOE #${op.handle} ${op.key}: ${specChanges(op.old, op.spec).join(', ')}`);
    else lines.push(`+ create ${op.key} (${where(op.spec)})`);
  }
  for (const c of d.services) lines.push(formatServiceChange(c));
  const sw = d.plan.meps.filter((m) => m.ccm === 'software').length;
  if (sw) lines.push(`software MEPs: ${sw} would run in the manager's engine`);
  if (d.refused) lines.push(`apply would refuse: ${d.refused}`);
  return lines.join('\n');
}

export function dryRunToJson(d: DryRun): unknown {
  return {
    switch: d.plan.switch,
    backend: d.plan.backend,
    ops: d.ops.map((op) => op.kind === 'update'
      ? { kind: op.kind, key: op.key, handle: op.handle, changes: specChanges(op.old, op.spec) }
      : op.kind === 'delete' ? { kind: op.kind, key: op.key, handle: op.handle, why: op.why } : { kind: op.kind, key: op.key }),
    adopted: d.adopted,
    live: d.before.length,
    services: d.services,
    refused: d.refused,
  };
}

/** What a running manager answers to {"cmd":"dry-run","config":PATH} (the config is read by the manager). */
export interface DryRunAnswer {
  text: string;
  json: unknown;
  refused: string | null;
}

/** The control socket's dry-run handler of a manager: the diff against its live state. */
export function dryRunHandler(m: OffloadManager, load: (path: string) => CfmModel): (config: string) => Promise<DryRunAnswer> {
  return async (config) => {
    const d = await dryRunApply(m, load(config));
    return { text: formatDryRun(d), json: dryRunToJson(d), refused: d.refused };
  };
}
