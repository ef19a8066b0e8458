/**
 * A MEP's CCM transmission handed to a device injector (ccm-tx-hook.ts), and taken back.
 *
 * Handover without a repeated sequence number: right after the engine sent CCM seq X it asks the
 * injector to start at seq X + k, k intervals after the call reaches the device
 * (k * interval >= HANDOVER_MIN_NS, so the request may wait behind one slow SDK operation). The
 * engine keeps sending X+1 .. X+k-1 itself; from X+k on its timer only counts (sequence number,
 * ccmsSent, the LM TxFCl) and passes content changes (RDI, status TLVs) on - also while the
 * answer is still on its way: only the device knows whether the start reached it, so the engine
 * never sends a CCM the injector may send too. A refusal gives the CCMs back to the engine at its
 * next tick (those due meanwhile are missing, never repeated); it tries again later.
 *
 * The injector's first CCM goes at (when the call reached the device) + k intervals, so the
 * device's phase trails the engine's by that wait (a few ms on a slow board): the one CCM at the
 * handover is late by it, the following ones keep their interval. The engine's count runs ahead
 * of the device by at most that wait, so a sequence number read from it (a MEP moved to a VOE)
 * never repeats one on the wire (802.1Q 20.10: CCIsentCCMs).
 *
 * Taking back (the device stopped the injection, or CCM transmission is handed elsewhere): the
 * injector's last counters give the next sequence number and when it is due; the engine
 * continues there.
 */
import type { FrameDirection } from '../common/frame-port.js';
import type { IntervalCode } from '../common/interval.js';
import type { Clock } from '../common/clock.js';
import type { CcmTxHook, CcmTxLease, CcmTxResume } from './ccm-tx-hook.js';

/** The injector's first CCM comes at least this long after the request. */
export const HANDOVER_MIN_NS = 50_000_000;
/** After a refused or cancelled handover: intervals before the next try. */
const RETRY_INTERVALS = 64;

/** What this needs of its MEP (mep.ts). */
export interface InjectedMep {
  readonly key: string;
  readonly cfg: { port: string; interval: IntervalCode };
  readonly active: FrameDirection;
  readonly ctx: { readonly clock: Clock };
  /** Next sequence number the MEP counts, and the due time of that CCM. */
  readonly seq: number;
  readonly txAtNs: number;
  readonly intervalNs: number;
  readonly ccmSeqOffset: number;
  readonly transmitting: boolean;
  inj: InjectedCcm | null;
  injRetryAtNs: number;
  /** The CCM the MEP would send now with `seq` (template + RDI). */
  ccmFrame(seq: number): Uint8Array;
  /** A key that changes when ccmFrame's content (other than the sequence number) does. */
  ccmContentKey(): string;
  /** The device stopped injecting: continue at `resume` (null: keep counting from here). */
  resumeTx(resume: CcmTxResume | null): void;
}

export class InjectedCcm {
  /** Sequence number of the injector's first CCM. */
  readonly firstSeq: number;
  private lease: CcmTxLease | null = null;
  private ended = false;
  private content: string;

  constructor(
    private readonly mep: InjectedMep,
    firstSeq: number,
    started: Promise<CcmTxLease | null>,
    private readonly onRefused: () => void,
  ) {
    this.firstSeq = firstSeq;
    this.content = mep.ccmContentKey();
    started.then(
      (l) => this.confirmed(l),
      () => this.confirmed(null),
    );
  }

  /** Whether the injector sends (or, its start under way, may send) CCM `seq`: the engine then only counts it. */
  sends(seq: number): boolean {
    return !this.ended && ((seq - this.firstSeq) | 0) >= 0;
  }

  /** The engine's tick for `seq`: true = the injector sends it; content changes passed on (or on confirmation). */
  tick(seq: number): boolean {
    if (!this.sends(seq)) return false;
    const c = this.mep.ccmContentKey();
    if (this.lease && c !== this.content) {
      this.content = c;
      this.lease.update(this.mep.ccmFrame(seq));
    }
    return true;
  }

  get running(): boolean {
    return !this.ended && this.lease !== null;
  }

  readBack(): { frames: number; nextSeq: number } | null {
    return this.lease?.readBack() ?? null;
  }

  /** Stop injecting (MEP stopped, transmission handed elsewhere). */
  end(): Promise<CcmTxResume | null> {
    if (this.ended) return Promise.resolve(null);
    this.ended = true;
    const l = this.lease;
    this.lease = null;
    return l ? l.stop().catch(() => null) : Promise.resolve(null);
  }

  /** The device stopped it by itself. */
  lost(resume: CcmTxResume | null): void {
    if (this.ended) return;
    this.ended = true;
    this.lease = null;
    this.mep.resumeTx(resume);
  }

  private confirmed(l: CcmTxLease | null): void {
    if (!l) {
      if (!this.ended) this.cancel();
      return;
    }
    if (this.ended) {
      void l.stop().catch(() => null); // cancelled meanwhile (or the MEP stopped)
      return;
    }
    this.lease = l;
    // content changed while the request was on its way: the first injected CCM must carry it
    const c = this.mep.ccmContentKey();
    if (c !== this.content) {
      this.content = c;
      l.update(this.mep.ccmFrame(this.firstSeq));
    }
  }

  private cancel(): void {
    this.ended = true;
    this.onRefused();
  }
}

/**
 * Ask `hook` to take the MEP's CCMs from k intervals on (called right after the MEP sent one: its
 * `seq` and `txAtNs` are those of the next). No-op before injRetryAtNs.
 */
export function handOver(m: InjectedMep, hook: CcmTxHook): void {
  const now = m.ctx.clock.nowNs();
  if (!m.transmitting || now < m.injRetryAtNs) return;
  const k = Math.max(1, Math.ceil(HANDOVER_MIN_NS / m.intervalNs));
  const firstSeq = (m.seq + k - 1) >>> 0;
  // the injector's first CCM at the engine's phase (its first is due at txAtNs + (k-1) intervals)
  const firstDelayNs = Math.max(0, m.txAtNs + (k - 1) * m.intervalNs - now);
  let injected: InjectedCcm | null = null;
  const started = hook.start(
    { key: m.key, port: m.cfg.port, towards: m.active, interval: m.cfg.interval, frame: m.ccmFrame(firstSeq), seqOffset: m.ccmSeqOffset, firstSeq, firstDelayNs },
    (resume) => injected?.lost(resume),
  );
  injected = new InjectedCcm(m, firstSeq, started, () => {
    if (m.inj === injected) m.inj = null;
    m.injRetryAtNs = m.ctx.clock.nowNs() + RETRY_INTERVALS * m.intervalNs;
  });
  m.inj = injected;
}
