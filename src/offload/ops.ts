/**
 * The operator features of seeds 002 and 004 inside a running manager: ingress squelching,
 * CPU protection and debug decoding of tagged MPs, placed on the CPU frame path between the
 * backend and the engine (src/debug/tap.ts):
 *
 *   rx: backend -> squelch -> CPU protection -> debug rx queue -> engine
 *   tx: engine -> debug tx queue -> backend
 *
 * The tap is built once, empty, when the manager starts; every apply re-programs it from the
 * config (hardware policers through the backend, native or TypeScript policers for the rest),
 * so a config without bindings or debug tags costs one branch per frame. The hardware policers
 * are written inside the manager's apply transaction (prepare / programPolicers /
 * restorePolicers / start): a failed apply leaves them as they were. The Backend interface
 * cannot read a policer's configuration back, so "as they were" is what this process wrote.
 */
import type { Backend, PolicerSpec } from '../backends/types.js';
import { CfmError } from '../common/errors.js';
import { planProtection, policerSpecs, type PlannedProtection } from '../cpu-protection/setup.js';
import type { Clock } from '../common/clock.js';
import type { CfmModel } from '../config/model.js';
import { summarize, totals, type CounterSummary, type Tally } from '../cpu-protection/summary.js';
import type { Enforcement } from '../cpu-protection/types.js';
import type { DebugLogEntry, DebugSink, DecoderStats } from '../debug/decoder.js';
import { startOps, type OpsRuntime } from '../debug/runtime.js';
import { RingLog } from '../debug/sinks.js';
import { ApplyError } from './reconciler.js';
import type { OpsStats } from '../debug/state.js';
import { wrapFramePort, type TapCounters, type TapStage, type TappedFramePort } from '../debug/tap.js';
import type { HwProfile } from '../profiles/types.js';

export interface OpsOptions {
  switch?: string;
  profile: HwProfile;
  clock: Clock;
  /** Where decoded debug entries go besides the status view's ring of recent ones. */
  debugSink?: DebugSink;
  /** State dir shared with `cfm debug tag` / `cfm debug dump` (null = none, the default). */
  stateDir?: string | null;
}

export interface OpsStatus {
  cpuProtection: Array<{ enforcement: Enforcement; total: Tally } & CounterSummary>;
  debug: DecoderStats;
  /** Frames on the CPU path: received, squelched, policed (in software), delivered, sent. */
  cpuPath: TapCounters;
  recentDebug: DebugLogEntry[];
}

/** A policer write of an apply failed (step 0: before any VOE operation). */
export class PolicerError extends ApplyError {
  constructor(message: string, rolledBack: boolean, cause: unknown) {
    super(message, 0, rolledBack, cause);
  }
}

/** Counters and decoder statistics of a running manager (the state dir's ops-stats.json shape). */
export type OpsSnapshot = OpsStats;

/** What an apply will do on the CPU path, decided before anything is written. */
export interface PreparedOps {
  wanted: boolean;
  protection: PlannedProtection | null;
  /** Backend policer ids 0..n-1 and what they must hold (null = cleared). */
  policers: Array<PolicerSpec | null>;
}

function samePolicer(a: PolicerSpec | null | undefined, b: PolicerSpec | null): boolean {
  if (a === undefined) return false;
  if (a === null || b === null) return a === b;
  return a.port === b.port && a.vlan === b.vlan && a.ratePps === b.ratePps && a.levels.join() === b.levels.join() && a.opcodes.join() === b.opcodes.join();
}

export class ManagerOps {
  readonly frames: TappedFramePort;
  private readonly stage: TapStage = {};
  private readonly recent = new RingLog(20);
  private runtime: OpsRuntime | null = null;
  /** What each backend policer holds as this process wrote it (undefined: unknown). */
  private written: Array<PolicerSpec | null | undefined> | null = null;
  /** The policers as the last successful apply left them. */
  private committed: Array<PolicerSpec | null> | null = null;

  constructor(private readonly backend: Backend, private readonly o: OpsOptions) {
    this.frames = wrapFramePort(backend.frames, this.stage);
  }

  static wanted(model: CfmModel, stateDir: string | null | undefined): boolean {
    return model.cpuProtection.bindings.length > 0 || model.debugTags.length > 0 || !!stateDir;
  }

  /**
   * Decide what an apply of `model` programs (pure: nothing is written). The policers are part
   * of the manager's apply transaction: written with programPolicers before the VOEs, put back
   * with restorePolicers when anything of the apply fails.
   */
  prepare(model: CfmModel): PreparedOps {
    if (!ManagerOps.wanted(model, this.o.stateDir)) {
      return { wanted: false, protection: null, policers: this.committed ? this.committed.map(() => null) : [] };
    }
    const protection = planProtection(model, this.backend, { switch: this.o.switch, profile: this.o.profile });
    return { wanted: true, protection, policers: policerSpecs(protection.plan) };
  }

  /** Write the prepared policers (only ids that differ from what they hold). */
  async programPolicers(prep: PreparedOps): Promise<void> {
    await this.writePolicers(prep.policers);
  }

  /**
   * programPolicers inside an apply: on failure put back the old policers and throw a
   * PolicerError that says whether that worked (the VOEs are not touched yet).
   */
  async programPolicersOrRestore(prep: PreparedOps): Promise<void> {
    try {
      await this.programPolicers(prep);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      try {
        await this.restorePolicers();
      } catch (e2) {
        throw new PolicerError(`apply failed writing CPU-protection policers: ${msg}; rollback incomplete, policer state unknown: ${e2 instanceof Error ? e2.message : String(e2)}`, false, e);
      }
      throw new PolicerError(`apply failed writing CPU-protection policers: ${msg}; rolled back (VOEs untouched)`, true, e);
    }
  }

  /** Put the policers back as the last successful apply left them. */
  async restorePolicers(): Promise<void> {
    await this.writePolicers(this.committed ?? []);
  }

  private async writePolicers(want: ReadonlyArray<PolicerSpec | null>): Promise<void> {
    if (want.length === 0) return;
    if (!this.backend.setPolicer) throw new CfmError('UNSUPPORTED', `backend ${this.backend.kind} has no setPolicer`);
    for (let id = 0; id < want.length; id++) {
      const w = want[id];
      if (this.written && id < this.written.length && samePolicer(this.written[id], w)) continue;
      // unknown until the write returns: a failed call may have changed it
      if (this.written) this.written[id] = undefined;
      await this.backend.setPolicer(id, w);
      this.written ??= [];
      this.written[id] = w;
    }
  }

  /** Start the software parts of the prepared ops (policers already written). */
  async start(model: CfmModel, prep: PreparedOps): Promise<void> {
    await this.stop();
    this.committed = prep.policers.slice();
    if (!prep.wanted) return;
    const sink = this.o.debugSink;
    const rt = await startOps(model, this.backend, {
      switch: this.o.switch,
      profile: this.o.profile,
      clock: this.o.clock,
      stateDir: this.o.stateDir ?? null,
      protection: prep.protection!,
      hardwareProgrammed: true,
      log: (e) => {
        this.recent.sink(e);
        sink?.(e);
      },
    });
    this.runtime = rt;
    this.stage.squelch = rt.protection.squelch;
    this.stage.cpuProtection = rt.protection.engine;
    this.stage.debug = rt.debug;
    this.stage.clock = this.o.clock;
  }

  /**
   * The raw counters and decoder statistics, in the shape of the state dir's ops-stats.json
   * (`cfm cpu-protection counters`, `cfm debug dump` through the control socket); undefined when
   * the operator features do not run.
   */
  async snapshot(): Promise<OpsSnapshot | undefined> {
    const rt = this.runtime;
    if (!rt) return undefined;
    return { atIso: new Date().toISOString(), pid: process.pid, debug: rt.debug.stats(), cpuProtection: await rt.protection.counters() };
  }

  async status(): Promise<OpsStatus | undefined> {
    const rt = this.runtime;
    if (!rt) return undefined;
    const snaps = await rt.protection.counters();
    return {
      cpuProtection: snaps.map((s) => ({ enforcement: s.enforcement, total: totals(s), ...summarize(s) })),
      debug: rt.debug.stats(),
      cpuPath: { ...this.frames.tapCounters },
      recentDebug: this.recent.entries(),
    };
  }

  private async stop(): Promise<void> {
    const rt = this.runtime;
    this.runtime = null;
    this.stage.squelch = null;
    this.stage.cpuProtection = null;
    this.stage.debug = null;
    await rt?.close();
  }

  async close(): Promise<void> {
    await this.stop();
  }
}
