/**
 * On-demand OAM that an operator starts from a MEP of the manager: loopback (802.1Q 20.29-20.31)
 * and linktrace (20.36-20.46). Both run in the engine (a hardware MEP's engine part, or the
 * software MEP); a hardware MEP's remote MEP MAC comes from its VOE's CCM database, read back.
 * The Y.1731 service asks the same two questions (which engine MEP, which peer MAC).
 *
 * Kept apart from the manager: it needs only read access to the MEP tables, never the apply.
 */
import type { Backend } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import { CfmError } from '../common/errors.js';
import type { LocalMep } from '../config/model.js';
import type { CfmEngine } from '../engine/engine.js';
import type { Mep } from '../engine/mep.js';
import { ensureLb, type LoopbackOptions, type LoopbackResult } from '../engine/mep-lb.js';
import { ensureLt, type LinktraceOptions, type LinktraceResult } from '../engine/mep-lt.js';
import type { HwMep } from './hw-mep.js';
import { watchVirtualClock } from './virtual-wait.js';

export interface OamInitiatorOptions {
  backend: Backend;
  engine: CfmEngine;
  /** The manager's base clock (a virtual one is watched for stalls: virtual-wait.ts). */
  clock: Clock;
  hw: ReadonlyMap<string, HwMep>;
  sw: ReadonlyMap<string, LocalMep>;
  /** The manager's serial chain: a status read never interleaves with an apply. */
  serial: <T>(fn: () => Promise<T>) => Promise<T>;
  closed: () => boolean;
}

export class OamInitiator {
  constructor(private readonly o: OamInitiatorOptions) {}

  async loopback(key: string, o: LoopbackOptions): Promise<LoopbackResult> {
    const opts = { ...o };
    const m = this.mep(key);
    if (opts.targetMepId !== undefined && opts.target === undefined && !opts.multicast) opts.target = await this.peerMac(key, opts.targetMepId);
    const s = ensureLb(m).start(opts);
    return watchVirtualClock(this.o.clock, new Promise((resolve) => s.onDone(resolve)), `loopback from ${key}`);
  }

  async linktrace(key: string, o: LinktraceOptions): Promise<LinktraceResult> {
    const opts = { ...o };
    const m = this.mep(key);
    if (opts.targetMepId !== undefined && opts.targetMac === undefined) opts.targetMac = await this.peerMac(key, opts.targetMepId);
    const s = ensureLt(m).start(opts);
    return watchVirtualClock(this.o.clock, new Promise((resolve) => s.onDone(resolve)), `linktrace from ${key}`);
  }

  /** The engine MEP that initiates LBM/LTM for `key`, or a USAGE error naming why there is none. */
  mep(key: string): Mep {
    if (this.o.closed()) throw new CfmError('USAGE', 'the manager is closed');
    const m = this.o.engine.findMep(key);
    if (m) return m;
    const { hw, sw } = this.o;
    if (hw.has(key) || sw.has(key)) throw new CfmError('USAGE', `MEP ${key} is not enabled`);
    throw new CfmError('USAGE', `no MEP ${key} on this switch (MEPs: ${[...hw.keys(), ...sw.keys()].sort().join(', ') || 'none'})`);
  }

  /**
   * A hardware MEP's remote MEP MAC, from the VOE's CCM database (read back); undefined for
   * software MEPs (the engine resolves the id from its own database).
   */
  async peerMac(key: string, mepId: number): Promise<string | undefined> {
    const h = this.o.hw.get(key);
    if (!h) return undefined;
    const st = await this.o.serial(() => this.o.backend.readStatus(h.handle));
    h.syncStatus(st);
    const mac = st.peers.find((p) => p.mepId === mepId)?.mac ?? null;
    if (mac === null) throw new CfmError('USAGE', `MEP ${key}: remote MEP ${mepId} has no MAC in the VOE's CCM database (no CCM received yet)`);
    return mac;
  }
}
