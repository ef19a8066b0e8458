/**
 * One MEP: Continuity Check Initiator (802.1Q 20.10), CCM receiver (20.16-20.17), Remote MEP
 * state machines (20.19-20.20), Remote MEP error (20.21-20.22), cross-connect (20.23-20.24),
 * the MEP's defects and its Fault Notification Generator (20.35). Loopback, linktrace and the
 * Y.1731 functions live in mep-lb.ts, mep-lt.ts and mep-y1731.ts, created on first use.
 *
 * The rMEPwhile timers and the LOC decision (on receive times) live in continuity.ts, the error
 * and cross-connect defects with their timers in ccm-defects.ts.
 *
 * Cost: one transmit timer per MEP; one rMEPwhile timer per MEP armed at the earliest remote
 * deadline (a valid CCM only stores its time, it never re-arms a timer), so a steady CCM flow
 * costs one timer event per interval for transmit and about one per three intervals for checks.
 */
import type { FrameDirection } from '../common/frame-port.js';
import { intervalNs, remoteMepTimeoutNs } from '../common/interval.js';
import { buildCcmTemplate, carve, maidEquals, newCcmView, parseCcm, stampCcm, type CcmTemplate, type CcmView } from './ccm.js';
import type { MpContext } from './context.js';
import type { FaultEvent } from './events.js';
import { FaultNotificationGenerator, presentRdiOf } from './fng.js';
import { hex, levelMcast, macToBytes } from './wire.js';
import type { Loopback } from './mep-lb.js';
import type { Linktrace } from './mep-lt.js';
import type { Y1731 } from './mep-y1731.js';
import { handOver, type InjectedCcm } from './mep-inject.js';
import type { CcmTxResume } from './ccm-tx-hook.js';
import { Remote } from './remote.js';
import { Continuity } from './continuity.js';
import { CcmDefect } from './ccm-defects.js';
import type { MepConfig, MepCounters, MepStatus, PortState, RemoteMepStatus } from './types.js';

export { Remote };
import { DEFECTS, DEFECT_BIT, IF_STATUS, PS_BLOCKED, PS_UP } from './types.js';

const scratch: CcmView = newCcmView();

export class Mep {
  readonly cfg: MepConfig;
  readonly ctx: MpContext;
  readonly fng: FaultNotificationGenerator;
  readonly macBytes: Uint8Array;
  readonly active: FrameDirection;
  remotes: Remote[];
  counters: MepCounters = {
    ccmsSent: 0, ccmsReceived: 0, seqErrors: 0, lbrIn: 0, lbrInOutOfOrder: 0, lbrBadMsdu: 0,
    unexpectedLtrIn: 0, lbrOut: 0, lbmOut: 0, ltmOut: 0, ltrOut: 0, aisOut: 0, aisIn: 0, lckOut: 0, lckIn: 0,
  };
  /** Y.1731 LM counters: frames this MEP sent / received at its level (ETH-LM, Y.1731 8.1). */
  txFrames = 0;
  rxFrames = 0;
  seq: number;
  ccmTx: boolean;
  ccmRx: boolean;
  /** errorCCMdefect and xconCCMdefect with their timers and last failing CCMs (ccm-defects.ts). */
  private readonly errorCcm = new CcmDefect(this, 'defErrorCCM');
  private readonly xconCcm = new CcmDefect(this, 'defXconCCM');
  /** The last CCM that raised errorCCMdefect / xconCCMdefect (ccm-defects.ts), or null. */
  get errorLast(): Uint8Array | null {
    return this.errorCcm.last;
  }
  set errorLast(b: Uint8Array | null) {
    this.errorCcm.last = b;
  }
  get xconLast(): Uint8Array | null {
    return this.xconCcm.last;
  }
  set xconLast(b: Uint8Array | null) {
    this.xconCcm.last = b;
  }
  lb: Loopback | null = null;
  lt: Linktrace | null = null;
  y: Y1731 | null = null;
  private template: CcmTemplate;
  /** Bumped with each new template: part of the content an injector must be told about. */
  private templateGen = 0;
  private txArmed = false;
  /** Due time of the next CCM (sent here or counted while an injector sends it). */
  txAtNs = 0;
  /** CCMs handed to a device injector (mep-inject.ts), null = sent here. */
  inj: InjectedCcm | null = null;
  /** No handover to an injector before this time (after a refusal). */
  injRetryAtNs = 0;
  /** rMEPwhile of the remotes and the LOC decision (802.1Q 20.19-20.20, continuity.ts). */
  private readonly cc: Continuity;
  private readonly timeoutNs: number;
  private readonly periodNs: number;

  constructor(cfg: MepConfig, ctx: MpContext) {
    this.cfg = cfg;
    this.ctx = ctx;
    this.macBytes = macToBytes(cfg.mac, carve(6));
    this.active = cfg.direction === 'down' ? 'wire' : 'relay';
    // First CCM 1, as the kernel bridge, OVS and our VOE send and check it (802.1Q 20.16.12; docs/engine.md)
    this.seq = (cfg.initialSeq ?? 1) >>> 0;
    this.ccmTx = cfg.ccmTx ?? true;
    this.ccmRx = cfg.ccmRx ?? true;
    this.periodNs = intervalNs(cfg.interval);
    this.timeoutNs = remoteMepTimeoutNs(cfg.interval);
    this.remotes = cfg.remoteMepIds.map((id) => new Remote(id));
    this.fng = new FaultNotificationGenerator({
      clock: ctx.clock, mep: cfg.key, lowestAlarmPriority: cfg.lowestAlarmPriority,
      fngAlarmTimeMs: cfg.fngAlarmTimeMs, fngResetTimeMs: cfg.fngResetTimeMs, onEvent: ctx.emit,
    });
    this.template = this.buildTemplate();
    this.cc = new Continuity(this, this.timeoutNs);
  }

  get key(): string {
    return this.cfg.key;
  }

  get level(): number {
    return this.cfg.level;
  }

  /** Start CCI and the remote MEP machines (MEPactive, 802.1Q 20.9.1). */
  start(): void {
    if (this.ccmRx) this.cc.start();
    if (this.ccmTx) this.startTx();
  }

  stop(): void {
    this.txArmed = false;
    void this.inj?.end();
    this.inj = null;
    this.cc.stop();
    this.errorCcm.stop();
    this.xconCcm.stop();
    this.fng.stop();
    this.y?.stop();
  }

  // ------------------------------------------------------------------ CCI (802.1Q 20.10)

  private buildTemplate(): CcmTemplate {
    const c = this.cfg;
    const sid = c.senderId === 'chassis' || c.senderId === 'chassis-manage';
    return buildCcmTemplate({
      dst: levelMcast(c.level, 1), src: c.mac, vlan: c.vlan, priority: c.priority ?? 7, level: c.level,
      interval: c.interval, mepId: c.mepId, maid: c.maid, portStatus: c.portStatusTlv ?? 0,
      interfaceStatus: c.interfaceStatusTlv ?? 0,
      chassisId: sid ? new TextEncoder().encode(c.chassisId ?? c.mac) : null,
    });
  }

  /** Change the status TLVs sent (e.g. port blocked); takes effect with the next CCM. */
  setStatusTlvs(portStatus: number, interfaceStatus: number): void {
    this.cfg.portStatusTlv = portStatus;
    this.cfg.interfaceStatusTlv = interfaceStatus;
    this.template = this.buildTemplate();
    this.templateGen++;
  }

  /**
   * Report the port's real state in the status TLVs this MEP sends (802.1Q 20.9.2-20.9.3):
   * Port Status psBlocked / psUp from the STP state, Interface Status from the port's operational
   * state. Only TLVs the MEP is configured to send (non-zero) are touched.
   */
  applyPortState(s: PortState): void {
    const ps = this.cfg.portStatusTlv ? (s.forwarding ? PS_UP : PS_BLOCKED) : 0;
    const is = this.cfg.interfaceStatusTlv ? IF_STATUS[s.ifStatus] : 0;
    if (ps !== (this.cfg.portStatusTlv ?? 0) || is !== (this.cfg.interfaceStatusTlv ?? 0)) this.setStatusTlvs(ps, is);
  }

  /**
   * Transmit instants and rMEPwhile deadlines sit on a grid of min(1 ms, interval / 8) so that
   * MEPs created a few microseconds apart share one batch timer (one setTimeout on RealClock,
   * whose resolution is 1 ms anyway). The first CCM goes out at once; the phase of the next
   * ones is rounded up to the grid.
   */
  get gridNs(): number {
    return Math.min(1_000_000, Math.floor(this.periodNs / 8));
  }

  private startTx(): void {
    if (this.txArmed) return;
    this.txArmed = true;
    const g = this.gridNs;
    this.txAtNs = Math.ceil(this.ctx.clock.nowNs() / g) * g;
    this.transmit();
  }

  /** Enable/disable CCM transmission (hand over to/from hardware without a sequence gap). */
  setCcmTx(on: boolean, seq?: number): void {
    if (seq !== undefined) this.seq = seq >>> 0;
    this.ccmTx = on;
    if (on) this.startTx();
    else {
      this.txArmed = false;
      void this.inj?.end();
      this.inj = null;
    }
  }

  /** Operator RDI (OR'ed into presentRDI); takes effect with the next CCM. */
  setRdi(on: boolean): void {
    this.cfg.forceRdi = on;
  }

  setCcmRx(on: boolean): void {
    if (on === this.ccmRx) return;
    this.ccmRx = on;
    if (on) this.cc.start();
    else {
      this.cc.stop();
      for (const r of this.remotes) r.state = 'idle';
      this.refreshDefects();
    }
  }

  /**
   * presentRDI (802.1Q 20.9.6): true iff someMACstatusDefect, someRMEPCCMdefect, errorCCMdefect
   * or xconCCMdefect is present AND its priority (Table 20-1: 2, 3, 4, 5) is >= lowestAlarmPri,
   * so peers never see RDI for a defect this MEP is configured not to report. defRDICCM itself
   * never sets RDI (no RDI echo). The operator's RDI is OR'ed in.
   */
  get presentRdi(): boolean {
    return this.cfg.forceRdi === true || presentRdiOf(this.fng.defects, this.fng.lowestAlarmPriority);
  }

  private transmit(): void {
    // a device injector sends this one (mep-inject.ts): only count it
    if (!this.inj?.tick(this.seq)) this.ctx.send(this.cfg.port, this.ccmFrame(this.seq), this.active);
    this.seq = (this.seq + 1) >>> 0;
    this.counters.ccmsSent++;
    this.txFrames++;
    this.txAtNs += this.periodNs;
    this.ctx.txBatch.add(this.txAtNs, this);
    if (!this.inj && this.ctx.ccmTxHook) handOver(this, this.ctx.ccmTxHook);
  }

  /** The CCM this MEP sends with sequence number `seq` (template, presentRDI). */
  ccmFrame(seq: number): Uint8Array {
    return stampCcm(this.template, seq, this.presentRdi);
  }

  /** Offset of the sequence number in ccmFrame's bytes (802.1Q 21.6.3). */
  get ccmSeqOffset(): number {
    return this.template.pdu + 4;
  }

  ccmContentKey(): string {
    return `${this.templateGen}/${this.presentRdi ? 1 : 0}`;
  }

  get intervalNs(): number {
    return this.periodNs;
  }

  get transmitting(): boolean {
    return this.txArmed;
  }

  /** The injector stopped: continue at its next sequence number and phase (mep-inject.ts). */
  resumeTx(resume: CcmTxResume | null): void {
    this.inj = null;
    this.injRetryAtNs = this.ctx.clock.nowNs() + 64 * this.periodNs;
    if (!this.txArmed) return;
    if (resume) this.seq = resume.nextSeq >>> 0;
    const now = this.ctx.clock.nowNs();
    if (!resume || resume.nextInNs <= 0) {
      this.txAtNs = now;
      this.transmit();
      return;
    }
    this.txAtNs = now + Math.round(resume.nextInNs);
    this.ctx.txBatch.add(this.txAtNs, this);
  }

  /** Batch timer callback: transmit if this MEP still wants this instant. */
  txTick(atNs: number): void {
    if (this.txArmed && atNs === this.txAtNs) this.transmit();
  }

  /** Batch timer callback for rMEPwhile. */
  rmepTick(atNs: number): void {
    this.cc.tick(atNs);
  }

  /** Send a non-CCM frame from this MEP (towards its active side unless told otherwise). */
  sendFrame(frame: Uint8Array, towards: FrameDirection = this.active): void {
    this.txFrames++;
    this.ctx.send(this.cfg.port, frame, towards);
  }

  // ------------------------------------------------------------------ Remote MEPs (20.19-20.20)

  /** Tell listeners remote `r` entered its state (at `atNs`, default now). */
  remoteEvent(r: Remote, atNs = this.ctx.clock.nowNs()): void {
    this.ctx.emit({
      atNs, mep: this.cfg.key, type: 'remote-mep', remoteMepId: r.mepId,
      state: r.state, highestDefect: this.fng.highestDefect, source: 'software',
    });
  }

  findRemote(mepId: number): Remote | undefined {
    const rs = this.remotes;
    for (let i = 0; i < rs.length; i++) if (rs[i].mepId === mepId) return rs[i];
    return undefined;
  }

  /** Recompute the three defects derived from the remote table (802.1Q 20.33). */
  refreshDefects(): void {
    let rdi = false;
    let failed = false;
    let ifaceBad = false;
    let allPortBad = this.remotes.length > 0;
    for (const r of this.remotes) {
      if (r.state === 'failed') failed = true;
      if (r.state === 'ok') {
        if (r.rdi) rdi = true;
        if (r.interfaceStatus !== 0 && r.interfaceStatus !== 1) ifaceBad = true;
      }
      if (!(r.state === 'ok' && r.portStatus !== 0 && r.portStatus !== 2)) allPortBad = false;
    }
    // someMACstatusDefect: some remote reports an Interface Status other than isUp, or all
    // remotes report a Port Status other than psUp (802.1Q 20.33.6).
    this.fng.setDefect('defRDICCM', rdi);
    this.fng.setDefect('defMACstatus', ifaceBad || allPortBad);
    this.fng.setDefect('defRemoteCCM', failed);
    this.y?.signalFailChanged();
  }

  // ------------------------------------------------------------------ CCM receive (20.16-20.24)

  /** A CCM at this MEP's level on its active side. `p` = PDU offset. */
  receiveCcm(b: Uint8Array, p: number, rxPort: string, rxNs: number): void {
    if (!this.ccmRx) return;
    const v = scratch;
    if (parseCcm(b, p, v) !== null) return;
    this.counters.ccmsReceived++;
    if (!maidEquals(b, v.maidAt, this.cfg.maid)) {
      this.xconCcm.raise(b, p, v.interval);
      return;
    }
    const r = v.mepId === this.cfg.mepId ? undefined : this.findRemote(v.mepId);
    if (!r || v.interval !== this.cfg.interval) {
      // Unknown MEPID, our own MEPID, or a CCM interval other than ours: errorCCMdefect (20.21).
      // Not a valid CCM, so it does not restart the remote's rMEPwhile (20.20): a peer sending
      // at another rate still loses continuity at ours (docs/engine.md, "Wrong-interval CCMs").
      this.errorCcm.raise(b, p, v.interval);
      return;
    }
    this.rxFrames++;
    // a CCM later than the previous one's deadline: the loss the timer did not report (continuity.ts)
    const gap = this.cc.beforeValidCcm(r, rxNs);
    // Sequence check per remote (20.16.12); Y.1731 peers send 0 always.
    if (r.lastSeq >= 0 && v.seq !== ((r.lastSeq + 1) >>> 0) && !(v.seq === 0 && r.lastSeq === 0)) {
      r.seqErrors++;
      this.counters.seqErrors++;
    }
    r.lastSeq = v.seq;
    r.lastSeenNs = rxNs;
    r.sinceNs = rxNs;
    r.rxPort = rxPort;
    r.macHi = (b[6] << 8) | b[7];
    r.macLo = ((b[8] << 24) >>> 0) + (b[9] << 16) + (b[10] << 8) + b[11];
    if (v.chassisAt >= 0) r.chassisId = new TextDecoder().decode(b.subarray(v.chassisAt, v.chassisEnd));
    let changed = false;
    let cameUp = false;
    if (r.state !== 'ok') {
      const wasFailed = r.state === 'failed';
      r.state = 'ok';
      if (wasFailed) r.failedOkTimeNs = rxNs;
      cameUp = true;
      changed = true;
      this.cc.refreshed(r);
    }
    if (r.rdi !== v.rdi || r.portStatus !== v.portStatus || r.interfaceStatus !== v.interfaceStatus) {
      r.rdi = v.rdi;
      r.portStatus = v.portStatus;
      r.interfaceStatus = v.interfaceStatus;
      changed = true;
    }
    if (changed) this.refreshDefects();
    // after the defects, like checkRemotes: the event carries the highest defect now
    if (cameUp) this.remoteEvent(r, gap ? rxNs : undefined);
  }

  /** A CCM below this MEP's level on its active side: cross-connect (802.1Q 20.23). */
  receiveLowCcm(b: Uint8Array, p: number): void {
    if (!this.ccmRx) return;
    if (b.length < p + 4) return;
    this.xconCcm.raise(b, p, b[p + 2] & 7);
  }

  /** Forward a defect event (used by sub-functions). */
  emit(e: FaultEvent): void {
    this.ctx.emit(e);
  }

  // ------------------------------------------------------------------ status

  status(): MepStatus {
    const c = this.cfg;
    const bits = this.fng.defects;
    const remotes: RemoteMepStatus[] = this.remotes.map((r) => ({
      mepId: r.mepId, state: r.state, rdi: r.rdi, portStatus: r.portStatus, interfaceStatus: r.interfaceStatus,
      mac: r.mac, rxPort: r.rxPort, lastSeenNs: r.lastSeenNs >= 0 ? r.lastSeenNs : null,
      lastSeq: r.lastSeq >= 0 ? r.lastSeq : null, seqErrors: r.seqErrors,
      failedOkTimeNs: r.failedOkTimeNs >= 0 ? r.failedOkTimeNs : null, chassisId: r.chassisId,
    }));
    return {
      key: c.key, mepId: c.mepId, level: c.level, vlan: c.vlan, port: c.port, direction: c.direction, mac: c.mac,
      defects: bits, defectNames: DEFECTS.filter((d) => bits & DEFECT_BIT[d]), highestDefect: this.fng.highestDefect,
      fngState: this.fng.state, nextSeq: this.seq, presentRdi: this.presentRdi, ccmTx: this.ccmTx, ccmRx: this.ccmRx,
      ...(this.inj?.running ? { ccmInjected: true as const } : {}),
      ais: this.y?.aisActive ?? false, lck: this.y?.lckActive ?? false, csf: this.y?.csfType ?? null,
      remotes, counters: { ...this.counters },
      errorCcmLastFailure: this.errorLast ? hex(this.errorLast) : null,
      xconCcmLastFailure: this.xconLast ? hex(this.xconLast) : null,
    };
  }
}
