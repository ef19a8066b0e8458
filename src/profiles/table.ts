/** `cfm profile show`: a profile as a readable capability table. */
import { intervalName } from '../common/interval.js';
import type { IntervalCode } from '../common/interval.js';
import type { HwProfile } from './types.js';

function n(v: number | null): string {
  return v === null ? 'unknown' : v === Number.POSITIVE_INFINITY ? 'many' : String(v);
}

function intervals(codes: IntervalCode[]): string {
  return codes.length ? codes.map(intervalName).join(' ') : '(none)';
}

/** Rows of [capability, value, note]; notes come from the profile's `notes` by pointer. */
export function profileRows(p: HwProfile): Array<[string, string, string]> {
  const note = (...ptrs: string[]): string => ptrs.map((x) => p.notes[x]).find((x) => x !== undefined) ?? '';
  const rows: Array<[string, string, string]> = [
    ['vendor / family', `${p.vendor} ${p.family}${p.generation ? ` (${p.generation})` : ''}`, ''],
    ['variants', p.variants.join(', ') || '-', note('/variants')],
    ['backend', p.backend, ''],
    ['ports', p.ports.length ? `${p.ports.length}: ${p.ports.join(' ')}` : n(p.portCount), note('/port-count')],
    ['port VOEs', n(p.voes.port), note('/voes/port', '/voes')],
    ['service VOEs', n(p.voes.service), note('/voes/service', '/voes')],
    ['up-MEP VOEs', n(p.voes.up), note('/voes/up', '/voes')],
    ['down-MEP VOEs', n(p.voes.down), note('/voes/down', '/voes')],
    ['shared MEP table', p.voes.sharedTotal === null ? '-' : String(p.voes.sharedTotal), note('/voes/shared-total')],
    ['MEPs per port', p.voes.perPort === null ? 'no limit' : String(p.voes.perPort), note('/voes/per-port')],
    ['MIPs (down/up)', `${n(p.mips.down)} / ${n(p.mips.up)}`, note('/mips/down', '/mips')],
    ['CCM TX intervals', intervals(p.txIntervals), note('/tx-intervals')],
    ['CCM RX intervals', intervals(p.rxIntervals), note('/rx-intervals')],
    ['CCM TX by', p.ccmTx, note('/ccm-tx')],
    ['injector budget', p.injectorBudgetFps === null ? '-' : `${p.injectorBudgetFps} fps`, note('/injector-budget-fps')],
    ['peers per VOE', n(p.peersPerVoe), note('/peers-per-voe')],
    ['remote MEP table', n(p.remoteMepTable), note('/remote-mep-table')],
    ['up MEP / VLAN MEP', `${p.upMep ? 'yes' : 'no'} / ${p.vlanMep ? 'yes' : 'no'}`, note('/up-mep')],
    ['loopback', p.offloadDetail.loopback, note('/offload/loopback', '/offload')],
    ['linktrace', p.offloadDetail.linktrace, note('/offload/linktrace')],
    ['AIS / LCK', p.offloadDetail.aisLck, note('/offload/ais-lck')],
    ['LM / DM', `${p.offloadDetail.lm} / ${p.offloadDetail.dm}`, note('/offload/lm')],
    ['LOC detection', `${p.loc.method}${p.loc.threshold !== null ? `, ${p.loc.threshold} intervals` : ''}`, p.loc.note ?? note('/loc/threshold')],
    ['HW defects', p.defects.join(' ') || '(none)', ''],
    ['CPU queues', `${n(p.cpuQueues.count)}${p.cpuQueues.perPduType ? ', per PDU type' : ''}`, note('/cpu-queues/count')],
    ['CPU policers', p.policers ? `${n(p.policers.count)} (step ${n(p.policers.granularityPps)} pps, max ${n(p.policers.maxRatePps)} pps)` : 'none', note('/policers')],
    ['counters', p.counters.join(' ') || '(none)', ''],
  ];
  return rows;
}

export function formatProfile(p: HwProfile): string {
  const rows = profileRows(p);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(48, Math.max(...rows.map((r) => r[1].length)));
  const lines = [`${p.name}: ${p.description}`, ''];
  for (const [k, v, note] of rows) lines.push(`  ${k.padEnd(w0)}  ${v.padEnd(w1)}${note ? `  ${note}` : ''}`.trimEnd());
  lines.push('', 'sources:');
  for (const [k, v] of Object.entries(p.sources)) lines.push(`  ${k}: ${v}`);
  return lines.join('\n');
}
