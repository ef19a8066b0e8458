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
import { mkdirSync, readFileSync, renameSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CfmError } from '../common/errors.js';
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

/**
 * Kernel pseudo filesystems (statfs f_type, linux/magic.h): no state file can live there, and
 * Node 20's mkdirSync(..., { recursive: true }) spins at 100 % CPU under /proc (mkdir answers
 * ENOENT, Node retries the parent, which exists, and the child again, forever).
 */
const PSEUDO_FS = new Map<number, string>([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x64626720, 'debugfs'], [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'],
  [0x1cd1, 'devpts'], [0x62656570, 'configfs'], [0x6165676c, 'pstore'], [0xf97cff8c, 'selinuxfs'],
]);

/**
 * Makes the state directory `dir` exist: refused on a pseudo filesystem (checked at its nearest
 * existing ancestor, before any mkdir); missing components created one at a time (never the
 * recursive mkdir that spins); every failure a typed error naming the directory.
 */
function ensureStateDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(at) === at) throw new CfmError('USAGE', `state dir ${dir}: cannot check ${at} (${code ?? String(e)})`);
      missing.unshift(at);
      at = dirname(at);
      continue;
    }
    if (!isDir) throw new CfmError('USAGE', `state dir ${dir}: ${at} is not a directory`);
    break;
  }
  const fs = PSEUDO_FS.get(Number(statfsSync(at).type) >>> 0);
  if (fs) throw new CfmError('USAGE', `state dir ${dir}: ${at} is on the ${fs} pseudo filesystem, which holds no files; choose a directory such as /run or /tmp (--state-dir, CFM_STATE_DIR)`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new CfmError('USAGE', `state dir ${dir}: cannot create ${d} (${code ?? String(e)})`);
    }
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
