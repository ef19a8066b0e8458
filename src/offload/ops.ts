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
 * so a config without bindings or debug tags costs one branch per frame.
 */
import type { Backend } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import type { CfmModel } from '../config/model.js';
import { summarize, totals, type CounterSummary, type Tally } from '../cpu-protection/summary.js';
import type { Enforcement } from '../cpu-protection/types.js';
import type { DebugLogEntry, DebugSink, DecoderStats } from '../debug/decoder.js';
import { startOps, type OpsRuntime } from '../debug/runtime.js';
import { RingLog } from '../debug/sinks.js';
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

export class ManagerOps {
  readonly frames: TappedFramePort;
  private readonly stage: TapStage = {};
  private readonly recent = new RingLog(20);
  private runtime: OpsRuntime | null = null;

  constructor(private readonly backend: Backend, private readonly o: OpsOptions) {
    this.frames = wrapFramePort(backend.frames, this.stage);
  }

  static wanted(model: CfmModel, stateDir: string | null | undefined): boolean {
    return model.cpuProtection.bindings.length > 0 || model.debugTags.length > 0 || !!stateDir;
  }

  async apply(model: CfmModel): Promise<void> {
    await this.stop();
    if (!ManagerOps.wanted(model, this.o.stateDir)) return;
    const sink = this.o.debugSink;
    const rt = await startOps(model, this.backend, {
      switch: this.o.switch,
      profile: this.o.profile,
      clock: this.o.clock,
      stateDir: this.o.stateDir ?? null,
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
