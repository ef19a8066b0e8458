/**
 * Plans as text (the `cfm plan` table) and as JSON (MAID bytes as hex).
 */
import { intervalName } from '../common/interval.js';
import type { VoeSpec } from '../backends/types.js';
import { FUNCTION_LABEL, OFFLOAD_FUNCTIONS, type Plan } from './types.js';

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export type JsonVoeSpec = Omit<VoeSpec, 'maid'> & { maid: string };

export function voeSpecToJson(s: VoeSpec): JsonVoeSpec {
  return { ...s, maid: hex(s.maid) };
}

/** The plan as plain JSON data (maid as hex). */
export function planToJson(p: Plan): unknown {
  return {
    ...p,
    meps: p.meps.map((m) => ({ ...m, voe: m.voe ? voeSpecToJson(m.voe) : undefined })),
  };
}

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(w[i])).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

export function formatPlan(p: Plan): string {
  const out: string[] = [];
  out.push(`plan for switch ${p.switch}: profile ${p.profile}, backend ${p.backend}, prefer ${p.policy.prefer}` +
    (p.policy.reserveVoes ? `, reserve ${p.policy.reserveVoes} VOEs` : ''));
  const rows = p.meps.map((m) => {
    const hwFns = OFFLOAD_FUNCTIONS.filter((f) => m.functions[f].placement === 'hardware').map((f) => FUNCTION_LABEL[f]);
    return [
      m.key,
      String(m.mepId),
      m.port + (m.vlan ? `.${m.vlan}` : ''),
      m.direction,
      String(m.level),
      intervalName(m.interval),
      m.remoteMepIds.join(',') || '-',
      m.ccm === 'hardware' ? `hardware (${m.voeTable})` : 'software',
      hwFns.length ? hwFns.join(' ') : '-',
      m.reason ?? '',
    ];
  });
  out.push(table(['MEP', 'id', 'port', 'dir', 'lvl', 'interval', 'peers', 'CCM', 'other HW', 'reason'], rows));
  for (const m of p.meps) for (const w of m.warnings) out.push(`warning: ${m.key}: ${w}`);
  if (p.mips.length) {
    out.push('');
    out.push(table(['MIP', 'placement', 'reason'], p.mips.map((m) => [m.key, m.placement, m.reason ?? ''])));
  }
  const u = p.usage;
  const hw = p.meps.filter((m) => m.ccm === 'hardware').length;
  out.push('');
  out.push(`${hw} of ${p.meps.length} MEPs in hardware; port VOEs ${u.portVoes.used}/${u.portVoes.total}, ` +
    `service VOEs ${u.serviceVoes.used}/${u.serviceVoes.total}` +
    (u.injectorFps.budget !== null ? `, injector ${u.injectorFps.used}/${u.injectorFps.budget} fps` : '') +
    (u.remoteMeps ? `, ${u.remoteMeps.table} ${u.remoteMeps.used}/${u.remoteMeps.total}` : ''));
  for (const r of p.refused ?? []) out.push(`REFUSED: ${r.kind === 'mip' ? 'MIP' : 'MEP'} ${r.key}: ${r.reason}`);
  for (const n of p.notes) out.push(`note: ${n}`);
  for (const v of p.violations) out.push(`VIOLATION: ${v}`);
  return out.join('\n');
}
