/**
 * Text of the operator OAM commands (oam.ts): the ping-style loopback lines and the seed-001
 * summary, the linktrace table (the engine's own renderers over the manager's result), the MEP
 * list and detail, and the one- or two-line change summary (docs/oam-cli.md shows each).
 */
import { LoopbackSession, type LoopbackReply, type LoopbackResult } from '../../engine/mep-lb.js';
import { LinktraceSession, type LinktraceResult } from '../../engine/mep-lt.js';
import type { ChangeSummary } from '../../offload/control.js';
import { table } from '../../offload/format.js';
import type { ManagerStatus, MepStatusRow } from '../../offload/status.js';

const ms = (ns: number) => (ns / 1e6).toFixed(3);

/** Per-LBR line, ping style (Cisco `ping ethernet mpid`, Juniper `ping ethernet`). */
export function replyLine(r: LoopbackReply): string {
  const flags = [r.outOfOrder ? 'out of order' : '', r.badMsdu ? 'bad MSDU' : ''].filter(Boolean);
  return `Reply from ${r.fromMac}: lbm_seq=${r.transactionId} time=${ms(r.rttNs)} ms${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

export function rttStats(rttNs: number[]): { minMs: number; avgMs: number; maxMs: number } | null {
  if (!rttNs.length) return null;
  const sum = rttNs.reduce((a, b) => a + b, 0);
  return { minMs: Math.min(...rttNs) / 1e6, avgMs: sum / rttNs.length / 1e6, maxMs: Math.max(...rttNs) / 1e6 };
}

/** The seed-001 summary line (the engine's own wording) and the round-trip line. */
export function loopbackSummary(r: LoopbackResult): string[] {
  const s = new LoopbackSession(r.target, 0, r.sent, false);
  Object.assign(s.result, r);
  const lines = [s.summary()];
  const st = rttStats(r.rttNs);
  if (st) lines.push(`round-trip min/avg/max = ${st.minMs.toFixed(3)}/${st.avgMs.toFixed(3)}/${st.maxMs.toFixed(3)} ms`);
  return lines;
}

/** The seed-001 linktrace table (the engine's own renderer over the received result). */
export function linktraceTable(r: LinktraceResult, timeoutMs: number): string {
  const s = new LinktraceSession(r.transactionId, r.target, r.ttl, timeoutMs);
  s.result.replies.push(...r.replies);
  return s.table();
}

function remoteCell(m: MepStatusRow): string {
  return m.remotes.map((r) => `${r.mepId}:${r.state}${r.rdi ? '+rdi' : ''}`).join(' ') || '-';
}

export function mepListText(st: ManagerStatus): string {
  const rows = st.meps.map((m) => [
    m.key, m.port + (m.vlan ? `.${m.vlan}` : ''), String(m.level), m.interval,
    m.placement + (m.handle !== undefined ? ` #${m.handle}` : ''), m.enabled ? 'yes' : 'no',
    remoteCell(m), m.defects.join(',') || '-', `${m.counters.ccmTx}/${m.counters.ccmRxValid}`, m.reason ?? '',
  ]);
  return `switch ${st.switch} (backend ${st.backend}): ${st.meps.length} MEP(s)\n` +
    table(['MEP', 'port', 'level', 'interval', 'placement', 'enabled', 'remote MEPs', 'defects', 'CCM tx/rx', 'why software'], rows);
}

export function mepShowText(m: MepStatusRow): string {
  const lines = [
    `MEP ${m.key}: mep id ${m.mepId} on ${m.port}${m.vlan ? ` vlan ${m.vlan}` : ''}, level ${m.level}, interval ${m.interval}, ${m.enabled ? 'enabled' : 'disabled'}`,
    `  placement: ${m.placement}${m.handle !== undefined ? ` (VOE #${m.handle})` : ''}${m.reason ? ` because ${m.reason}` : ''}`,
    `  defects:   ${m.defects.join(', ') || 'none'} (highest ${m.highestDefect}, FNG ${m.fngState}${m.rdi ? ', sending RDI' : ''})`,
    `  counters:  CCM tx ${m.counters.ccmTx}, rx valid ${m.counters.ccmRxValid}, rx invalid ${m.counters.ccmRxInvalid}, sequence errors ${m.counters.seqErrors}`,
  ];
  if (!m.remotes.length) lines.push('  remote MEPs: none');
  else {
    lines.push('  remote MEPs:');
    const rows = m.remotes.map((r) => [String(r.mepId), r.state, r.rdi ? 'yes' : 'no', r.mac ?? '-', r.lastSeq === null ? '-' : String(r.lastSeq),
      r.portStatus ? String(r.portStatus) : '-', r.interfaceStatus ? String(r.interfaceStatus) : '-']);
    lines.push(...table(['MEP', 'state', 'RDI', 'MAC', 'last seq', 'port status', 'if status'], rows).split('\n').map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

const PAST: Record<string, string> = { update: 'updated', create: 'created', delete: 'deleted' };

/** One or two lines: VOE operations (and their MEPs), software MEPs started/stopped, then the moves. */
export function changeText(what: string, s: ChangeSummary): string[] {
  if (!s.ops.length && !s.moves.length && !s.softwareStarted.length && !s.softwareStopped.length) return [`${what}: no change (already so)`];
  const kinds = ['update', 'create', 'delete'].map((k) => [k, s.ops.filter((o) => o.kind === k).length] as const).filter(([, n]) => n > 0);
  const keys = [...new Set(s.ops.map((o) => o.key))];
  const hw = kinds.length ? `hardware: ${kinds.map(([k, n]) => `${n} VOE ${PAST[k] ?? k}`).join(', ')} (${keys.join(', ')})` : 'hardware: unchanged';
  // A software MEP the change reconfigured is stopped and started again by the manager: it comes
  // back in softwareStarted without a move. Said as such ("1 MEP(s) started" after --disable read
  // as if the change had started a MEP).
  const moved = new Set(s.moves.map((m) => m.key));
  const restarted = s.softwareStarted.filter((k) => !moved.has(k) && !s.softwareStopped.includes(k));
  const started = s.softwareStarted.length - restarted.length;
  const swParts: string[] = [];
  if (started || s.softwareStopped.length) swParts.push(`${started} MEP(s) started, ${s.softwareStopped.length} stopped`);
  if (restarted.length) swParts.push(`${restarted.length} MEP(s) restarted with the new settings (${restarted.join(', ')})`);
  const sw = swParts.length ? `software: ${swParts.join(', ')}` : 'software: unchanged';
  const lines = [`${what}: ${hw}; ${sw}`];
  if (s.moves.length) lines.push(s.moves.map((m) => `moved ${m.key} to ${m.to}${m.seq !== undefined ? ` (continuing at seq ${m.seq})` : ''}`).join('; '));
  return lines;
}
