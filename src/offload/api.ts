/**
 * The library entry points a bring-up script or firmware integration uses (the `cfm` CLI is built
 * on the same calls): load a config, load a profile, open a backend, plan, apply, read status,
 * subscribe to fault events, close. See docs/api.md and examples/bringup.ts.
 */
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { RealClock, VirtualClock, type Clock } from '../common/clock.js';
import { MockAsicBackend } from '../backends/mock/backend.js';
import { UsageError } from '../common/errors.js';
import { SwitchChoiceError } from './switch-choice.js';
import { loadConfigOrThrow } from '../config/index.js';
import type { CfmModel } from '../config/model.js';
import type { Backend, BackendCapabilities } from '../backends/types.js';
import { openBackend as openAsicBackend } from '../backends/mock/open.js';
import type { MockAsicOptions } from '../backends/mock/options.js';
import { loadProfile } from '../profiles/index.js';
import type { HwProfile } from '../profiles/types.js';
import { OffloadManager, type ApplyCallOptions, type ApplyReport } from './manager.js';
import { modelSwitches, plan } from './planner.js';
import { hwResources } from './resources.js';
import type { ManagerStatus } from './status.js';
import type { Plan, PlanPolicy } from './types.js';
import type { FaultListener } from '../engine/events.js';
import type { LoopbackOptions, LoopbackResult } from '../engine/mep-lb.js';
import type { LinktraceOptions, LinktraceResult } from '../engine/mep-lt.js';
import type { ConfigChange } from './changes.js';
import { boardPortNames, mockPortNames } from './ports.js';
import type { DebugSink } from '../debug/decoder.js';

/** A config file path or an already loaded model. */
export type ConfigInput = string | CfmModel;

export function loadModel(config: ConfigInput): CfmModel {
  if (typeof config !== 'string') return config;
  const model = loadConfigOrThrow(config);
  // A board profile given as a relative path is relative to the config file (docs/config.md), as
  // the config's own validation resolved it: make it absolute so the model stands on its own.
  const base = dirname(resolvePath(config));
  const boards = new Set([model.board, ...model.switches.map((s) => s.board)]);
  for (const b of boards) {
    if (b?.profile && isProfilePath(b.profile) && !isAbsolute(b.profile)) b.profile = join(base, b.profile);
  }
  return model;
}

/** A profile reference that is a file path rather than a shipped profile name (as src/config reads it). */
function isProfilePath(ref: string): boolean {
  return ref.includes('/') || ref.endsWith('.json');
}

/** The switch to drive: the given one, else the config's only switch. */
export function pickSwitch(model: CfmModel, sw?: string): string {
  const all = modelSwitches(model);
  if (sw !== undefined) {
    if (all.length > 0 && !all.includes(sw)) throw new UsageError(`switch '${sw}' is not in the config (switches: ${all.join(', ')})`);
    return sw;
  }
  if (all.length > 1) throw new SwitchChoiceError(all);
  return all[0] ?? 'default';
}

/** A profile by name/path/object; default: the switch board's profile in the config, else mock-default. */
export function resolveProfile(profile: string | HwProfile | undefined, model?: CfmModel, sw?: string): HwProfile {
  if (typeof profile === 'object') return profile;
  if (profile) return loadProfile(profile);
  const ref = model?.switches.find((s) => s.name === sw)?.board ?? model?.board;
  return loadProfile(ref?.profile ?? 'mock-default');
}

export interface PlanConfigOptions {
  switch?: string;
  policy?: Partial<PlanPolicy>;
  /** Backend capabilities at run time (stricter than the profile); omit to plan on the profile alone. */
  capabilities?: BackendCapabilities;
}

/** Plan a config for one switch (pure: no backend is touched). */
export function planConfig(config: ConfigInput, profile: string | HwProfile | undefined, o: PlanConfigOptions = {}): Plan {
  const model = loadModel(config);
  const sw = pickSwitch(model, o.switch);
  return plan(model, hwResources(resolveProfile(profile, model, sw), o.capabilities), { switch: sw, policy: o.policy });
}

export interface OpenBackendOptions {
  profile?: HwProfile;
  /** Mock: persist the ASIC state (VOE table) in this file. */
  statePath?: string;
  /** Mock: device time follows the monotonic clock (a long-running manager); default false. */
  realTime?: boolean;
  /** Mock: extra options (instance name for in-process sharing, ...). */
  mock?: MockAsicOptions;
  /** Vendor shim open string. */
  vendorArgs?: string;
  /** Port names, index = ABI port number (openSwitch: the board's, see ports.ts). */
  portNames?: string[];
}

/** 'mock' or 'vendor:/path/libshim.so'. */
export function openBackend(spec: string, o: OpenBackendOptions = {}): Backend {
  if (spec === 'mock') {
    const ports = o.portNames ? { ports: o.portNames } : {};
    return openAsicBackend('mock', { profile: o.profile, statePath: o.statePath, mock: { ...ports, ...(o.realTime ? { realTime: true } : {}), ...o.mock } });
  }
  return openAsicBackend(spec, { args: o.vendorArgs ?? '', ...(o.portNames ? { portNames: o.portNames } : {}) });
}

export interface OpenSwitchOptions {
  config: ConfigInput;
  /** Profile name, path or object (default: the board's profile in the config, else mock-default). */
  profile?: string | HwProfile;
  /** A backend spec ('mock', 'vendor:PATH') or an open Backend (default 'mock'). */
  backend?: string | Backend;
  switch?: string;
  statePath?: string;
  vendorArgs?: string;
  clock?: Clock;
  policy?: Partial<PlanPolicy>;
  /** State dir shared with `cfm debug tag` (tags re-read while running); default none. */
  opsStateDir?: string | null;
  /** Where debug decodes of tagged MPs go besides `status().ops.recentDebug` (docs/debug.md). */
  debugSink?: DebugSink;
}

/** One switch driven by an offload manager. */
export interface CfmSwitch {
  readonly name: string;
  readonly model: CfmModel;
  readonly profile: HwProfile;
  readonly backend: Backend;
  readonly manager: OffloadManager;
  plan(): Plan;
  apply(o?: ApplyCallOptions): Promise<ApplyReport>;
  /** Change MEPs or MAs of the applied config (docs/api.md "Changes"); `model` follows. */
  change(c: ConfigChange, o?: ApplyCallOptions): Promise<ApplyReport>;
  /** Loopback from a MEP (hardware or software); resolves when the session ends. */
  loopback(mep: string, o: LoopbackOptions): Promise<LoopbackResult>;
  /** Linktrace from a MEP; resolves with the LTRs after the collection time. */
  linktrace(mep: string, o: LinktraceOptions): Promise<LinktraceResult>;
  /** Y.1731 on-demand tests (dm, lm, slm, tst) and receive-side results (docs/y1731.md). */
  readonly y1731: OffloadManager['y1731'];
  status(): Promise<ManagerStatus>;
  onFault(fn: FaultListener): () => void;
  /** Stop the manager (hardware MEPs stay unless clearHardware) and close the backend we opened. */
  close(o?: { clearHardware?: boolean }): Promise<void>;
}

/** Attach `clock` to a device-time mock; returns the detach function (null: nothing to attach). */
function followClock(backend: MockAsicBackend, clock: Clock): (() => void) | null {
  const cur = backend.attachedClock;
  if (cur === clock) return null;
  if (cur !== null) throw new UsageError('openSwitch: the mock ASIC already follows another clock than options.clock: pass the same clock');
  if (backend.options.realTime) {
    if (clock instanceof VirtualClock) throw new UsageError('openSwitch: a real-time mock ASIC (realTime: true) cannot follow the VirtualClock in options.clock');
    return null;
  }
  return backend.attachVirtualClock(clock);
}

export function openSwitch(o: OpenSwitchOptions): CfmSwitch {
  const model = loadModel(o.config);
  const name = pickSwitch(model, o.switch);
  const profile = resolveProfile(o.profile, model, name);
  const ownBackend = typeof o.backend !== 'object';
  const clock = o.clock ?? new RealClock();
  const backend =
    typeof o.backend === 'object'
      ? o.backend
      : openBackend(o.backend ?? 'mock', {
          profile, statePath: o.statePath, vendorArgs: o.vendorArgs, realTime: clock instanceof RealClock,
          // the names the config was checked against, so a plan that passes applies (ports.ts)
          portNames: (o.backend ?? 'mock') === 'mock' ? mockPortNames(model, name, profile) : boardPortNames(model, name, profile),
        });
  // A mock ASIC on device time follows the manager's clock (tests, simulations), whether we opened
  // it or it was passed in: without that its VOEs stand still (0 CCMs).
  let detachClock: (() => void) | null = null;
  if (backend instanceof MockAsicBackend) {
    try {
      detachClock = followClock(backend, clock);
    } catch (e) {
      if (ownBackend) void backend.close();
      throw e;
    }
  }
  const manager = new OffloadManager({ backend, profile, clock, switch: name, policy: o.policy, opsStateDir: o.opsStateDir, debugSink: o.debugSink });
  const current = () => manager.currentModel ?? model;
  return {
    name, profile, backend, manager,
    get model() {
      return current();
    },
    plan: () => manager.plan(current()),
    apply: (a) => manager.apply(current(), a),
    change: (c, a) => manager.change(c, a),
    loopback: (mep, lo) => manager.loopback(mep, lo),
    linktrace: (mep, lo) => manager.linktrace(mep, lo),
    y1731: manager.y1731,
    status: () => manager.status(),
    onFault: (fn) => manager.onFault(fn),
    close: async (c) => {
      await manager.close(c);
      detachClock?.();
      if (ownBackend) await backend.close();
    },
  };
}
