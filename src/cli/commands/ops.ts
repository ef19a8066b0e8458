/**
 * Operator features (issue 7):
 *   cfm cpu-protection show CONFIG [--switch S] [--profile P] [--policers N] [--native] [--json]
 *        policies, entries, expanded combinations, bindings and where each is enforced
 *   cfm cpu-protection counters [--socket P | --state-dir D] [--json]
 *        per entry / combination / peer pass+drop counters of the running manager (its control
 *        socket's "ops" request; the state dir's ops-stats.json with --state-dir)
 *   cfm debug tag mep <id> domain <md> association <ma> [direction rx|tx|both] [--config F]
 *   cfm debug tag mip <interface> level <l> [vlan <v>] [switch <s>] [direction ...] [--config F]
 *   cfm debug untag <same words>          cfm debug show          cfm debug dump [--json]
 *        tags persist in a state file a running process re-reads (src/debug/state.ts)
 */
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { loadConfigOrThrow } from '../../config/index.js';
import type { CfmModel } from '../../config/model.js';
import { compileProtection } from '../../cpu-protection/compile.js';
import { planEnforcement } from '../../cpu-protection/hardware.js';
import { formatBindings, formatCounters, formatPolicies } from '../../cpu-protection/show.js';
import { summarize } from '../../cpu-protection/summary.js';
import { readStats, readTags, stateDir, tagKey, writeTags, type OpsStats } from '../../debug/state.js';
import { controlRequest, defaultSocketPath } from '../../offload/control.js';
import { parseTagWords } from '../../debug/tag-words.js';
import { configFileArg } from './args.js';
import { describeTag, resolveTags } from '../../debug/tags.js';
import { loadProfile } from '../../profiles/index.js';

/** The config of --config / `cpu-protection show`: one error line, as cfm plan and apply give it. */
function model(file: string): CfmModel {
  return loadConfigOrThrow(configFileArg(file));
}

function count(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a non-negative integer, not '${v}'`);
  return Number(v);
}

interface ShowOpts { switch?: string; profile?: string; policers?: string; native?: boolean; json?: boolean }

function show(file: string, o: ShowOpts): void {
  const m = model(file);
  const sw = o.switch ?? (m.switches.length === 1 ? m.switches[0].name : undefined);
  const compiled = compileProtection(m, sw);
  const profileName = o.profile ?? m.switches.find((s) => s.name === sw)?.board?.profile ?? m.board?.profile;
  const profile = profileName ? loadProfile(profileName) : null;
  const policers = o.policers !== undefined ? count(o.policers, '--policers') : profile?.policers?.count ?? 0;
  const plan = planEnforcement(compiled, { policers, maxRatePps: profile?.policers?.maxRatePps ?? undefined, native: o.native === true });
  if (o.json) {
    process.stdout.write(JSON.stringify({ switch: sw ?? null, profile: profileName ?? null, policies: m.cpuProtection.policies, bindings: compiled.bindings, enforcement: plan }, null, 2) + '\n');
    return;
  }
  const lines = [
    `CPU protection${sw ? ` of switch ${sw}` : ''}: ${m.cpuProtection.policies.length} polic${m.cpuProtection.policies.length === 1 ? 'y' : 'ies'}, ${compiled.bindings.length} binding(s); ${policers} hardware policer(s)${profileName ? ` (profile ${profileName})` : ''}, software path ${o.native ? 'native' : 'TypeScript'}`,
    ...formatPolicies(m.cpuProtection.policies),
    ...formatBindings(compiled, plan),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

interface StatsOpts { socket?: string; stateDir?: string }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Counters and decoder statistics of the running manager: through its control socket (any kind
 * of manager: cfm apply --follow, cfm run), else from the state dir's ops-stats.json (given
 * with --state-dir, or when no manager answers on the socket).
 */
async function stats(o: StatsOpts): Promise<OpsStats> {
  if (o.stateDir === undefined) {
    const path = o.socket ?? defaultSocketPath();
    try {
      const r = (await controlRequest(path, 'ops')) as OpsStats | null;
      if (r === null) throw new CfmError('UNSUPPORTED', `the manager on ${path} runs no operator features`);
      return r;
    } catch (e) {
      if (!(e instanceof CfmError && e.message.startsWith('no manager is running'))) throw e;
      const s = readStats(stateDir());
      if (!s) throw new CfmError('UNSUPPORTED', `no manager is running on ${path} and no statistics in ${stateDir()}; start one with 'cfm apply --follow' or 'cfm run'`);
      if (!alive(s.pid)) throw new CfmError('UNSUPPORTED', `no manager is running on ${path} (the statistics in ${stateDir()} are of pid ${s.pid}, which has exited)`);
      return s;
    }
  }
  const s = readStats(o.stateDir);
  if (!s) throw new CfmError('UNSUPPORTED', `no statistics in ${o.stateDir}: is a process with operator features running (it writes ${o.stateDir}/ops-stats.json)?`);
  return s;
}

/** The options of the two commands that read a manager's statistics (stats() above). */
const statsOpts = (c: Command) => c
  .option('--socket <path>', 'control socket of the running manager')
  .option('--state-dir <dir>', 'read the statistics file of this state directory instead of the socket')
  .option('--json', 'JSON output');

export function register(program: Command): void {
  const cp = program.command('cpu-protection').description('CPU protection for ETH-CFM (policies, bindings, counters)');
  cp.command('show')
    .description('policies, entries, expanded combinations, bindings and where each is enforced')
    .argument('<config>', 'config file')
    .option('--switch <name>', 'switch of a multi-switch config')
    .option('--profile <name>', 'hardware profile (default: the board\'s)')
    .option('--policers <n>', 'backend policers available (default: the profile\'s count)')
    .option('--native', 'software enforcement runs in the native AF_PACKET policer')
    .option('--json', 'JSON output')
    .action((file: string, o: ShowOpts) => show(file, o));
  statsOpts(cp.command('counters')
    .description('pass/drop counters per entry, combination and peer of the running manager'))
    .action(async (o: StatsOpts & { json?: boolean }) => {
      const s = await stats(o);
      if (o.json) {
        process.stdout.write(JSON.stringify({ atIso: s.atIso, pid: s.pid, snapshots: s.cpuProtection, summary: s.cpuProtection.map(summarize) }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`counters of pid ${s.pid} at ${s.atIso}\n${formatCounters(s.cpuProtection)}\n`);
    });

  const dbg = program.command('debug').description('decode valid CFM PDUs of tagged MEPs and MIPs (seed 004)');
  const tagOpts = (c: Command) => c
    .argument('<words...>', "mep <id> domain <md> association <ma> | mip <interface> level <l> [vlan <v>] [switch <s>]; optional direction rx|tx|both")
    .option('--config <file>', 'check that the MP exists in this config')
    .option('--state-dir <dir>', 'state directory', stateDir());
  tagOpts(dbg.command('tag').description('tag a MEP or MIP for decoding'))
    .action((words: string[], o: { config?: string; stateDir: string }) => {
      const t = parseTagWords(words);
      if (o.config) {
        const m = model(o.config);
        try {
          resolveTags(m, [t]);
        } catch (e) {
          throw new UsageError(`${(e as Error).message} (in ${o.config})`);
        }
      }
      const tags = readTags(o.stateDir).filter((x) => tagKey(x) !== tagKey(t));
      tags.push(t);
      writeTags(tags, o.stateDir);
      process.stdout.write(`tagged ${tagKey(t)} (${t.direction}); ${tags.length} tag(s) in ${o.stateDir}\n`);
    });
  tagOpts(dbg.command('untag').description('remove a debug tag'))
    .action((words: string[], o: { stateDir: string }) => {
      const t = parseTagWords(words);
      const tags = readTags(o.stateDir);
      const left = tags.filter((x) => tagKey(x) !== tagKey(t));
      if (left.length === tags.length) throw new UsageError(`${tagKey(t)} is not tagged (see cfm debug show)`);
      writeTags(left, o.stateDir);
      process.stdout.write(`untagged ${tagKey(t)}; ${left.length} tag(s) left\n`);
    });
  dbg.command('show')
    .description('list persisted debug tags (resolved against --config when given)')
    .option('--config <file>', 'resolve tags against this config')
    .option('--state-dir <dir>', 'state directory', stateDir())
    .option('--json', 'JSON output')
    .action((o: { config?: string; stateDir: string; json?: boolean }) => {
      const tags = readTags(o.stateDir);
      if (o.json) {
        const m = o.config ? model(o.config) : null;
        const rows = tags.map((t) => {
          if (!m) return { key: tagKey(t), ...t };
          try {
            return { key: tagKey(t), ...t, resolved: describeTag(resolveTags(m, [t])[0]) };
          } catch (e) {
            return { key: tagKey(t), ...t, error: (e as Error).message };
          }
        });
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (tags.length === 0) {
        process.stdout.write('no debug tags\n');
        return;
      }
      const m = o.config ? model(o.config) : null;
      for (const t of tags) {
        let line = `${tagKey(t)} (${t.direction})`;
        if (m) {
          try {
            line = describeTag(resolveTags(m, [t])[0]);
          } catch (e) {
            line += ` -- ${(e as Error).message}`;
          }
        }
        process.stdout.write(line + '\n');
      }
    });
  statsOpts(dbg.command('dump')
    .description('debug queue statistics and exceptions of the running manager (tools dump eth-cfm debug-packet)'))
    .action(async (o: StatsOpts & { json?: boolean }) => {
      const s = await stats(o);
      if (o.json) {
        process.stdout.write(JSON.stringify({ atIso: s.atIso, pid: s.pid, debug: s.debug }, null, 2) + '\n');
        return;
      }
      if (!s.debug) {
        process.stdout.write(`pid ${s.pid} at ${s.atIso}: the debug decoder is not running\n`);
        return;
      }
      const row = (name: string, q: NonNullable<typeof s.debug>['rx']) =>
        `${name}  limit ${q.limit}  depth ${q.depth}  enqueued ${q.enqueued}  decoded ${q.decoded}  invalid ${q.invalid}  skipped ${q.skipped}  queue exceptions ${q.exceptions}`;
      process.stdout.write(`eth-cfm debug-packet queues of pid ${s.pid} at ${s.atIso} (${s.debug.tags} tagged MP(s))\n${row('rx', s.debug.rx)}\n${row('tx', s.debug.tx)}\n`);
    });
}
