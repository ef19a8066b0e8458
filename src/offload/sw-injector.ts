/**
 * Software MEPs' CCMs sent by the device's periodic frame injector (Backend.injector, vendor C ABI
 * group "inject"; Microchip MESA's AFI) instead of the engine's timers: the adapter from the
 * backend's injector to the engine's backend-agnostic CCM-transmit hook (src/engine/ccm-tx-hook.ts;
 * the handover itself: src/engine/mep-inject.ts). Why: a JavaScript timer cannot keep a 10 ms CCM
 * within 1 ms under GC pauses, a 1 ms timer resolution and an event loop busy with an apply on a
 * slow SDK (issue 16); the device's injector runs on its own clock.
 *
 * Refusals (no room, budget, an interval or an up MEP the injector cannot do) leave the MEP on
 * the engine's timers. A device that cannot write sequence numbers gets frames with 0 there
 * (802.1Q 21.6.3 allows a MEP to send 0). The injection's counters are read back every
 * `readBackMs` (status, and a stop the device did not announce); a stop it announces
 * (CFM_EVENT_INJECT_STOPPED) is taken back at once, at the device's next sequence number and phase.
 */
import type { Clock, TimerHandle } from '../common/clock.js';
import type { Backend } from '../backends/types.js';
import type { FrameInjector, InjectionCounters } from '../backends/injector.js';
import type { CcmTxHook, CcmTxLease, CcmTxRequest, CcmTxResume } from '../engine/ccm-tx-hook.js';
import type { CfmEngine } from '../engine/engine.js';
import { isAsicError } from '../backends/asic-binding/status.js';

export interface SwInjectorOptions {
  /** Read the injection's counters back this often (default 1000 ms). */
  readBackMs?: number;
  /** A failure nobody awaits (default: a process warning). */
  warn?: (message: string) => void;
}

function resumeOf(c: InjectionCounters, seqByDevice: boolean, firstSeq: number): CcmTxResume {
  return { nextSeq: seqByDevice ? c.nextSeq : (firstSeq + c.frames) >>> 0, nextInNs: c.nextTxNs - c.nowNs };
}

function zeroSeq(frame: Uint8Array, at: number): Uint8Array {
  const f = frame.slice();
  f.fill(0, at, at + 4);
  return f;
}

class Lease implements CcmTxLease {
  private last: InjectionCounters | null = null;
  private timer: TimerHandle | null = null;
  private stopping: Promise<CcmTxResume | null> | null = null;
  private updating = false;
  private pending: Uint8Array | null = null;
  private readonly offStopped: () => void;

  constructor(
    private readonly inj: FrameInjector,
    private readonly id: number,
    private readonly req: CcmTxRequest,
    readonly seq: boolean,
    private readonly clock: Clock,
    private readonly readBackNs: number,
    private readonly onLost: (r: CcmTxResume | null) => void,
    private readonly warn: (m: string) => void,
  ) {
    this.offStopped = inj.onStopped((stopped) => {
      if (stopped === this.id) this.lost();
    });
    this.schedule();
  }

  update(frame: Uint8Array): void {
    this.pending = this.seq ? frame : zeroSeq(frame, this.req.seqOffset);
    if (!this.updating) void this.flush();
  }

  readBack(): { frames: number; nextSeq: number } | null {
    return this.last && { frames: this.last.frames, nextSeq: resumeOf(this.last, this.seq, this.req.firstSeq).nextSeq };
  }

  stop(): Promise<CcmTxResume | null> {
    this.stopping ??= this.end();
    return this.stopping;
  }

  private async end(): Promise<CcmTxResume | null> {
    this.timer?.cancel();
    this.timer = null;
    this.offStopped();
    try {
      return resumeOf(await this.inj.stop(this.id), this.seq, this.req.firstSeq);
    } catch (e) {
      if (!isAsicError(e, 'ENOENT')) this.warn(`stopping the injection of ${this.req.key}'s CCMs: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  }

  /** The device stopped it (announced, or found by a read-back): the engine takes over. */
  private lost(): void {
    if (this.stopping) return;
    void this.stop().then((r) => this.onLost(r));
  }

  private async flush(): Promise<void> {
    this.updating = true;
    try {
      while (this.pending && !this.stopping) {
        const f = this.pending;
        this.pending = null;
        await this.inj.update(this.id, f);
      }
    } catch (e) {
      this.warn(`updating the injected CCM of ${this.req.key}: ${e instanceof Error ? e.message : String(e)}`);
      this.lost(); // the engine sends it again, with the current content
    } finally {
      this.updating = false;
    }
  }

  private schedule(): void {
    this.timer = this.clock.setTimer(this.readBackNs, () => {
      this.timer = null;
      if (this.stopping) return;
      this.inj.counters(this.id).then(
        (c) => {
          this.last = c;
          if (!c.running) this.lost();
          else if (!this.stopping) this.schedule();
        },
        () => {
          if (!this.stopping) this.lost();
        },
      );
    });
  }
}

/** The CCM-transmit hook over a backend's injector. */
export function injectorHook(inj: FrameInjector, clock: Clock, o: SwInjectorOptions = {}): CcmTxHook {
  const readBackNs = (o.readBackMs ?? 1000) * 1e6;
  const warn = o.warn ?? ((m: string) => process.emitWarning(`cfm offload: ${m}`));
  return {
    async start(req, onLost) {
      const caps = inj.caps();
      if (!caps.intervals.includes(req.interval) || (req.towards === 'relay' && !caps.relay) || req.frame.length > caps.maxLen) return null;
      let id: number;
      try {
        id = await inj.start({
          port: req.port, towards: req.towards, interval: req.interval, frame: caps.seq ? req.frame : zeroSeq(req.frame, req.seqOffset),
          seqOffset: caps.seq ? req.seqOffset : null, firstSeq: req.firstSeq, firstDelayNs: req.firstDelayNs,
        });
      } catch (e) {
        // a full injector or its budget: the engine keeps the MEP's CCMs, quietly; anything else is news
        if (!isAsicError(e, 'ENOSPC') && !isAsicError(e, 'EBUDGET') && !isAsicError(e, 'ENOTSUP')) {
          warn(`${req.key}: CCMs stay on the engine's timers, the injector refused: ${e instanceof Error ? e.message : String(e)}`);
        }
        return null;
      }
      return new Lease(inj, id, req, caps.seq, clock, readBackNs, onLost, warn);
    },
  };
}

/**
 * Software MEPs of `engine` hand their CCMs to `backend`'s injector when it has one (MEPs started
 * from now on). Returns a function that detaches it (MEPs already handed over keep their injection
 * until they stop).
 */
export function attachCcmInjector(engine: CfmEngine, backend: Backend, o: SwInjectorOptions = {}): () => void {
  if (!backend.injector) return () => undefined;
  const hook = injectorHook(backend.injector, engine.clock, o);
  engine.ccmTxHook = hook;
  return () => {
    if (engine.ccmTxHook === hook) engine.ccmTxHook = null;
  };
}
