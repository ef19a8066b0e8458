/**
 * The optional "inject" group of the vendor C ABI (cfm_asic.h: cfm_inject_*): periodic frame
 * injection by the device, exposed as Backend.injector (src/backends/injector.ts).
 *
 * Starts, updates and stops are transmissions: they run as urgent jobs on the handle's queue
 * (ahead of queued configuration, never inside an operation: calls.ts), so a software MEP that
 * hands over or takes back its CCMs waits for one operation at most, not for an apply. Counter
 * reads are status reads (normal jobs). The capabilities are read once, when the backend opens.
 */
import type { IntervalCode } from '../../common/interval.js';
import { CfmError } from '../../common/errors.js';
import type { FrameInjector, InjectionCounters, InjectionSpec, InjectorCaps } from '../injector.js';
import type { RawInjectCaps, RawInjectConf, RawInjectCounters } from './abi.js';
import { call, type CallGen } from './calls.js';
import type { AsicDeviceBase } from './device-base.js';
import { ASIC_STATUS, asicStatusName } from './status.js';
import type { PortMap } from './convert.js';

export const INJECT_NO_SEQ = 0xffffffff;
export const INJECT_CAP_SEQ = 0x01;
export const INJECT_CAP_RELAY = 0x02;
/** cfm_event_t.kind of CFM_EVENT_INJECT_STOPPED (value = the injection id). */
export const EVENT_INJECT_STOPPED = 10;

type Group = NonNullable<AsicDeviceBase['lib']['inject']>;

function group(dev: AsicDeviceBase): Group {
  if (!dev.lib.inject) throw new CfmError('UNSUPPORTED', `${dev.lib.path} has no cfm_inject_* calls (optional "inject" group)`);
  return dev.lib.inject;
}

/** The device's injector, or null: no group, or cfm_inject_caps_get says ENOTSUP. Synchronous (at open). */
export function injectCaps(dev: AsicDeviceBase): RawInjectCaps | null {
  if (!dev.lib.inject) return null;
  const c = {} as RawInjectCaps;
  const s = dev.lib.inject.caps(dev.rawHandle, c) as number;
  if (s === ASIC_STATUS.ENOTSUP) return null;
  dev.check('cfm_inject_caps_get', s);
  return c;
}

export function* gInjectStart(dev: AsicDeviceBase, conf: RawInjectConf, frame: Uint8Array): CallGen<number> {
  const id = [0];
  dev.check('cfm_inject_start', yield call(group(dev).start, dev.rawHandle, conf, frame, frame.length, id), `port ${conf.port}`);
  if (id[0] === 0) throw new CfmError('BACKEND', `cfm_inject_start: ${dev.lib.path} returned OK with injection id 0`);
  return id[0];
}

export function* gInjectUpdate(dev: AsicDeviceBase, id: number, frame: Uint8Array): CallGen<void> {
  dev.check('cfm_inject_update', yield call(group(dev).update, dev.rawHandle, id, frame, frame.length), `injection ${id}`);
}

export function* gInjectStop(dev: AsicDeviceBase, id: number): CallGen<RawInjectCounters> {
  const c = {} as RawInjectCounters;
  dev.check('cfm_inject_stop', yield call(group(dev).stop, dev.rawHandle, id, c), `injection ${id}`);
  return c;
}

export function* gInjectCounters(dev: AsicDeviceBase, id: number): CallGen<RawInjectCounters> {
  const c = {} as RawInjectCounters;
  dev.check('cfm_inject_counters_get', yield call(group(dev).counters, dev.rawHandle, id, c), `injection ${id}`);
  return c;
}

export function countersOf(c: RawInjectCounters): InjectionCounters {
  return {
    frames: Number(c.frames), lastTxNs: Number(c.last_tx_ns), nextTxNs: Number(c.next_tx_ns), nowNs: Number(c.now_ns),
    nextSeq: c.next_seq >>> 0, running: c.running === 1, error: c.error === 0 ? null : asicStatusName(c.error),
  };
}

function intervalsOf(mask: number): IntervalCode[] {
  const out: IntervalCode[] = [];
  for (let c = 1; c <= 7; c++) if (mask & (1 << c)) out.push(c as IntervalCode);
  return out;
}

/** How the backend runs an operation (AsicBackend.exec: here or on the thread pool, urgent or not). */
export type Exec = <T>(op: () => CallGen<T>, urgent: boolean) => Promise<T>;

/**
 * Backend.injector for a device: undefined without the group or when cfm_inject_caps_get says
 * ENOTSUP; a failed caps read goes to onFailure (software MEPs then send their CCMs themselves).
 */
export function openInjector(dev: AsicDeviceBase, ports: PortMap, exec: Exec, onFailure: (what: string, e: unknown) => void): AsicInjector | undefined {
  try {
    const raw = injectCaps(dev);
    return raw ? new AsicInjector(dev, raw, ports, exec) : undefined;
  } catch (e) {
    onFailure('cfm_inject_caps_get (software MEPs send their CCMs themselves)', e);
    return undefined;
  }
}

/** Backend.injector of an AsicBackend whose device has an injector. */
export class AsicInjector implements FrameInjector {
  private readonly listeners = new Set<(id: number) => void>();
  private readonly c: InjectorCaps;

  constructor(private readonly dev: AsicDeviceBase, raw: RawInjectCaps, private readonly ports: PortMap, private readonly exec: Exec) {
    this.c = {
      maxInjections: raw.max_injections, intervals: intervalsOf(raw.intervals), budgetFps: raw.budget_fps > 0 ? raw.budget_fps : null,
      seq: (raw.flags & INJECT_CAP_SEQ) !== 0, relay: (raw.flags & INJECT_CAP_RELAY) !== 0, maxLen: raw.max_len,
    };
  }

  caps(): InjectorCaps {
    return { ...this.c, intervals: this.c.intervals.slice() };
  }

  start(spec: InjectionSpec): Promise<number> {
    const conf: RawInjectConf = {
      port: this.ports.toIndex(spec.port, 'injector.start'), towards: spec.towards === 'relay' ? 1 : 0, interval: spec.interval,
      seq_offset: spec.seqOffset ?? INJECT_NO_SEQ, first_seq: spec.firstSeq >>> 0, reserved: 0,
      first_delay_ns: Math.max(0, Math.round(spec.firstDelayNs)),
    };
    const frame = spec.frame.slice(); // the caller may reuse its buffer before the pool call runs
    return this.exec(() => gInjectStart(this.dev, conf, frame), true);
  }

  update(id: number, frame: Uint8Array): Promise<void> {
    const f = frame.slice();
    return this.exec(() => gInjectUpdate(this.dev, id, f), true);
  }

  async stop(id: number): Promise<InjectionCounters> {
    return countersOf(await this.exec(() => gInjectStop(this.dev, id), true));
  }

  async counters(id: number): Promise<InjectionCounters> {
    return countersOf(await this.exec(() => gInjectCounters(this.dev, id), false));
  }

  onStopped(listener: (id: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A drain found CFM_EVENT_INJECT_STOPPED: tell the listeners after the drain (not inside it). */
  stopped(id: number): void {
    queueMicrotask(() => {
      for (const l of [...this.listeners]) l(id);
    });
  }
}
