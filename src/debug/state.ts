/**
 * The small state files that connect `cfm debug ...` / `cfm cpu-protection counters` to a
 * running process: the manager's control socket has no debug or CPU-protection commands, so
 * the CLI persists debug tags to a file the running process re-reads, and the running process
 * writes its queue and counter statistics to a file the CLI reads.
 *
 *   <state dir>/debug-tags.json  {"tags": DebugTag[]}            written by the CLI
 *   <state dir>/ops-stats.json   {"atIso", "pid", "debug", "cpuProtection"}  written by the process
 *
 * State dir: $CFM_STATE_DIR, else $XDG_RUNTIME_DIR/cfm-offload, else /tmp/cfm-offload-<uid>.
 */
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfmError } from '../common/errors.js';
import { ensureStateDir } from '../common/state-dir.js';
import type { DebugDirection, DebugTag } from '../config/model.js';
import type { CounterSnapshot } from '../cpu-protection/types.js';
import type { DecoderStats } from './decoder.js';

export const TAGS_FILE = 'debug-tags.json';
export const STATS_FILE = 'ops-stats.json';

export function stateDir(): string {
  if (process.env.CFM_STATE_DIR) return process.env.CFM_STATE_DIR;
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'cfm-offload');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return `/tmp/cfm-offload-${uid}`;
}

function writeAtomic(path: string, data: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(data, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    throw new CfmError('USAGE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CfmError('USAGE', `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CfmError('USAGE', `${path} is not JSON; remove it or fix it`);
  }
}

const DIRECTIONS: readonly DebugDirection[] = ['both', 'rx', 'tx'];

function checkTag(t: unknown, where: string): DebugTag {
  const o = t as Record<string, unknown>;
  const bad = (why: string) => new CfmError('USAGE', `${where}: ${why}`);
  if (!o || typeof o !== 'object') throw bad('a tag is an object');
  if (!DIRECTIONS.includes(o.direction as DebugDirection)) throw bad(`direction must be both, rx or tx`);
  if (o.kind === 'mep') {
    if (typeof o.domainId !== 'string' || typeof o.associationId !== 'string' || !Number.isInteger(o.mepId)) throw bad('a MEP tag has domainId, associationId and mepId');
    return { kind: 'mep', domainId: o.domainId, associationId: o.associationId, mepId: o.mepId as number, mepKey: `${o.domainId}/${o.associationId}/${o.mepId}`, direction: o.direction as DebugDirection };
  }
  if (o.kind === 'mip') {
    if (typeof o.switch !== 'string' || typeof o.port !== 'string' || !Number.isInteger(o.vlan) || !Number.isInteger(o.level)) throw bad('a MIP tag has switch, port, vlan and level');
    return { kind: 'mip', switch: o.switch, port: o.port, vlan: o.vlan as number, level: o.level as number, mipKey: `${o.switch}/${o.port}/${o.vlan}/${o.level}`, direction: o.direction as DebugDirection };
  }
  throw bad(`kind must be mep or mip`);
}

export function readTags(dir = stateDir()): DebugTag[] {
  const path = join(dir, TAGS_FILE);
  const j = readJson(path) as { tags?: unknown } | undefined;
  if (j === undefined) return [];
  if (!Array.isArray(j.tags)) throw new CfmError('USAGE', `${path}: "tags" must be a list`);
  return j.tags.map((t, i) => checkTag(t, `${path} tags[${i}]`));
}

export function writeTags(tags: DebugTag[], dir = stateDir()): void {
  ensureStateDir(dir);
  writeAtomic(join(dir, TAGS_FILE), { tags });
}

/** Identity of a tag (direction aside). */
export function tagKey(t: DebugTag): string {
  return t.kind === 'mep' ? `mep ${t.mepKey}` : `mip ${t.mipKey}`;
}

/** Modification time of the tags file (0 when absent): the running process reloads on change. */
export function tagsVersion(dir = stateDir()): number {
  try {
    return statSync(join(dir, TAGS_FILE)).mtimeMs;
  } catch {
    return 0;
  }
}

export interface OpsStats {
  atIso: string;
  pid: number;
  debug: DecoderStats | null;
  cpuProtection: CounterSnapshot[];
}

export function writeStats(s: OpsStats, dir = stateDir()): void {
  ensureStateDir(dir);
  writeAtomic(join(dir, STATS_FILE), s);
}

export function readStats(dir = stateDir()): OpsStats | undefined {
  return readJson(join(dir, STATS_FILE)) as OpsStats | undefined;
}
