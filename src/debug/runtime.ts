/**
 * Operator features of a running process in one object: CPU protection in place on the backend
 * (src/cpu-protection/setup.ts), the debug decoder fed by the config's debug-tags plus the tags
 * the CLI persisted, and the FramePort wrapper for the engine. Every `refreshMs` it reloads the
 * persisted tags when the file changed and writes its statistics for `cfm debug dump` and
 * `cfm cpu-protection counters`.
 *
 *   const ops = await startOps(model, backend, { log: (e) => console.log(e.text) });
 *   const engine = new CfmEngine({ clock, port: ops.wrap(backend.frames) });
 */
import type { Backend } from '../backends/types.js';
import type { Clock } from '../common/clock.js';
import type { FramePort } from '../common/frame-port.js';
import type { CfmModel, DebugTag } from '../config/model.js';
import { planProtection, startProtection, type PlannedProtection, type ProtectionOptions, type ProtectionRuntime } from '../cpu-protection/setup.js';
import { DebugDecoder, type DebugSink } from './decoder.js';
import { readTags, stateDir, tagKey, tagsVersion, writeStats } from './state.js';
import { resolveTags, type ResolvedTag } from './tags.js';
import { wrapFramePort, type TappedFramePort } from './tap.js';

export interface OpsOptions extends ProtectionOptions {
  log: DebugSink;
  rxLimit?: number;
  txLimit?: number;
  /** State dir for persisted tags and statistics; null = do not use files. */
  stateDir?: string | null;
  refreshMs?: number;
  clock?: Clock;
  /** CPU protection planned (and its hardware policers written) by the caller (the offload manager). */
  protection?: PlannedProtection;
  hardwareProgrammed?: boolean;
}

export interface OpsRuntime {
  protection: ProtectionRuntime;
  debug: DebugDecoder;
  wrap(frames: FramePort): TappedFramePort;
  /** Reload persisted tags (if changed) and write statistics now. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Config tags plus persisted tags (a persisted tag for the same MP overrides its direction). */
export function mergeTags(config: DebugTag[], persisted: DebugTag[]): DebugTag[] {
  const m = new Map(config.map((t) => [tagKey(t), t]));
  for (const t of persisted) m.set(tagKey(t), t);
  return [...m.values()];
}

export async function startOps(model: CfmModel, backend: Backend, o: OpsOptions): Promise<OpsRuntime> {
  const dir = o.stateDir === null ? null : o.stateDir ?? stateDir();
  const protection = await startProtection(o.protection ?? planProtection(model, backend, o), backend, o);
  const resolve = (): ResolvedTag[] => {
    const persisted = dir ? readTags(dir) : [];
    // A persisted tag for an MP this config lacks is ignored here (it may be another switch's).
    const all = mergeTags(model.debugTags, persisted);
    const ok: DebugTag[] = [];
    for (const t of all) {
      try {
        resolveTags(model, [t]);
        ok.push(t);
      } catch {
        /* not an MP of this config */
      }
    }
    return resolveTags(model, ok, o.switch);
  };
  const debug = new DebugDecoder({ tags: resolve(), rxLimit: o.rxLimit, txLimit: o.txLimit, sink: o.log });
  let version = dir ? tagsVersion(dir) : 0;
  const refresh = async (): Promise<void> => {
    if (!dir) return;
    const v = tagsVersion(dir);
    if (v !== version) {
      version = v;
      debug.setTags(resolve());
    }
    writeStats({ atIso: new Date().toISOString(), pid: process.pid, debug: debug.stats(), cpuProtection: await protection.counters() }, dir);
  };
  const timer = dir ? setInterval(() => void refresh().catch(() => undefined), o.refreshMs ?? 1000) : null;
  timer?.unref();
  return {
    protection,
    debug,
    wrap: (frames) => wrapFramePort(frames, { squelch: protection.squelch, cpuProtection: protection.engine, debug, clock: o.clock }),
    refresh,
    async close() {
      if (timer) clearInterval(timer);
      await refresh().catch(() => undefined);
      protection.close();
    },
  };
}
