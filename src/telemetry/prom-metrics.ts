/**
 * The Prometheus metrics of one manager (prom-client, text exposition format). Values are
 * filled from one TelemetrySnapshot per scrape; nothing runs between scrapes except the apply
 * histogram, fed by the manager's operation hook through the observer.
 *
 * Label cardinality (docs/telemetry.md "Cardinality"): `mep` is the MEP key "md/ma/mepid" (one
 * value per configured MEP); `defect` has 5 values (802.1Q 20.1.2); `remote_mep` one per remote
 * MEP of the MEP's MA; `entry` one per CPU-protection entry of the config; the rest are fixed
 * sets. Per MEP: 17 series + 2 per remote MEP (+ 13 after a loopback / linktrace / DM / LM).
 * Codes are those of the IEEE8021-CFM-MIB so dashboards and SNMP agree.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DEFECTS } from '../engine/types.js';
import type { ManagerObserver } from './observer.js';
import type { MepView, TelemetrySnapshot } from './snapshot.js';
import { FNG_STATE_CODE, HIGHEST_DEFECT_CODE, RMEP_STATE_CODE } from './mib/codes.js';

const MEP = ['mep'] as const;

export class CfmMetrics {
  readonly registry = new Registry();
  private readonly g: ReturnType<typeof gauges>;
  private readonly c: ReturnType<typeof counters>;
  private readonly applyDuration: Histogram<'kind'>;
  private readonly offApply: () => void;

  constructor(private readonly observer: ManagerObserver, switchName?: string) {
    if (switchName) this.registry.setDefaultLabels({ switch: switchName });
    this.g = gauges(this.registry);
    this.c = counters(this.registry);
    this.applyDuration = new Histogram({
      name: 'cfm_manager_apply_duration_seconds', help: 'Duration of manager apply / change calls (plan, reconcile, engine).',
      labelNames: ['kind'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30], registers: [this.registry],
    });
    this.offApply = observer.onApply((kind, s) => this.applyDuration.observe({ kind }, s));
  }

  /** Replace every value with those of `snap` (series of MEPs that left disappear). */
  fill(snap: TelemetrySnapshot): void {
    for (const m of Object.values(this.g)) m.reset();
    for (const m of Object.values(this.c)) m.reset();
    for (const v of snap.meps) this.fillMep(v);
    this.fillOam(snap);
    this.fillOps(snap);
    for (const [kind, s] of Object.entries(this.observer.applies)) {
      this.c.applies.inc({ kind, result: 'ok' }, s.count - s.failed);
      this.c.applies.inc({ kind, result: 'error' }, s.failed);
      for (const [op, n] of Object.entries(s.ops)) this.c.ops.inc({ kind, op }, n);
    }
  }

  private fillMep(v: MepView): void {
    const { g, c } = this;
    const r = v.row;
    const mep = r.key;
    g.info.set({
      mep, md: v.md.domain.id, ma: v.ma.assoc.id, mep_id: String(r.mepId), port: r.port, vlan: String(r.vlan), level: String(r.level),
      interval: r.interval, direction: v.config.direction, placement: r.placement, reason: r.reason ?? '',
    }, 1);
    g.hardware.set({ mep }, r.placement === 'hardware' ? 1 : 0);
    g.enabled.set({ mep }, r.enabled ? 1 : 0);
    for (const d of DEFECTS) g.defect.set({ mep, defect: d }, r.defects.includes(d) ? 1 : 0);
    g.highest.set({ mep }, HIGHEST_DEFECT_CODE[r.highestDefect]);
    g.fng.set({ mep }, FNG_STATE_CODE[r.fngState]);
    g.rdi.set({ mep }, r.rdi ? 1 : 0);
    for (const rm of r.remotes) {
      const l = { mep, remote_mep: String(rm.mepId) };
      g.remote.set(l, RMEP_STATE_CODE[rm.state]);
      g.remoteRdi.set(l, rm.rdi ? 1 : 0);
    }
    c.ccmTx.inc({ mep }, r.counters.ccmTx);
    c.ccmRxValid.inc({ mep }, r.counters.ccmRxValid);
    c.ccmRxInvalid.inc({ mep }, r.counters.ccmRxInvalid);
    c.ccmOoo.inc({ mep }, r.counters.seqErrors);
    if (v.engine) {
      c.lbrIn.inc({ mep }, v.engine.lbrIn);
      c.lbrOut.inc({ mep }, v.engine.lbrOut);
      c.ltrUnexpected.inc({ mep }, v.engine.unexpectedLtrIn);
    }
  }

  /** Results of MEPs still configured (a MEP that left takes its last results with it). */
  private fillOam(snap: TelemetrySnapshot): void {
    const { g } = this;
    const o = this.observer;
    const live = <T>(m: ReadonlyMap<string, T>): Array<[string, T]> => [...m].filter(([k]) => snap.byKey.has(k));
    for (const [mep, { atNs, result: r }] of live(o.loopbacks)) {
      g.lbSent.set({ mep }, r.sent);
      g.lbReceived.set({ mep }, r.received);
      g.lbOoo.set({ mep }, r.outOfOrder);
      g.lbBad.set({ mep }, r.badMsdu);
      if (r.rttNs.length) g.lbRtt.set({ mep }, r.rttNs.reduce((a, b) => a + b, 0) / r.rttNs.length / 1e9);
      g.lbTime.set({ mep }, atNs / 1e9);
    }
    for (const [mep, { atNs, result: r }] of live(o.linktraces)) {
      g.ltReplies.set({ mep }, r.replies.length);
      g.ltReached.set({ mep }, r.replies.some((x) => x.terminalMep) ? 1 : 0);
      g.ltTime.set({ mep }, atNs / 1e9);
    }
    for (const [mep, r] of live(o.delays)) {
      g.dmFrames.set({ mep, kind: 'sent' }, r.sent);
      g.dmFrames.set({ mep, kind: 'received' }, r.received);
      const stats: Array<[string, number | null]> = [['min', r.minNs], ['avg', r.avgNs], ['max', r.maxNs], ['variation', r.avgVariationNs]];
      for (const [stat, ns] of stats) if (ns !== null) g.dm.set({ mep, stat }, ns / 1e9);
    }
    for (const [mep, r] of live(o.losses)) {
      g.lossRatio.set({ mep, end: 'near' }, r.nearEndRatio);
      g.lossRatio.set({ mep, end: 'far' }, r.farEndRatio);
      g.lossFrames.set({ mep, end: 'near' }, r.nearEndLoss);
      g.lossFrames.set({ mep, end: 'far' }, r.farEndLoss);
    }
  }

  private fillOps(snap: TelemetrySnapshot): void {
    const ops = snap.status.ops;
    if (!ops) return;
    const { c } = this;
    for (const s of ops.cpuProtection) {
      for (const [entry, t] of Object.entries(s.perEntry)) {
        c.cpuPassed.inc({ entry, enforcement: s.enforcement }, t.passed);
        c.cpuDropped.inc({ entry, enforcement: s.enforcement }, t.dropped);
      }
    }
    for (const [stage, n] of Object.entries(ops.cpuPath)) c.cpuPath.inc({ stage }, n);
    c.debugExceptions.inc({ direction: 'rx' }, ops.debug.rx.exceptions);
    c.debugExceptions.inc({ direction: 'tx' }, ops.debug.tx.exceptions);
    c.debugDecoded.inc({ direction: 'rx' }, ops.debug.rx.decoded);
    c.debugDecoded.inc({ direction: 'tx' }, ops.debug.tx.decoded);
  }

  close(): void {
    this.offApply();
    this.registry.clear();
  }
}

function gauges(r: Registry) {
  const G = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [r] });
  return {
    info: G('cfm_mep_info', 'Configured MEP (value 1): MD, MA, MEP id, port, VLAN, level, interval, direction, placement and why software.',
      ['mep', 'md', 'ma', 'mep_id', 'port', 'vlan', 'level', 'interval', 'direction', 'placement', 'reason'] as const),
    hardware: G('cfm_mep_hardware', '1 when the MEP\'s continuity check runs in a hardware VOE, 0 in software.', MEP),
    enabled: G('cfm_mep_enabled', 'MEPactive (802.1Q 20.9.1).', MEP),
    defect: G('cfm_mep_defect', 'An 802.1Q 20.1.2 defect of the MEP is present (1) or not (0).', ['mep', 'defect'] as const),
    highest: G('cfm_mep_highest_defect', 'Highest priority defect present (Dot1agCfmHighestDefectPri: 0 none, 1 defRDICCM .. 5 defXconCCM).', MEP),
    fng: G('cfm_mep_fng_state', 'FNG state (Dot1agCfmFngState: 1 fngReset, 2 fngDefect, 3 fngReportDefect, 4 fngDefectReported, 5 fngDefectClearing).', MEP),
    rdi: G('cfm_mep_rdi_sent', 'The MEP sends RDI in its CCMs.', MEP),
    remote: G('cfm_mep_remote_state', 'Remote MEP state machine (Dot1agCfmRemoteMepState: 1 idle, 2 start, 3 failed, 4 ok).', ['mep', 'remote_mep'] as const),
    remoteRdi: G('cfm_mep_remote_rdi', 'The last CCM of the remote MEP carried RDI.', ['mep', 'remote_mep'] as const),
    lbSent: G('cfm_mep_loopback_last_sent', 'LBMs sent by the last loopback of the MEP.', MEP),
    lbReceived: G('cfm_mep_loopback_last_received', 'LBRs received by the last loopback.', MEP),
    lbOoo: G('cfm_mep_loopback_last_out_of_order', 'Out-of-order LBRs of the last loopback.', MEP),
    lbBad: G('cfm_mep_loopback_last_bad_msdu', 'LBRs with a bad MSDU in the last loopback.', MEP),
    lbRtt: G('cfm_mep_loopback_last_rtt_seconds', 'Mean round trip of the last loopback.', MEP),
    lbTime: G('cfm_mep_loopback_last_timestamp_seconds', 'When the last loopback ended (manager clock).', MEP),
    ltReplies: G('cfm_mep_linktrace_last_replies', 'LTRs received by the last linktrace.', MEP),
    ltReached: G('cfm_mep_linktrace_last_reached_target', '1 when the last linktrace got an LTR from the target MEP.', MEP),
    ltTime: G('cfm_mep_linktrace_last_timestamp_seconds', 'When the last linktrace ended (manager clock).', MEP),
    dm: G('cfm_mep_delay_last_seconds', 'Last Y.1731 frame delay measurement: min, avg, max, variation.', ['mep', 'stat'] as const),
    dmFrames: G('cfm_mep_delay_last_frames', 'DMM / 1DM frames of the last delay measurement.', ['mep', 'kind'] as const),
    lossRatio: G('cfm_mep_loss_last_ratio', 'Last Y.1731 frame loss ratio (near / far end).', ['mep', 'end'] as const),
    lossFrames: G('cfm_mep_loss_last_frames', 'Frames lost in the last loss measurement (near / far end).', ['mep', 'end'] as const),
  };
}

function counters(r: Registry) {
  const C = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers: [r] });
  return {
    ccmTx: C('cfm_mep_ccm_tx_total', 'CCMs sent (dot1agCfmMepCciSentCcms).', MEP),
    ccmRxValid: C('cfm_mep_ccm_rx_valid_total', 'Valid CCMs received.', MEP),
    ccmRxInvalid: C('cfm_mep_ccm_rx_invalid_total', 'Invalid CCMs received (hardware VOEs; software MEPs count them as defects).', MEP),
    ccmOoo: C('cfm_mep_ccm_out_of_order_total', 'CCMs received out of sequence (dot1agCfmMepCcmSequenceErrors).', MEP),
    lbrIn: C('cfm_mep_lbr_in_total', 'Valid in-order LBRs received (dot1agCfmMepLbrIn).', MEP),
    lbrOut: C('cfm_mep_lbr_out_total', 'LBRs sent (dot1agCfmMepLbrOut).', MEP),
    ltrUnexpected: C('cfm_mep_ltr_unexpected_in_total', 'Unexpected LTRs received (dot1agCfmMepUnexpLtrIn).', MEP),
    cpuPassed: C('cfm_cpu_protection_passed_total', 'CFM frames a CPU-protection entry let through.', ['entry', 'enforcement'] as const),
    cpuDropped: C('cfm_cpu_protection_dropped_total', 'CFM frames a CPU-protection entry dropped.', ['entry', 'enforcement'] as const),
    cpuPath: C('cfm_cpu_path_frames_total', 'Frames on the CPU path by stage (rx, squelched, policed, delivered, tx).', ['stage'] as const),
    debugExceptions: C('cfm_debug_queue_exceptions_total', 'Debug decode queue exceptions (overflow, decode errors).', ['direction'] as const),
    debugDecoded: C('cfm_debug_decoded_total', 'Frames of tagged MPs decoded by the debug queues.', ['direction'] as const),
    applies: C('cfm_manager_applies_total', 'Manager apply / change calls by result.', ['kind', 'result'] as const),
    ops: C('cfm_manager_reconcile_ops_total', 'VOE operations run by the reconciler (create, update, delete).', ['kind', 'op'] as const),
  };
}
