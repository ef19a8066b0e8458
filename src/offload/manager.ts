/**
 * The offload manager of one switch: plans a config against the hardware, reconciles the
 * backend's VOEs to the plan (all-or-nothing), runs every software-placed MEP in the engine over
 * the backend's CPU frame path, turns hardware events into the same fault events as software
 * MEPs (FNG, 802.1Q 20.35), and moves MEPs between hardware and software on re-apply without a
 * CCM gap longer than one interval (sequence numbers carried over: handover.ts, 802.1Q 20.10).
 *
 * This file is the orchestration only: it owns the MEP tables, the model and plan, and the serial
 * chain that keeps apply, polls and status from interleaving. The parts live in their own files:
 * what an apply commits (commit-target.ts) and the commit steps (commit.ts, commit-write.ts,
 * hw-follow.ts, software-meps.ts, handover.ts); hardware events (hw-runtime.ts, event-poll.ts);
 * loopback/linktrace (oam-initiator.ts); the CPU side (cpu-side.ts); status rows (status.ts).
 */
import type { Backend, VoeSpec, VoeStatus } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import { CfmError } from '../common/errors.js';
import { intervalName } from '../common/interval.js';
import type { CfmModel } from '../config/model.js';
import type { BridgeView } from '../engine/context.js';
import { CfmEngine } from '../engine/engine.js';
import type { LoopbackOptions, LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceOptions, LinktraceResult } from '../engine/mep-lt.js';
import type { FaultEvent, FaultListener } from '../engine/events.js';
import type { HwProfile } from '../profiles/types.js';
import type { DebugSink } from '../debug/decoder.js';
import type { HwMep } from './hw-mep.js';
import { HwRuntime } from './hw-runtime.js';
import { EventPoll } from './event-poll.js';
import { ManagerOps } from './ops.js';
import { OwnedClock } from './owned-clock.js';
import { OamInitiator } from './oam-initiator.js';
import { EventStamper } from './event-stamp.js';
import { plan } from './planner.js';
import type { ConfigChange } from './changes.js';
import { VoeIndex } from './voe-index.js';
import { plannedMips } from './cpu-path.js';
import { hwResources } from './resources.js';
import { buildStatus, type ManagerStatus } from './status.js';
import { CpuSide, cpuBridgeView } from './cpu-side.js';
import { PortTlvs } from './port-tlvs.js';
import { Y1731Service } from './y1731/service.js';
import { VoePmLedger } from './y1731/hw-pm.js';
import { ApplyTracker } from './apply-tracker.js';
import type { OpsStatus } from './ops.js';
import { OperationLog, type OperationListener, type OperationsView } from './operations.js';
import type { ApplyCallOptions, ApplyReport, CommitTarget } from './apply-report.js';
import { commit as commitSteps } from './commit.js';
import { SoftwareMeps } from './software-meps.js';
import type { CommitDeps } from './commit-context.js';
import { changeTarget, fullTarget, type TargetDeps } from './commit-target.js';
import type { HwResources, MepPlan, Placement, Plan, PlanPolicy } from './types.js';

export interface ManagerOptions {
  backend: Backend;
  profile: HwProfile;
  clock: Clock;
  /** The switch of the config this manager drives (default: the config's only switch). */
  switch?: string;
  policy?: Partial<PlanPolicy>;
  /**
   * Hardware event poll period on the manager's clock: default 10 ms, or 1 s (a safety net only)
   * when the backend pushes event notifications (Backend.onEventsPending).
   */
  pollIntervalMs?: number;
  /** Bridge view for linktrace (FDB, port MACs); default: cpuBridgeView (no FDB, derived MACs). */
  bridge?: BridgeView;
  /** Debug decode output of tagged MPs (seed 004), besides `status().ops.recentDebug`. */
  debugSink?: DebugSink;
  /** State dir shared with `cfm debug tag` / `cfm debug dump` (default: none). */
  opsStateDir?: string | null;
}

export type { MepMove, ApplyReport, ApplyCallOptions } from './apply-report.js';

export class OffloadManager {
  readonly backend: Backend;
  readonly profile: HwProfile;
  readonly clock: OwnedClock;
  private readonly opLog = new OperationLog(() => this.clock.nowNs());
  /** Totals and last OAM results of the manager's operations since it started (operations.ts). */
  readonly operations: OperationsView = this.opLog;
  readonly engine: CfmEngine;
  private readonly switchName?: string;
  private policy: Partial<PlanPolicy>;
  private readonly hw = new Map<string, HwMep>();
  /** What the VOEs were told of hardware DM / LM (y1731/hw-pm.ts). */
  private readonly voePm = new VoePmLedger();
  private readonly sw = new SoftwareMeps();
  private readonly listeners = new Set<FaultListener>();
  private readonly stamper = new EventStamper();
  private lastPlan: Plan | null = null;
  /** The MEP plans of lastPlan by key. */
  private planByKey = new Map<string, MepPlan>();
  /** The backend's VOEs as last read back. */
  private readonly voes = new VoeIndex();
  /** Engine, engine parts of hardware MEPs, MIPs, punt flags and the CPU's relay (cpu-side.ts). */
  private readonly cpu: CpuSide;
  /** Port state in hardware MEPs' status TLVs, for backends whose VOEs send the spec's (port-tlvs.ts). */
  private readonly portTlvs: PortTlvs;
  /** Hardware MEPs' event drain, RDI pushes and the status syncs that wait for a poll (hw-runtime.ts). */
  private readonly hwRt: HwRuntime;
  /** When hardware events are drained: timer and backend notifications (event-poll.ts). */
  private readonly poller: EventPoll;
  /** Loopback and linktrace from a MEP of this manager (oam-initiator.ts). */
  private readonly oam: OamInitiator;
  /** The parts of the manager an apply's commit steps work on (commit-context.ts). */
  private readonly commitDeps: CommitDeps;
  /** Applies and changes asked for and not settled: status() does not wait for them (apply-tracker.ts). */
  private readonly tracker = new ApplyTracker();
  /** The last CPU-path status read (status() during an apply shows it). */
  private lastOps: OpsStatus | undefined;
  private model: CfmModel | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Squelching, CPU protection and debug decoding on the CPU path (src/offload/ops.ts). */
  readonly ops: ManagerOps;
  /** Y.1731 on-demand tests and receive-side results (src/offload/y1731, docs/y1731.md). */
  readonly y1731: Y1731Service = new Y1731Service({
    clock: () => this.clock, mep: (k) => this.oam.mep(k), peerMac: (k, id) => this.oam.peerMac(k, id), findMep: (k) => this.engine.findMep(k),
    hwFng: (k) => this.hw.get(k)?.fng, portState: (p) => this.engine.portState(p), onFault: (fn) => this.onFault(fn),
    planOf: (k) => this.planByKey.get(k),
  });

  constructor(o: ManagerOptions) {
    this.backend = o.backend;
    this.profile = o.profile;
    this.clock = new OwnedClock(o.clock);
    this.switchName = o.switch;
    this.policy = o.policy ?? {};
    this.hwRt = new HwRuntime(o.backend, this.hw, () => this.clock.nowNs());
    this.poller = new EventPoll({
      backend: o.backend,
      clock: this.clock,
      pollNs: (o.pollIntervalMs ?? (o.backend.onEventsPending ? 1000 : 10)) * 1e6,
      serial: (fn) => this.serial(fn),
      poll: () => (this.hw.size === 0 || this.closed ? Promise.resolve(0) : this.hwRt.drain()),
      closed: () => this.closed,
    });
    this.ops = new ManagerOps(o.backend, { switch: o.switch, profile: o.profile, clock: this.clock, debugSink: o.debugSink, stateDir: o.opsStateDir });
    this.cpu = new CpuSide({
      backend: o.backend,
      frames: this.ops.frames,
      clock: this.clock,
      bridge: o.bridge ?? cpuBridgeView(o.switch ?? 'default'),
      onFault: (e) => this.emit(e),
    });
    this.engine = this.cpu.engine;
    this.commitDeps = {
      backend: o.backend, clock: this.clock, engine: this.engine, cpu: this.cpu, ops: this.ops, tracker: this.tracker,
      voes: this.voes, hw: this.hw, sw: this.sw, hwRt: this.hwRt, voePm: this.voePm, emit: (e) => this.emit(e),
    };
    this.oam = new OamInitiator({
      backend: o.backend, engine: this.engine, clock: this.clock.base, hw: this.hw, sw: this.sw,
      serial: (fn) => this.serial(fn), closed: () => this.closed,
    });
    this.y1731.setStateDir(o.opsStateDir ?? null);
    this.portTlvs = new PortTlvs(o.backend, (ports) => {
      if (this.closed || this.hw.size === 0) return;
      void this.serial(async () => {
        await this.voes.refresh(this.backend);
        await this.portTlvs.followPorts(this.backend, ports, this.hw.values(), (k) => this.voes.of(k)[0]);
      }).catch((e: unknown) => process.emitWarning(`cfm offload: ports ${[...ports].join(', ')}: status TLVs not updated: ${e instanceof Error ? e.message : String(e)}`));
    });
  }

  /** A planned VOE as applied: with the port's state in its status TLVs where the manager writes it. */
  voeWithPortState(spec: VoeSpec): VoeSpec {
    return this.portTlvs.stamp(spec);
  }

  // ------------------------------------------------------------------ events

  /** Each apply / change / loopback / linktrace as it finishes: kind, duration, outcome (operations.ts). Returns unsubscribe. */
  onOperation(fn: OperationListener): () => void {
    return this.opLog.on(fn);
  }

  /** Subscribe to fault events of every MEP, hardware and software. Returns unsubscribe. */
  onFault(fn: FaultListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e0: FaultEvent): void {
    const e = this.stamper.stamp(e0);
    for (const l of this.listeners) l(e);
  }

  /** Run backend work one piece at a time (apply, polls and status never interleave). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  // ------------------------------------------------------------------ planning

  resources(): HwResources {
    return hwResources(this.profile, this.backend.capabilities());
  }

  plan(model: CfmModel, policy: Partial<PlanPolicy> = this.policy): Plan {
    return plan(model, this.resources(), { switch: this.switchName, policy });
  }

  get currentPlan(): Plan | null {
    return this.lastPlan;
  }

  get currentModel(): CfmModel | null {
    return this.model;
  }

  setPolicy(policy: Partial<PlanPolicy>): void {
    this.policy = { ...this.policy, ...policy };
  }

  // ------------------------------------------------------------------ apply

  /** Plan `model` and make the hardware and the engine match it. All-or-nothing for the VOEs. */
  apply(model: CfmModel, opts: ApplyCallOptions = {}): Promise<ApplyReport> {
    if (this.closed) return Promise.reject(new CfmError('USAGE', 'the manager is closed'));
    return this.tracker.track('apply', this.clock.nowNs(), (started) => this.serial(() => (started(), this.opLog.run('apply', null, () => this.applyNow(model, opts)))));
  }

  /** Re-plan the current config (after a policy change, or when VOEs were freed). */
  replan(opts: ApplyCallOptions = {}): Promise<ApplyReport> {
    if (!this.model) return Promise.reject(new CfmError('USAGE', 'nothing applied yet'));
    return this.apply(this.model, opts);
  }

  /** Apply a change to the running config (changes.ts); re-plans and reconciles only what changed. */
  change(c: ConfigChange, opts: ApplyCallOptions = {}): Promise<ApplyReport> {
    if (this.closed) return Promise.reject(new CfmError('USAGE', 'the manager is closed'));
    return this.tracker.track('change', this.clock.nowNs(), (started) => this.serial(() => (started(), this.opLog.run('change', null, () => this.changeNow(c, opts)))));
  }

  private async applyNow(model: CfmModel, opts: ApplyCallOptions, planned?: Plan): Promise<ApplyReport> {
    return this.commit(await fullTarget(this.targetDeps(), model, opts, planned), opts);
  }

  private async changeNow(c: ConfigChange, opts: ApplyCallOptions): Promise<ApplyReport> {
    const prev = this.lastPlan;
    if (!this.model || !prev) throw new CfmError('USAGE', 'nothing applied yet: apply a config before changing it');
    const r = await changeTarget(this.targetDeps(), { model: this.model, plan: prev, planByKey: this.planByKey }, c);
    return 'target' in r ? this.commit(r.target, opts) : this.applyNow(r.full, opts, r.planned);
  }

  /** What planning an apply or a change reads (commit-target.ts). */
  private targetDeps(): TargetDeps {
    return {
      backend: this.backend, voes: this.voes, tracker: this.tracker, portTlvs: this.portTlvs,
      resources: () => this.resources(), switchName: this.switchName, policy: this.policy,
    };
  }

  /**
   * Make hardware, engine and bookkeeping match `t` for the keys in t.scope (null: every MEP)
   * (commit.ts), then settle the manager's own state: model, plan, CPU path, polling, Y.1731.
   */
  private async commit(t: CommitTarget, opts: ApplyCallOptions): Promise<ApplyReport> {
    const { report, prep } = await commitSteps(this.commitDeps, t, opts);
    const p = t.plan;
    this.model = t.model;
    if (prep) {
      this.cpu.syncMips(plannedMips(t.model, p), p.switch);
      await this.ops.start(t.model, prep);
    }
    this.lastPlan = p;
    if (t.planByKey) this.planByKey = t.planByKey;
    else for (const [k, m] of t.fresh!) this.planByKey.set(k, m);
    this.poller.start();
    this.y1731.sync(t.model, p.switch, t.scope); // a change: only its MEPs' signals and PM sessions
    return report;
  }

  // ------------------------------------------------------------------ hardware events

  /**
   * Drain and handle pending hardware events now. Returns how many were handled. A poll still
   * waiting in the serial chain (behind an apply: seconds on a slow SDK) serves every later ask
   * too, instead of one queued poll per timer tick or event notification.
   */
  pollOnce(): Promise<number> {
    return this.poller.pollOnce();
  }

  // ------------------------------------------------------------------ status

  /**
   * Placement, remote MEPs, defects and counters of every MEP, hardware state read back. While an
   * apply or change is queued or running (seconds on a slow SDK, issue 16) it answers at once
   * from the state last known, with `apply` saying so; hardware is read only between applies.
   */
  status(): Promise<ManagerStatus> {
    if (this.tracker.busy) return this.statusOf(false);
    return this.serial(() => this.statusOf(true));
  }

  private async statusOf(fresh: boolean): Promise<ManagerStatus> {
    const hwStatus = new Map<string, VoeStatus>();
    let readAtNs: number | null = null;
    for (const [key, h] of this.hw) {
      if (fresh) h.noteRead(await this.backend.readStatus(h.handle));
      if (h.lastRead) hwStatus.set(key, h.lastRead);
      if (h.lastReadNs !== null) readAtNs = Math.min(readAtNs ?? h.lastReadNs, h.lastReadNs);
    }
    const st = buildStatus({
      switch: this.lastPlan?.switch ?? this.switchName ?? 'default',
      backend: this.backend.kind,
      profile: this.profile.name,
      atNs: this.clock.nowNs(),
      plan: this.lastPlan,
      hw: this.hw,
      hwStatus,
      hwStatusFresh: fresh,
      engine: this.engine,
      sw: this.sw,
      mips: this.cpu.mips.values(),
    });
    const apply = fresh ? undefined : this.tracker.snapshot(readAtNs);
    const ops = fresh || !this.lastOps ? await this.ops.status() : this.lastOps;
    if (fresh) this.lastOps = ops;
    return { ...st, ...(ops ? { ops } : {}), ...(apply ? { apply } : {}) };
  }

  /** Where a MEP runs now, or undefined. */
  placementOf(key: string): Placement | undefined {
    if (this.hw.has(key)) return 'hardware';
    if (this.sw.has(key)) return 'software';
    return undefined;
  }

  hardwareHandle(key: string): number | undefined {
    return this.hw.get(key)?.handle;
  }

  // ------------------------------------------------------------------ loopback, linktrace

  /**
   * Loopback (802.1Q 20.29-20.31) from MEP `key`: resolves when the session ends (every unicast
   * LBM answered, or the LBR timeout after the last LBM). `onReply` sees each LBR as it arrives.
   */
  loopback(key: string, o: LoopbackOptions): Promise<LoopbackResult> {
    return this.opLog.run('loopback', key, () => this.oam.loopback(key, o));
  }

  /** Linktrace (802.1Q 20.36-20.46) from MEP `key`: resolves with the LTRs after the collection time. */
  linktrace(key: string, o: LinktraceOptions): Promise<LinktraceResult> {
    return this.opLog.run('linktrace', key, () => this.oam.linktrace(key, o));
  }

  // ------------------------------------------------------------------ shutdown

  /**
   * Stop the manager. Hardware MEPs stay programmed (default) so peers see no LOC while a new
   * manager starts and adopts them; `clearHardware` deletes every VOE instead.
   */
  async close(opts: { clearHardware?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    await this.serial(async () => {
      this.closed = true;
      this.poller.stop();
      this.y1731.stop();
      this.portTlvs.close();
      this.cpu.close();
      this.clock.cancelAll();
      await this.ops.close();
      for (const h of this.hw.values()) h.stop();
      if (opts.clearHardware) {
        for (const v of await this.backend.listVoes()) await this.backend.deleteVoe(v.handle);
      }
      this.hw.clear();
      this.sw.clear();
    });
  }

  /** One line per MEP for logs: "md1/ma1/1 hardware 1s". */
  describe(): string[] {
    return (this.lastPlan?.meps ?? []).map((m) => `${m.key} ${this.placementOf(m.key) ?? '-'} ${intervalName(m.interval)}`);
  }
}
