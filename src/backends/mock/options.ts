/**
 * Options of the mock ASIC and their translation into its open string
 * ("ports=8;port_voes=8;...", parsed by native/asic/mock_args.c). mockOptionsFromProfile makes
 * the mock look like a hardware profile (hw-profiles/*.json) so plans and tests run against the
 * limits of a real chip family.
 */
import type { IntervalCode } from '../../common/interval.js';
import { CfmError } from '../../common/errors.js';
import type { HwProfile } from '../../profiles/types.js';

export interface MockAsicOptions {
  /** Number of ports, or their names (index = ABI port number). Default 8 (swp1..swp8). */
  ports?: number | string[];
  portVoes?: number;          // default 8
  serviceVoes?: number;       // default 64
  txIntervals?: IntervalCode[]; // default [1, 2, 3, 4]
  rxIntervals?: IntervalCode[]; // default [1, 2, 3, 4]
  peersPerVoe?: number;       // default 1 (MESA)
  ccmTxMode?: 'hardware' | 'injected' | 'none';
  /** Injector budget, frames/s over all VOEs (ccmTxMode 'injected'); undefined = unlimited. */
  injectorBudgetFps?: number;
  policers?: number;          // default 8
  upMep?: boolean;            // default true
  vlanMep?: boolean;          // default true
  loopbackOffload?: boolean;  // default false
  linktraceOffload?: boolean; // default false
  /** VOEs timestamp DM frames / count LM frames (vendor C ABI group "pm"); default true. */
  pmDm?: boolean;
  pmLm?: boolean;
  puntQueue?: number;         // CPU punt queue length, default 256
  eventQueue?: number;        // default 1024
  description?: string;
  /** Same name in one process = the same ASIC (a second handle: in-process warm restart). */
  instance?: string;
  /** Load the VOE table from this file if it exists, write it back on close / save(). */
  statePath?: string;
  /** Device time follows CLOCK_MONOTONIC instead of virtual time. */
  realTime?: boolean;
  /**
   * Device time at open, seconds (default 0; a loaded state continues its own): a device clock
   * with another origin than the host's, as a vendor's timestamp counter has.
   */
  deviceTimeOriginS?: number;
  /** Path of the mock library (default: build/Release/libcfm_mock_asic.so). */
  libPath?: string;
  /* A real board's behaviour (issue 16, docs/mock-asic.md "Behaving like a board"): */
  /** Every vendor-ABI call takes this long (a slow SDK over PCIe/SPI), in microseconds. */
  latencyUs?: number;
  /** ... plus a uniform random 0..jitterUs. */
  jitterUs?: number;
  /** cfm_frame_rx / cfm_frame_tx take this long instead (default 0: CPU frames move by DMA). */
  frameLatencyUs?: number;
  /** Real time only: an interrupt thread runs due work and signals the event fd (vendor ABI group event_fd). */
  interrupt?: boolean;
  /** Each vendor-ABI call fails at random with failStatus ('EIO') at this rate per million. */
  failPpm?: number;
  failStatus?: 'EIO' | 'EBUSY' | 'ENOMEM' | 'ENOSPC' | 'EINVAL';
  /** Seed of the latency jitter and random failures (default 1: reproducible). */
  seed?: number;
  /**
   * Periodic frame injector (vendor ABI group "inject"): how many injections at once (true = 64).
   * Default none: software MEPs then send their CCMs from the engine's timers, as on a shim
   * without the group. Software MEPs hand their CCMs to it (docs/mock-asic.md "Frame injector").
   */
  injector?: boolean | number;
  /** Injector budget in frames/s over all injections (default: injectorBudgetFps in 'injected' mode, else unlimited). */
  injectFps?: number;
  /** The injector writes sequence numbers (default true); false = a device that cannot (the MEP sends 0). */
  injectSeq?: boolean;
  /** Where the binding runs the calls: default 'sync' for the fast mock, 'async' with latency, jitter or interrupt. */
  calls?: 'sync' | 'async';
}

/** Where the binding runs this mock's calls: a board with latency or an interrupt is treated as a slow SDK. */
export function mockCallMode(o: MockAsicOptions): 'sync' | 'async' {
  return o.calls ?? ((o.latencyUs ?? 0) > 0 || (o.jitterUs ?? 0) > 0 || o.interrupt === true ? 'async' : 'sync');
}

function list(codes: IntervalCode[]): string {
  return codes.join(',');
}

function checkValue(ok: boolean, what: string): void {
  if (!ok) throw new CfmError('BACKEND', `mock ASIC option ${what}`);
}

/** The open string for the mock library. */
export function mockOpenArgs(o: MockAsicOptions): string {
  const a: string[] = [];
  const ports = o.ports ?? 8;
  const n = typeof ports === 'number' ? ports : ports.length;
  checkValue(Number.isInteger(n) && n > 0, `ports must be a positive integer (is ${n})`);
  a.push(`ports=${n}`);
  const int = (k: string, v: number | undefined, name: string): void => {
    if (v === undefined) return;
    checkValue(Number.isInteger(v) && v >= 0, `${name} must be a non-negative integer (is ${v})`);
    a.push(`${k}=${v}`);
  };
  int('port_voes', o.portVoes, 'portVoes');
  int('service_voes', o.serviceVoes, 'serviceVoes');
  if (o.txIntervals) a.push(`tx_intervals=${list(o.txIntervals)}`);
  if (o.rxIntervals) a.push(`rx_intervals=${list(o.rxIntervals)}`);
  int('peers', o.peersPerVoe, 'peersPerVoe');
  if (o.ccmTxMode) a.push(`tx_mode=${o.ccmTxMode}`);
  int('budget_fps', o.injectorBudgetFps, 'injectorBudgetFps');
  int('policers', o.policers, 'policers');
  if (o.upMep !== undefined) a.push(`up_mep=${o.upMep ? 1 : 0}`);
  if (o.vlanMep !== undefined) a.push(`vlan_mep=${o.vlanMep ? 1 : 0}`);
  if (o.loopbackOffload !== undefined) a.push(`lb_offload=${o.loopbackOffload ? 1 : 0}`);
  if (o.linktraceOffload !== undefined) a.push(`lt_offload=${o.linktraceOffload ? 1 : 0}`);
  if (o.pmDm !== undefined) a.push(`pm_dm=${o.pmDm ? 1 : 0}`);
  if (o.pmLm !== undefined) a.push(`pm_lm=${o.pmLm ? 1 : 0}`);
  int('punt_queue', o.puntQueue, 'puntQueue');
  int('event_queue', o.eventQueue, 'eventQueue');
  for (const [k, v, name] of [['desc', o.description, 'description'], ['instance', o.instance, 'instance'], ['state', o.statePath, 'statePath']] as const) {
    if (v === undefined) continue;
    checkValue(!/[;=]/.test(v) && v.length > 0, `${name} '${v}' must be non-empty without ';' or '='`);
    a.push(`${k}=${v}`);
  }
  if (o.realTime) a.push('clock=real');
  int('time0_s', o.deviceTimeOriginS, 'deviceTimeOriginS');
  int('latency_us', o.latencyUs, 'latencyUs');
  int('jitter_us', o.jitterUs, 'jitterUs');
  int('frame_latency_us', o.frameLatencyUs, 'frameLatencyUs');
  if (o.interrupt !== undefined) a.push(`interrupt=${o.interrupt ? 1 : 0}`);
  int('fail_ppm', o.failPpm, 'failPpm');
  if (o.failStatus !== undefined) a.push(`fail_status=${o.failStatus}`);
  int('seed', o.seed, 'seed');
  if (o.injector !== undefined && o.injector !== false) int('inject', o.injector === true ? 64 : o.injector, 'injector');
  int('inject_fps', o.injectFps, 'injectFps');
  if (o.injectSeq !== undefined) a.push(`inject_seq=${o.injectSeq ? 1 : 0}`);
  return a.join(';');
}

/** Port names given in the options (undefined = default numbering). */
export function mockPortNames(o: MockAsicOptions): string[] | undefined {
  return Array.isArray(o.ports) ? o.ports.slice() : undefined;
}

/**
 * Mock options that reproduce a hardware profile's limits. Unknown (null) counts become 0 (the
 * planner must not rely on them either); "many" peers become the ABI maximum (32).
 */
export function mockOptionsFromProfile(p: HwProfile, extra: Partial<MockAsicOptions> = {}): MockAsicOptions {
  const ports: number | string[] = p.ports.length > 0 ? p.ports.slice() : (p.portCount ?? 8);
  let portVoes = p.voes.port ?? 0;
  let serviceVoes = p.voes.service ?? 0;
  if (p.voes.port === null && p.voes.service === null && p.voes.sharedTotal !== null) {
    // one shared table (Broadcom LMEP): the mock has two pools; give the ports one each
    const n = typeof ports === 'number' ? ports : ports.length;
    portVoes = Math.min(n, p.voes.sharedTotal);
    serviceVoes = p.voes.sharedTotal - portVoes;
  }
  if (portVoes + serviceVoes === 0) portVoes = 1; // the mock needs a table; the planner sees the profile's 0
  const txMode = p.ccmTx === 'hardware' || p.ccmTx === 'injected' ? p.ccmTx : 'none';
  const o: MockAsicOptions = {
    ports,
    portVoes,
    serviceVoes,
    txIntervals: p.txIntervals.slice(),
    rxIntervals: p.rxIntervals.slice(),
    peersPerVoe: Number.isFinite(p.peersPerVoe) ? Math.max(1, Math.min(32, p.peersPerVoe)) : 32,
    ccmTxMode: txMode,
    policers: p.policers?.count ?? 0,
    upMep: p.upMep,
    vlanMep: p.vlanMep,
    loopbackOffload: p.offload.loopback,
    linktraceOffload: p.offload.linktrace,
    pmDm: p.offload.dm,
    pmLm: p.offload.lm,
    description: `mock of ${p.family} (${p.name})`.replace(/[;=]/g, ' ').slice(0, 63),
  };
  if (txMode === 'injected' && p.injectorBudgetFps !== null) o.injectorBudgetFps = p.injectorBudgetFps;
  return { ...o, ...extra };
}
