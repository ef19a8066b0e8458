/**
 * The vendor C ABI calls of one open handle (AsicDevice, device.ts, adds open and the mock-only
 * calls): typed arguments in, plain objects out, and a non-OK status turned into an AsicError
 * (CfmError 'BACKEND' + status name + the call and its context).
 *
 * Each call the backends use is an operation generator (`gVoeAlloc` ...: calls.ts) with a
 * synchronous wrapper of the old name (`voeAlloc`): the backend runs the generators on libuv's
 * thread pool for a slow SDK and directly for a fast one; the conformance suite uses the wrappers.
 * Close, the capabilities and the event fd stay synchronous here: they run once, when the
 * Backend (constructed synchronously, capabilities() synchronous) is made and closed.
 */
import {
  EventT, MAX_FRAME, VoeEntryT, VoeStatusT,
  type AsicLib, type RawCaps, type RawCcConf, type RawCounters, type RawEvent, type RawFrameInfo,
  type RawHandle, type RawPolicerConf, type RawPolicerCounters, type RawVoeConf, type RawVoeStatus,
} from './abi.js';
import { ASIC_STATUS, AsicError } from './status.js';
import { CfmError } from '../../common/errors.js';
import { decodeEntries, decodeStatus, padPeers } from './decode.js';
import { copyCc, copyConf, freezeEntry, type VoeEntry } from './voe-entry.js';
import { VoeCache, type EntryChanges } from './voe-cache.js';
import { call, runSync, type CallGen } from './calls.js';

const EVENT_BATCH = 64;

export interface PuntedFrame {
  info: RawFrameInfo;
  frame: Uint8Array;
}

export class AsicDeviceBase {
  readonly lib: AsicLib;
  private handle: RawHandle | null;
  protected readonly rxBuf = new Uint8Array(MAX_FRAME);
  private readonly statusBuf = new Uint8Array(VoeStatusT.size);
  private readonly eventBuf = new Uint8Array(EventT.size * EVENT_BATCH);

  /**
   * Last full read-back of the VOE table with the configuration generation it belongs to, kept in
   * step with this handle's own successful writes (each moves the generation by exactly one). Any
   * other change (another handle or process, a failed call's side effects) shows as a generation
   * this handle did not expect, and the next voeSnapshot() reads everything back again.
   * Empty (not valid) when the library lacks the "generation" calls or nothing was read yet.
   */
  private readonly cache = new VoeCache();
  /** Full read-backs done (diagnostics, tests). */
  fullReads = 0;

  protected constructor(lib: AsicLib, handle: RawHandle) {
    this.lib = lib;
    this.handle = handle;
  }

  get isOpen(): boolean {
    return this.handle !== null;
  }

  /** The C handle (for callers declaring extra functions on the same library). */
  get rawHandle(): RawHandle {
    return this.h();
  }

  protected h(): RawHandle {
    if (this.handle === null) throw new CfmError('BACKEND', 'ASIC device is closed');
    return this.handle;
  }

  /** Throw an AsicError unless status is OK. */
  check(call: string, status: number, detail?: string): void {
    if (status !== ASIC_STATUS.OK) throw new AsicError(call, status, this.lib.strerror(status), detail);
  }

  /** Raw status of a call, for the conformance suite (no throw). */
  raw(fn: keyof Omit<AsicLib, 'path' | 'abiVersion' | 'strerror' | 'statusName' | 'mock' | 'open' | 'generation' | 'txSeq' | 'eventFd' | 'pm' | 'inject'>, ...args: unknown[]): number {
    return (this.lib[fn] as (...a: unknown[]) => number)(this.h(), ...args);
  }

  close(): void {
    if (this.handle === null) return;
    const h = this.handle;
    this.handle = null;
    this.check('cfm_asic_close', this.lib.close(h) as number);
  }

  caps(): RawCaps {
    const c = {} as RawCaps;
    this.check('cfm_asic_caps_get', this.lib.capsGet(this.h(), c) as number);
    return c;
  }

  counters(): RawCounters {
    return runSync(this.gCounters());
  }

  *gCounters(): CallGen<RawCounters> {
    const c = {} as RawCounters;
    this.check('cfm_asic_counters_get', yield call(this.lib.countersGet, this.h(), c));
    return c;
  }

  setPortFlags(port: number, flags: number): void {
    runSync(this.gSetPortFlags(port, flags));
  }

  *gSetPortFlags(port: number, flags: number): CallGen<void> {
    this.check('cfm_port_flags_set', yield call(this.lib.portFlagsSet, this.h(), port, flags), `port ${port}`);
    this.wrote();
  }

  portFlags(port: number): number {
    const out = [0];
    this.check('cfm_port_flags_get', this.lib.portFlagsGet(this.h(), port, out) as number, `port ${port}`);
    return out[0];
  }

  voeAlloc(conf: RawVoeConf): number {
    return runSync(this.gVoeAlloc(conf));
  }

  *gVoeAlloc(conf: RawVoeConf): CallGen<number> {
    const id = [0];
    this.check('cfm_voe_alloc', yield call(this.lib.voeAlloc, this.h(), conf, id), `key '${conf.key}'`);
    this.cachePut(id[0], () => ({ handle: id[0], conf: copyConf(conf), cc: null }));
    return id[0];
  }

  voeConfSet(voe: number, conf: RawVoeConf): void {
    runSync(this.gVoeConfSet(voe, conf));
  }

  *gVoeConfSet(voe: number, conf: RawVoeConf): CallGen<void> {
    this.check('cfm_voe_conf_set', yield call(this.lib.voeConfSet, this.h(), voe, conf), `voe ${voe}`);
    this.cachePut(voe, (e) => e && { ...e, conf: copyConf(conf) });
  }

  voeConfGet(voe: number): RawVoeConf {
    return runSync(this.gVoeConfGet(voe));
  }

  *gVoeConfGet(voe: number): CallGen<RawVoeConf> {
    const c = {} as RawVoeConf;
    this.check('cfm_voe_conf_get', yield call(this.lib.voeConfGet, this.h(), voe, c), `voe ${voe}`);
    return c;
  }

  voeFree(voe: number): void {
    runSync(this.gVoeFree(voe));
  }

  *gVoeFree(voe: number): CallGen<void> {
    this.check('cfm_voe_free', yield call(this.lib.voeFree, this.h(), voe), `voe ${voe}`);
    this.cachePut(voe, (e) => e && null);
  }

  voeList(): number[] {
    return runSync(this.gVoeList());
  }

  *gVoeList(): CallGen<number[]> {
    const count = [0];
    this.check('cfm_voe_list', yield call(this.lib.voeList, this.h(), null, 0, count));
    if (count[0] === 0) return [];
    const ids = new Uint32Array(count[0]);
    this.check('cfm_voe_list', yield call(this.lib.voeList, this.h(), ids, ids.length, count));
    return Array.from(ids.subarray(0, Math.min(ids.length, count[0])));
  }

  ccSet(voe: number, cc: RawCcConf): void {
    runSync(this.gCcSet(voe, cc));
  }

  *gCcSet(voe: number, cc: RawCcConf): CallGen<void> {
    const padded = padPeers(cc);
    this.check('cfm_voe_cc_set', yield call(this.lib.ccSet, this.h(), voe, padded), `voe ${voe}`);
    this.cachePut(voe, (e) => e && { ...e, cc: copyCc(padded) });
  }

  ccGet(voe: number): RawCcConf {
    return runSync(this.gCcGet(voe));
  }

  *gCcGet(voe: number): CallGen<RawCcConf> {
    const c = {} as RawCcConf;
    this.check('cfm_voe_cc_get', yield call(this.lib.ccGet, this.h(), voe, c), `voe ${voe}`);
    return c;
  }

  rdiSet(voe: number, rdi: boolean): void {
    runSync(this.gRdiSet(voe, rdi));
  }

  *gRdiSet(voe: number, rdi: boolean): CallGen<void> {
    this.check('cfm_voe_rdi_set', yield call(this.lib.rdiSet, this.h(), voe, rdi ? 1 : 0), `voe ${voe}`);
    this.cachePut(voe, (e) => e && (e.cc ? { ...e, cc: { ...copyCc(e.cc), rdi: rdi ? 1 : 0 } } : undefined));
  }

  /**
   * The shim's event notification fd (optional group "event_fd"), or null: no such call, or the
   * device says ENOTSUP (no interrupt: poll). Synchronous: asked once when a backend opens.
   */
  eventFd(): number | null {
    if (!this.lib.eventFd) return null;
    const out = [-1];
    const s = this.lib.eventFd(this.h(), out) as number;
    if (s === ASIC_STATUS.ENOTSUP) return null;
    this.check('cfm_event_fd', s);
    if (!Number.isInteger(out[0]) || out[0] < 0) throw new CfmError('BACKEND', `cfm_event_fd: ${this.lib.path} returned OK with fd ${out[0]}`);
    return out[0];
  }

  /** Whether the library has the optional "clock" group (cfm_asic_time_get). */
  get hasTimeGet(): boolean {
    return this.lib.timeGet !== null;
  }

  /** The device time now (optional group "clock"), on this thread; null: CFM_ENOTSUP. */
  timeGetNow(): number | null {
    return runSync(this.gTimeGet());
  }

  /** The device time now (optional group "clock"); null: CFM_ENOTSUP (no readable counter). */
  *gTimeGet(): CallGen<number | null> {
    if (!this.lib.timeGet) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_asic_time_get (optional "clock" group)`);
    const out = [0];
    const s = yield call(this.lib.timeGet, this.h(), out);
    if (s === ASIC_STATUS.ENOTSUP) return null;
    this.check('cfm_asic_time_get', s);
    return Number(out[0]);
  }

  /** Whether the library has the optional tx_seq calls. */
  get hasTxSeq(): boolean {
    return this.lib.txSeq !== null;
  }

  /** Sequence number of the next CCM the VOE sends (optional call). */
  txSeqSet(voe: number, seq: number): void {
    runSync(this.gTxSeqSet(voe, seq));
  }

  *gTxSeqSet(voe: number, seq: number): CallGen<void> {
    if (!this.lib.txSeq) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_voe_tx_seq_set`);
    this.check('cfm_voe_tx_seq_set', yield call(this.lib.txSeq.set, this.h(), voe, seq >>> 0), `voe ${voe}`);
    this.wrote();
  }

  txSeqGet(voe: number): number {
    return runSync(this.gTxSeqGet(voe));
  }

  *gTxSeqGet(voe: number): CallGen<number> {
    if (!this.lib.txSeq) throw new CfmError('UNSUPPORTED', `${this.lib.path} has no cfm_voe_tx_seq_get`);
    const out = [0];
    this.check('cfm_voe_tx_seq_get', yield call(this.lib.txSeq.get, this.h(), voe, out), `voe ${voe}`);
    return out[0] >>> 0;
  }

  /** Configuration generation (optional call), null when the library lacks it. */
  configGeneration(): bigint | null {
    return runSync(this.gConfigGeneration());
  }

  *gConfigGeneration(): CallGen<bigint | null> {
    if (!this.lib.generation) return null;
    const out: [bigint | number] = [0];
    this.check('cfm_asic_config_generation', yield call(this.lib.generation.get, this.h(), out));
    return BigInt(out[0]);
  }

  /**
   * Every VOE's configuration, read back from the device, ascending by handle. With the optional
   * generation calls this costs one call while nothing changed but this handle's own writes, and
   * one bulk cfm_voe_dump otherwise; without them, three calls per VOE.
   * Entries are frozen and shared: an entry object is replaced, never changed, when its VOE
   * changes, so callers may cache what they derive from it by identity.
   */
  voeSnapshot(): readonly VoeEntry[] {
    return runSync(this.gVoeSnapshot());
  }

  *gVoeSnapshot(): CallGen<readonly VoeEntry[]> {
    if (!this.lib.generation) return (yield* this.readEachVoe()).map(freezeEntry);
    if (this.cache.valid && (yield* this.gConfigGeneration()) === this.cache.gen) return this.cache.snapshot();
    const { entries, gen } = yield* this.dump();
    return this.cache.reset(gen, entries.map(freezeEntry));
  }

  /**
   * The VOEs changed since generation `since` (from an earlier answer): one generation read while
   * only this handle wrote since then (its own writes are journaled), else a full read-back
   * (`full`). Without the generation calls every answer is full (gen null).
   */
  voeChangesSince(since: bigint | null): EntryChanges {
    return runSync(this.gVoeChangesSince(since));
  }

  *gVoeChangesSince(since: bigint | null): CallGen<EntryChanges> {
    if (!this.lib.generation) return { gen: null, full: true, entries: yield* this.gVoeSnapshot() };
    if (since !== null && this.cache.canTell(since) && (yield* this.gConfigGeneration()) === this.cache.gen) {
      return this.cache.changesSince(since);
    }
    const entries = yield* this.gVoeSnapshot();
    return { gen: this.cache.valid ? this.cache.gen : null, full: true, entries };
  }

  /** Forget the cached read-back (the next voeSnapshot reads everything). */
  invalidate(): void {
    this.cache.clear();
  }

  private *readEachVoe(): CallGen<VoeEntry[]> {
    this.fullReads++;
    const out: VoeEntry[] = [];
    for (const handle of yield* this.gVoeList()) {
      const conf = yield* this.gVoeConfGet(handle);
      let cc: RawCcConf | null = null;
      try {
        cc = yield* this.gCcGet(handle);
      } catch (e) {
        if (!(e instanceof AsicError && e.status === 'ENOENT')) throw e;
      }
      out.push({ handle, conf: copyConf(conf), cc: cc && copyCc(cc) });
    }
    return out;
  }

  private *dump(): CallGen<{ entries: VoeEntry[]; gen: bigint }> {
    const g = this.lib.generation!;
    this.fullReads++;
    for (let max = Math.max(16, this.cache.size); ; ) {
      const buf = new Uint8Array(max * VoeEntryT.size);
      const count = [0];
      const gen: [bigint | number] = [0];
      this.check('cfm_voe_dump', yield call(g.dump, this.h(), buf, max, count, gen));
      if (count[0] <= max) return { entries: decodeEntries(buf, count[0]), gen: BigInt(gen[0]) };
      max = count[0]; // the table grew: retry with room for all
    }
  }

  /** Count one own successful config write that changed no VOE (port flags, policers, tx seq, pm). */
  wrote(): void {
    this.cache.bump();
  }

  /** Count one own successful write to VOE `handle` in the cache (VoeCache.put). */
  private cachePut(handle: number, next: (old: VoeEntry | undefined) => VoeEntry | null | undefined): void {
    this.cache.put(handle, next, freezeEntry);
  }



  status(voe: number, clearSticky = true): RawVoeStatus {
    return runSync(this.gStatus(voe, clearSticky));
  }

  *gStatus(voe: number, clearSticky = true): CallGen<RawVoeStatus> {
    const buf = this.statusBuf;
    this.check('cfm_voe_status_get', yield call(this.lib.statusGetBytes, this.h(), voe, clearSticky ? 1 : 0, buf), `voe ${voe}`);
    return decodeStatus(buf);
  }

  /** Drain all pending events (in batches of EVENT_BATCH, decoded from bytes: polled after every call). */
  pollEvents(): RawEvent[] {
    return runSync(this.gPollEvents());
  }

  *gPollEvents(): CallGen<RawEvent[]> {
    const all: RawEvent[] = [];
    const buf = this.eventBuf;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const size = EventT.size;
    for (;;) {
      const count = [0];
      this.check('cfm_event_poll', yield call(this.lib.eventPollBytes, this.h(), buf, EVENT_BATCH, count));
      for (let i = 0; i < count[0]; i++) {
        const o = i * size;
        all.push({
          voe: dv.getUint32(o, true), kind: dv.getUint32(o + 4, true), peer_mep_id: dv.getUint32(o + 8, true),
          active: dv.getUint32(o + 12, true), value: dv.getUint32(o + 16, true), reserved: dv.getUint32(o + 20, true),
          time_ns: Number(dv.getBigUint64(o + 24, true)),
        });
      }
      if (count[0] < EVENT_BATCH) return all;
    }
  }

  /** The oldest punted frame, or null when the punt queue is empty. */
  frameRx(): PuntedFrame | null {
    return runSync(this.gFrameRx());
  }

  *gFrameRx(): CallGen<PuntedFrame | null> {
    const info = {} as RawFrameInfo;
    const s = yield call(this.lib.frameRx, this.h(), info, this.rxBuf, this.rxBuf.length);
    if (s === ASIC_STATUS.EAGAIN) return null;
    this.check('cfm_frame_rx', s);
    return { info, frame: this.rxBuf.slice(0, info.len) };
  }

  frameTx(port: number, frame: Uint8Array, towards: 'wire' | 'relay' = 'wire'): void {
    runSync(this.gFrameTx(port, frame, towards));
  }

  *gFrameTx(port: number, frame: Uint8Array, towards: 'wire' | 'relay' = 'wire'): CallGen<void> {
    this.check('cfm_frame_tx', yield call(this.lib.frameTx, this.h(), port, frame, frame.length, towards === 'relay' ? 1 : 0), `port ${port}`);
  }

  policerSet(id: number, conf: RawPolicerConf): void {
    runSync(this.gPolicerSet(id, conf));
  }

  *gPolicerSet(id: number, conf: RawPolicerConf): CallGen<void> {
    this.check('cfm_policer_set', yield call(this.lib.policerSet, this.h(), id, conf), `policer ${id}`);
    this.wrote();
  }

  policerGet(id: number): RawPolicerConf {
    const c = {} as RawPolicerConf;
    this.check('cfm_policer_get', this.lib.policerGet(this.h(), id, c) as number, `policer ${id}`);
    return c;
  }

  policerCounters(id: number, clear = false): RawPolicerCounters {
    return runSync(this.gPolicerCounters(id, clear));
  }

  *gPolicerCounters(id: number, clear = false): CallGen<RawPolicerCounters> {
    const c = {} as RawPolicerCounters;
    this.check('cfm_policer_counters_get', yield call(this.lib.policerCountersGet, this.h(), id, clear ? 1 : 0, c), `policer ${id}`);
    return c;
  }
}
