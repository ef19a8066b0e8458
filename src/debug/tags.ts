/**
 * Debug tags (seed 004): which MEPs and MIPs have their valid received and transmitted CFM PDUs
 * decoded. A tag resolves to the MP's port, VLAN and MD level; a frame belongs to a tagged MP
 * when it is seen on that port and VLAN at that level.
 */
import { CfmError } from '../common/errors.js';
import type { CfmModel, DebugDirection, DebugTag } from '../config/model.js';

export interface ResolvedTag {
  kind: 'mep' | 'mip';
  /** MEP key "<md>/<ma>/<mep-id>" or MIP key "<switch>/<port>/<vlan>/<level>". */
  key: string;
  switch: string;
  port: string;
  vlan: number;
  level: number;
  direction: DebugDirection;
}

/** Resolve config/CLI tags against the model; unknown MPs are a CfmError naming the tag. */
export function resolveTags(model: CfmModel, tags: DebugTag[], switchName?: string): ResolvedTag[] {
  const meps = new Map<string, { switch: string; port: string; vlan: number; level: number }>();
  for (const d of model.domains) for (const a of d.associations) for (const m of a.meps) meps.set(m.key, m);
  const mips = new Map(model.mips.map((m) => [m.key, m]));
  const out: ResolvedTag[] = [];
  for (const t of tags) {
    if (t.kind === 'mep') {
      const m = meps.get(t.mepKey);
      if (!m) throw new CfmError('CONFIG', `debug tag: MEP ${t.mepId} of domain ${t.domainId} association ${t.associationId} is not a local MEP`);
      out.push({ kind: 'mep', key: t.mepKey, switch: m.switch, port: m.port, vlan: m.vlan, level: m.level, direction: t.direction });
    } else {
      const m = mips.get(t.mipKey);
      if (!m) throw new CfmError('CONFIG', `debug tag: no MIP on ${t.port} VLAN ${t.vlan} level ${t.level}`);
      out.push({ kind: 'mip', key: t.mipKey, switch: m.switch, port: m.port, vlan: m.vlan, level: m.level, direction: t.direction });
    }
  }
  return switchName === undefined ? out : out.filter((t) => t.switch === switchName);
}

export function tagMatches(t: ResolvedTag, dir: 'rx' | 'tx', port: string, vlan: number, level: number): boolean {
  return t.port === port && t.vlan === vlan && t.level === level && (t.direction === 'both' || t.direction === dir);
}

/** "mep md1/ma1/3 (rx+tx)" */
export function describeTag(t: ResolvedTag): string {
  return `${t.kind} ${t.key} on ${t.port}${t.vlan ? `.${t.vlan}` : ''} level ${t.level} (${t.direction === 'both' ? 'rx+tx' : t.direction})`;
}
