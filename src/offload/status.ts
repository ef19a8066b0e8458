/**
 * Manager status: one row per MEP with placement, remote MEPs, defects and counters, the same
 * shape for hardware (read back from the VOE) and software (from the engine) MEPs. Plain JSON.
 */
import type { VoeStatus } from '../backends/types.js';
import { intervalName } from '../common/interval.js';
import type { LocalMep } from '../config/model.js';
import type { CfmEngine } from '../engine/engine.js';
import type { DefectName, FngState, RmepState } from '../engine/types.js';
import type { Mip, MipCounters } from '../engine/mip.js';
import { DEFECTS, DEFECT_BIT } from '../engine/types.js';
import { table } from './format.js';
import type { HwMep } from './hw-mep.js';
import type { Placement, Plan } from './types.js';
import type { OpsStatus } from './ops.js';
import type { ApplyInProgress } from './apply-tracker.js';

export interface RemoteRow {
  mepId: number;
  state: RmepState;
  rdi: boolean;
  portStatus: number;
  interfaceStatus: number;
  mac: string | null;
  lastSeq: number | null;
}

export interface MepStatusRow {
  key: string;
  mepId: number;
  port: string;
  vlan: number;
  level: number;
  interval: string;
  placement: Placement;
  /** Why software (from the plan). */
  reason?: string;
  /** VOE handle when in hardware. */
  handle?: number;
  enabled: boolean;
  defects: DefectName[];
  highestDefect: DefectName | 'none';
  fngState: FngState;
  /** RDI this MEP sends. */
  rdi: boolean;
  /** A software MEP whose CCMs the device's periodic injector sends (src/offload/sw-injector.ts). */
  ccmInjected?: true;
  remotes: RemoteRow[];
  counters: { ccmTx: number; ccmRxValid: number; ccmRxInvalid: number; seqErrors: number };
}

/** A MIP running in the engine (MHF, 802.1Q 19.3). */
export interface MipStatusRow {
  key: string;
  port: string;
  vlan: number;
  level: number;
  mac: string;
  placement: Placement;
  counters: MipCounters;
}

export interface ManagerStatus {
  switch: string;
  backend: string;
  profile: string;
  atNs: number;
  meps: MepStatusRow[];
  mips: MipStatusRow[];
  /** CPU protection counters, CPU-path frames and debug decode queues, when configured. */
  ops?: OpsStatus;
  /**
   * Present while an apply or change is queued or running (issue 16): the answer did not wait for
   * it and shows the state the manager last knew (apply-tracker.ts).
   */
  apply?: ApplyInProgress;
  /** Receive datapath of each port (software backend: tc / xdp / af-packet, and why af-packet when auto fell back). */
  datapaths?: { port: string; datapath: string; reason?: string }[];
}

function defectNames(bits: number): DefectName[] {
  return DEFECTS.filter((d) => (bits & DEFECT_BIT[d]) !== 0);
}

export interface StatusInputs {
  switch: string;
  backend: string;
  profile: string;
  atNs: number;
  plan: Plan | null;
  hw: Map<string, HwMep>;
  hwStatus: Map<string, VoeStatus>;
  /**
   * false: hwStatus holds the last read-backs, older than the events handled since, so remote
   * states come from the events and only MACs, sequence numbers and counters from the read.
   */
  hwStatusFresh?: boolean;
  engine: CfmEngine;
  sw: Map<string, LocalMep>;
  mips: Iterable<Mip>;
}

export function buildStatus(s: StatusInputs): ManagerStatus {
  const rows: MepStatusRow[] = [];
  const reason = new Map((s.plan?.meps ?? []).map((m) => [m.key, m.reason]));
  for (const [key, h] of s.hw) {
    const st = s.hwStatus.get(key);
    const peerMac = new Map((st?.peers ?? []).map((p) => [p.mepId, p]));
    rows.push({
      key, mepId: h.mep.mepId, port: h.mep.port, vlan: h.mep.vlan, level: h.mep.level, interval: intervalName(h.mep.interval),
      // a VOE of the software backend is a software MEP (native datapath), not hardware
      ...(h.source === 'software' ? { placement: 'software' as const } : { placement: 'hardware' as const, handle: h.handle }), enabled: h.mep.enabled,
      defects: defectNames(h.fng.defects), highestDefect: h.fng.highestDefect, fngState: h.fng.state, rdi: h.rdiSent,
      remotes: h.remoteStates().map((r) => {
        const p = peerMac.get(r.mepId);
        // The read-back is newer than the last event for "seen": a peer never lost shows ok.
        const state: RmepState = p && s.hwStatusFresh !== false ? (p.loc ? 'failed' : p.seen ? 'ok' : 'start') : r.state;
        return { ...r, state, mac: p?.mac ?? null, lastSeq: p?.seen ? p.lastSeq : null };
      }),
      counters: {
        ccmTx: st?.counters.ccmTx ?? 0, ccmRxValid: st?.counters.ccmRxValid ?? 0,
        ccmRxInvalid: st?.counters.ccmRxInvalid ?? 0, seqErrors: st?.counters.ccmRxOutOfOrder ?? 0,
      },
    });
  }
  for (const [key, mep] of s.sw) {
    const m = s.engine.findMep(key);
    const base = {
      key, mepId: mep.mepId, port: mep.port, vlan: mep.vlan, level: mep.level, interval: intervalName(mep.interval),
      placement: 'software' as const, reason: reason.get(key), enabled: mep.enabled,
    };
    if (!m) {
      rows.push({ ...base, defects: [], highestDefect: 'none', fngState: 'fngReset', rdi: false, remotes: [], counters: { ccmTx: 0, ccmRxValid: 0, ccmRxInvalid: 0, seqErrors: 0 } });
      continue;
    }
    const st = m.status();
    rows.push({
      ...base, defects: st.defectNames, highestDefect: st.highestDefect, fngState: st.fngState, rdi: st.presentRdi,
      ...(st.ccmInjected ? { ccmInjected: true as const } : {}),
      remotes: st.remotes.map((r) => ({ mepId: r.mepId, state: r.state, rdi: r.rdi, portStatus: r.portStatus, interfaceStatus: r.interfaceStatus, mac: r.mac, lastSeq: r.lastSeq })),
      counters: { ccmTx: st.counters.ccmsSent, ccmRxValid: st.counters.ccmsReceived, ccmRxInvalid: 0, seqErrors: st.counters.seqErrors },
    });
  }
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const mips = [...s.mips]
    .map((m) => ({ key: m.key, port: m.cfg.port, vlan: m.cfg.vlan, level: m.cfg.level, mac: m.cfg.mac, placement: 'software' as const, counters: { ...m.counters } }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { switch: s.switch, backend: s.backend, profile: s.profile, atNs: s.atNs, meps: rows, mips };
}

export function formatStatus(st: ManagerStatus): string {
  const dp = st.datapaths?.length ? `\ndatapath: ${st.datapaths.map((d) => `${d.port} ${d.datapath}${d.reason ? ` (${d.reason})` : ''}`).join(', ')}` : '';
  const a = st.apply;
  const busy = a ? `\n${a.kind} in progress (${a.step}${a.total ? ` ${a.done}/${a.total}` : ''}${a.queued > 1 ? `, ${a.queued} queued` : ''}): hardware counters as last read${a.hardwareReadAtNs !== null ? ` (t=${(a.hardwareReadAtNs / 1e9).toFixed(3)}s)` : ''}` : '';
  const head = `switch ${st.switch}: backend ${st.backend}, profile ${st.profile}, t=${(st.atNs / 1e9).toFixed(3)}s${dp}${busy}`;
  const rows = st.meps.map((m) => [
    m.key,
    m.port + (m.vlan ? `.${m.vlan}` : ''),
    m.interval,
    m.placement + (m.handle !== undefined ? ` #${m.handle}` : '') + (m.ccmInjected ? ' (CCMs injected)' : ''),
    m.remotes.map((r) => `${r.mepId}:${r.state}${r.rdi ? '+rdi' : ''}`).join(' ') || '-',
    m.defects.join(',') || '-',
    m.fngState,
    m.rdi ? 'rdi' : '',
    `${m.counters.ccmTx}/${m.counters.ccmRxValid}`,
  ]);
  let out = head + '\n' + table(['MEP', 'port', 'interval', 'placement', 'remote MEPs', 'defects', 'FNG', 'tx', 'CCM tx/rx'], rows);
  if (st.mips?.length) {
    const mrows = st.mips.map((m) => [m.key, m.port + (m.vlan ? `.${m.vlan}` : ''), String(m.level), m.placement, String(m.counters.ccmsSeen), String(m.counters.lbrOut), String(m.counters.ltrOut), String(m.counters.ltmRelayed)]);
    out += '\n\n' + table(['MIP', 'port', 'level', 'placement', 'CCMs seen', 'LBR out', 'LTR out', 'LTM relayed'], mrows);
  }
  return st.ops ? `${out}\n\n${formatOps(st.ops)}` : out;
}

/** CPU protection per entry (passed/dropped, where enforced) and the debug queues (seed 004). */
function formatOps(o: OpsStatus): string {
  const lines: string[] = [];
  const p = o.cpuPath;
  lines.push(`CPU path: ${p.rx} received, ${p.squelched} squelched, ${p.policed} policed in software, ${p.delivered} delivered, ${p.tx} sent`);
  const rows: string[][] = [];
  for (const snap of o.cpuProtection) {
    for (const [entry, t] of Object.entries(snap.perEntry)) rows.push([entry, snap.enforcement, String(t.passed), String(t.dropped)]);
  }
  if (rows.length) lines.push(table(['CPU protection', 'enforced', 'passed', 'dropped'], rows));
  const d = o.debug;
  lines.push(`debug decode: ${d.tags} tagged MPs; rx ${d.rx.decoded} decoded, ${d.rx.exceptions} queue exceptions; tx ${d.tx.decoded} decoded, ${d.tx.exceptions} queue exceptions`);
  return lines.join('\n');
}
