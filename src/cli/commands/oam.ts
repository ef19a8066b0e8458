/**
 * Operator OAM commands against a running manager (`cfm apply --follow` or `cfm run`), over its
 * control socket (src/offload/control.ts). See docs/oam-cli.md.
 *   cfm loopback MEP (--target-mep ID | --target-mac MAC | --multicast) [--count N] ...   ping-like
 *   cfm linktrace MEP (--target-mep ID | --target-mac MAC) [--ttl N] [--use-fdb-only] ...
 *   cfm mep list | cfm mep show KEY                                   from the manager's status
 *   cfm mep set KEY [--enable|--disable] [--cc on|off] [--priority N] ...       -> change
 *   cfm cc interval MA-KEY INTERVAL                                              -> change
 * Exit codes: loopback 0 when every LBM was answered, else 1 (like ping); linktrace 0 when the
 * target answered (an LTR with RlyHit / TerminalMEP), else 1; 2 bad usage; 1 a manager error.
 */
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { INTERVAL_CODES, intervalName, parseInterval } from '../../common/interval.js';
import type { LoopbackResult } from '../../engine/mep-lb.js';
import type { LinktraceOptions, LinktraceResult } from '../../engine/mep-lt.js';
import {
  controlChange, controlLinktrace, controlLoopback, controlRequest, defaultSocketPath, INTERRUPTED, MAX_LBM_DATA,
  type ConfigChangeRequest, type LoopbackRequest, type MepChangeRequest,
} from '../../offload/control.js';
import { changeText, linktraceTable, loopbackSummary, mepListText, mepShowText, replyLine, rttStats } from './oam-text.js';
import { interruptible, intArg, macArg, mepKeyArg, TEST_PATTERNS } from './args.js';
import type { ManagerStatus } from '../../offload/status.js';

const out = (s: string) => process.stdout.write(s + '\n');
const socketOf = (o: { socket?: string }) => o.socket ?? defaultSocketPath();

// ------------------------------------------------------------------ argument parsing

interface TargetOpts {
  targetMep?: string;
  targetMac?: string;
  multicast?: boolean;
}

function oneTarget(o: TargetOpts, allowMulticast: boolean): { mepId?: number; mac?: string; multicast?: true } {
  const given = [o.targetMep !== undefined, o.targetMac !== undefined, o.multicast === true].filter(Boolean).length;
  const choices = allowMulticast ? '--target-mep ID, --target-mac MAC or --multicast' : '--target-mep ID or --target-mac MAC';
  if (given !== 1) throw new UsageError(`${given ? 'only one' : 'one'} of ${choices} is needed`);
  if (o.targetMep !== undefined) return { mepId: intArg('--target-mep', o.targetMep, 1, 8191) };
  if (o.targetMac !== undefined) return { mac: macArg('--target-mac', o.targetMac) };
  return { multicast: true };
}

interface LoopbackOpts extends TargetOpts {
  count?: string;
  intervalMs?: string;
  dataSize?: string;
  testPattern?: string;
  testSize?: string;
  timeoutMs?: string;
  socket?: string;
  json?: boolean;
}

/** The loopback request of the command line (validated here so flags are named in errors). */
export function loopbackRequest(o: LoopbackOpts): LoopbackRequest {
  const t = oneTarget(o, true);
  const req: LoopbackRequest = {};
  if (t.mepId !== undefined) req.targetMepId = t.mepId;
  if (t.mac !== undefined) req.target = t.mac;
  if (t.multicast) req.multicast = true;
  const count = intArg('--count', o.count, 1, 1024);
  if (count !== undefined) req.count = count;
  const intervalMs = intArg('--interval-ms', o.intervalMs, 1, 3_600_000);
  if (intervalMs !== undefined) req.intervalMs = intervalMs;
  const timeoutMs = intArg('--timeout-ms', o.timeoutMs, 1, 600_000);
  if (timeoutMs !== undefined) req.timeoutMs = timeoutMs;
  if (o.dataSize !== undefined && (o.testPattern !== undefined || o.testSize !== undefined)) throw new UsageError('--data-size and --test-pattern/--test-size exclude each other (a Data TLV or a Test TLV)');
  const dataSize = intArg('--data-size', o.dataSize, 1, MAX_LBM_DATA);
  // Data TLV content (802.1Q 21.7.4): a counting pattern, so a corrupted echo is a Bad MSDU.
  if (dataSize !== undefined) req.data = Buffer.from(Array.from({ length: dataSize }, (_, i) => i & 0xff)).toString('hex');
  if (o.testPattern !== undefined || o.testSize !== undefined) {
    if (o.testPattern === undefined || o.testSize === undefined) throw new UsageError('--test-pattern and --test-size go together');
    const patternType = TEST_PATTERNS[o.testPattern];
    if (patternType === undefined) throw new UsageError(`--test-pattern must be null, null-crc, prbs or prbs-crc, not '${o.testPattern}'`);
    const withCrc = patternType === 1 || patternType === 3;
    req.test = { patternType, length: intArg('--test-size', o.testSize, 1, MAX_LBM_DATA - (withCrc ? 4 : 0))! };
  }
  return req;
}

interface LinktraceOpts extends TargetOpts {
  ttl?: string;
  useFdbOnly?: boolean;
  timeoutMs?: string;
  socket?: string;
  json?: boolean;
}

export function linktraceRequest(o: LinktraceOpts): LinktraceOptions {
  const t = oneTarget(o, false);
  const req: LinktraceOptions = {};
  if (t.mepId !== undefined) req.targetMepId = t.mepId;
  if (t.mac !== undefined) req.targetMac = t.mac;
  const ttl = intArg('--ttl', o.ttl, 1, 255);
  if (ttl !== undefined) req.ttl = ttl;
  if (o.useFdbOnly) req.useFdbOnly = true;
  const timeoutMs = intArg('--timeout-ms', o.timeoutMs, 1, 600_000);
  if (timeoutMs !== undefined) req.timeoutMs = timeoutMs;
  return req;
}

interface MepSetOpts {
  enable?: boolean;
  disable?: boolean;
  cc?: string;
  priority?: string;
  lowestAlarmPriority?: string;
  placement?: string;
  remoteMeps?: string;
  lock?: string;
  socket?: string;
  json?: boolean;
}

export function mepChange(key: string, o: MepSetOpts): MepChangeRequest {
  const c: MepChangeRequest = { key: mepKeyArg(key) };
  if (o.enable && o.disable) throw new UsageError('--enable and --disable exclude each other');
  if (o.enable) c.enabled = true;
  if (o.disable) c.enabled = false;
  if (o.cc !== undefined) {
    if (o.cc !== 'on' && o.cc !== 'off') throw new UsageError(`--cc must be on or off, not '${o.cc}'`);
    c.ccmEnabled = o.cc === 'on';
  }
  const pri = intArg('--priority', o.priority, 0, 7);
  if (pri !== undefined) c.ccmLtmPriority = pri;
  const lap = intArg('--lowest-alarm-priority', o.lowestAlarmPriority, 1, 6);
  if (lap !== undefined) c.lowestAlarmPriority = lap;
  if (o.placement !== undefined) {
    if (o.placement !== 'auto' && o.placement !== 'hardware' && o.placement !== 'software') throw new UsageError(`--placement must be auto, hardware or software, not '${o.placement}'`);
    c.placement = o.placement;
  }
  if (o.remoteMeps !== undefined) {
    const ids = o.remoteMeps.split(',').map((s) => s.trim());
    if (!ids.length || ids.some((s) => s === '')) throw new UsageError(`--remote-meps must be a comma-separated list of MEP ids, not '${o.remoteMeps}'`);
    c.remoteMepIds = ids.map((s) => intArg('--remote-meps', s, 1, 8191)!);
    if (new Set(c.remoteMepIds).size !== c.remoteMepIds.length) throw new UsageError(`--remote-meps lists a MEP id twice: '${o.remoteMeps}'`);
  }
  if (o.lock !== undefined) {
    if (o.lock !== 'on' && o.lock !== 'off') throw new UsageError(`--lock must be on or off, not '${o.lock}'`);
    c.locked = o.lock === 'on';
  }
  if (Object.keys(c).length === 1) throw new UsageError('mep set: nothing to change (give --enable/--disable, --cc, --priority, --lowest-alarm-priority, --placement, --remote-meps or --lock)');
  return c;
}

function describeMepChange(c: MepChangeRequest): string {
  const parts: string[] = [];
  if (c.enabled !== undefined) parts.push(c.enabled ? 'enable' : 'disable');
  if (c.ccmEnabled !== undefined) parts.push(`cc ${c.ccmEnabled ? 'on' : 'off'}`);
  if (c.ccmLtmPriority !== undefined) parts.push(`priority ${c.ccmLtmPriority}`);
  if (c.lowestAlarmPriority !== undefined) parts.push(`lowest alarm priority ${c.lowestAlarmPriority}`);
  if (c.placement !== undefined) parts.push(`placement ${c.placement}`);
  if (c.remoteMepIds !== undefined) parts.push(`remote MEPs ${c.remoteMepIds.join(',')}`);
  if (c.locked !== undefined) parts.push(`lock ${c.locked ? 'on' : 'off'}`);
  return `${c.key} ${parts.join(', ')}`;
}

// ------------------------------------------------------------------ commands

const interrupted = (e: unknown) => e instanceof CfmError && e.message === INTERRUPTED;

async function loopback(key: string, o: LoopbackOpts): Promise<void> {
  mepKeyArg(key);
  const req = loopbackRequest(o);
  const answered = new Set<number>();
  const target = req.multicast ? 'multicast (class 1)' : req.target ?? `MEP ${req.targetMepId}`;
  // The header waits for the session: the manager refuses a loopback it cannot start (e.g. a
  // remote MEP with no MAC in the CCM database yet) and then only that error is printed.
  let headed = !!o.json;
  const header = () => {
    if (!headed) out(`Loopback from ${key} to ${target}: ${req.count ?? 1} LBM(s), ${req.intervalMs ?? 1000} ms apart`);
    headed = true;
  };
  let res: LoopbackResult;
  try {
    res = await interruptible((signal) => controlLoopback(socketOf(o), key, req, (r) => {
      answered.add(r.transactionId);
      header();
      out(o.json ? JSON.stringify({ reply: r }) : replyLine(r));
    }, signal));
  } catch (e) {
    if (!interrupted(e)) throw e;
    header();
    out(o.json ? JSON.stringify({ interrupted: true, answered: answered.size }) : `interrupted: ${answered.size} LBM(s) answered so far`);
    process.exitCode = 1;
    return;
  }
  // Exit 0 only when every LBM sent has at least one LBR. Unicast: the session matches one LBR
  // per LBM (by transaction id), so its count says it. Multicast (several LBRs per LBM): the
  // distinct transaction ids of the streamed replies.
  const ok = res.sent > 0 && (req.multicast ? answered.size >= res.sent : res.received >= res.sent);
  header();
  if (o.json) out(JSON.stringify({ result: { ...res, answered: answered.size, rtt: rttStats(res.rttNs) } }));
  else for (const l of loopbackSummary(res)) out(l);
  process.exitCode = ok ? 0 : 1;
}

async function linktrace(key: string, o: LinktraceOpts): Promise<void> {
  mepKeyArg(key);
  const req = linktraceRequest(o);
  let res: LinktraceResult;
  try {
    res = await interruptible((signal) => controlLinktrace(socketOf(o), key, req, signal));
  } catch (e) {
    if (!interrupted(e)) throw e;
    out(o.json ? JSON.stringify({ interrupted: true }) : 'interrupted: no linktrace result');
    process.exitCode = 1;
    return;
  }
  const reached = res.replies.some((r) => r.terminalMep || r.relayAction === 'rlyHit');
  if (o.json) out(JSON.stringify({ ...res, reached }, null, 2));
  else {
    out(`Linktrace from ${key} to ${res.target.toUpperCase()}: ttl ${res.ttl}, transaction id ${res.transactionId}`);
    out(linktraceTable(res, req.timeoutMs ?? 5000));
  }
  process.exitCode = reached ? 0 : 1;
}

async function managerStatus(o: { socket?: string }): Promise<ManagerStatus> {
  return (await controlRequest(socketOf(o), 'status')) as ManagerStatus;
}

async function applyChange(what: string, change: ConfigChangeRequest, o: { socket?: string; json?: boolean }): Promise<void> {
  const s = await controlChange(socketOf(o), change);
  if (o.json) out(JSON.stringify(s, null, 2));
  else for (const l of changeText(what, s)) out(l);
}

const intervalNames = INTERVAL_CODES.map(intervalName).join(', ');

/**
 * Every command sets its exit code (0 unless it says otherwise), so a caller running several
 * commands in one process (main() in tests, a bring-up script) never sees an earlier one's.
 */
function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args: A) => {
    process.exitCode = 0;
    return fn(...args);
  };
}

export function register(program: Command): void {
  program
    .command('loopback')
    .description('send LBMs from a MEP of the running manager and print each LBR (exit 0 if every LBM was answered, 1 otherwise)')
    .argument('<mep>', 'MEP key <md>/<ma>/<mepid> (as cfm status shows it)')
    .option('--target-mep <id>', 'remote MEP id (its MAC from the CCM database)')
    .option('--target-mac <mac>', 'destination MAC (a MEP or MIP)')
    .option('--multicast', 'class 1 multicast LBM: every MEP of the MA answers')
    .option('--count <n>', 'number of LBMs 1..1024 (default 1)')
    .option('--interval-ms <ms>', 'time between LBMs (default 1000)')
    .option('--data-size <n>', `Data TLV of N octets (1..${MAX_LBM_DATA})`)
    .option('--test-pattern <p>', 'Test TLV pattern: null | null-crc | prbs | prbs-crc (with --test-size)')
    .option('--test-size <n>', 'Test TLV pattern length in octets')
    .option('--timeout-ms <ms>', 'wait for LBRs this long after the last LBM (default 5000)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'JSON lines: {"reply":...} per LBR, then {"result":...}')
    .action(action((mep: string, o: LoopbackOpts) => loopback(mep, o)));

  program
    .command('linktrace')
    .description('send an LTM from a MEP of the running manager and print the LTRs (exit 0 if the target answered, 1 otherwise)')
    .argument('<mep>', 'MEP key <md>/<ma>/<mepid>')
    .option('--target-mep <id>', 'remote MEP id (its MAC from the CCM database)')
    .option('--target-mac <mac>', 'target MAC')
    .option('--ttl <n>', 'initial TTL 1..255 (default 64)')
    .option('--use-fdb-only', 'set the UseFDBonly flag (802.1Q 21.8.1)')
    .option('--timeout-ms <ms>', 'collect LTRs this long (default 5000)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print the result as JSON')
    .action(action((mep: string, o: LinktraceOpts) => linktrace(mep, o)));

  const mep = program.command('mep').description('MEPs of the running manager: list, show, set');
  mep
    .command('list')
    .description('every MEP: placement (and why software), interval, remote MEPs, defects, counters')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print as JSON')
    .action(action(async (o: { socket?: string; json?: boolean }) => {
      const st = await managerStatus(o);
      out(o.json ? JSON.stringify(st.meps, null, 2) : mepListText(st));
    }));
  mep
    .command('show')
    .description('one MEP in detail: placement and reason, remote MEPs and their state, defects, counters')
    .argument('<key>', 'MEP key <md>/<ma>/<mepid>')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print as JSON')
    .action(action(async (key: string, o: { socket?: string; json?: boolean }) => {
      mepKeyArg(key);
      const st = await managerStatus(o);
      const row = st.meps.find((m) => m.key === key);
      if (!row) throw new UsageError(`no MEP ${key} on switch ${st.switch} (MEPs: ${st.meps.map((m) => m.key).join(', ') || 'none'})`);
      out(o.json ? JSON.stringify(row, null, 2) : mepShowText(row));
    }));
  mep
    .command('set')
    .description('change a MEP of the running manager (re-planned and reconciled incrementally)')
    .argument('<key>', 'MEP key <md>/<ma>/<mepid>')
    .option('--enable', 'MEP active')
    .option('--disable', 'MEP inactive')
    .option('--cc <on|off>', 'CCM transmission (CCIenabled)')
    .option('--priority <n>', 'CCM/LTM priority (PCP) 0..7')
    .option('--lowest-alarm-priority <n>', 'lowest defect priority that raises a fault alarm 1..6')
    .option('--placement <p>', 'auto | hardware | software')
    .option('--remote-meps <ids>', 'the MA\'s remote MEP ids, comma separated (e.g. 2,3)')
    .option('--lock <on|off>', 'Y.1731 administrative lock: LCK to the client level (needs fault-signalling)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print the change report as JSON')
    .action(action(async (key: string, o: MepSetOpts) => {
      const c = mepChange(key, o);
      if (Object.keys(c).length === 2 && c.locked !== undefined && !o.json) {
        // A lock changes no VOE and starts no MEP: say what it does instead of "no change".
        const s = await controlChange(socketOf(o), { meps: [c] });
        const was = s.locks?.find((l) => l.key === c.key)?.wasLocked;
        out(`${describeMepChange(c)}: ${c.locked ? 'sending LCK to the client level (Y.1731 7.6)' : was === false ? 'not locked (nothing to do)' : 'LCK stopped'}`);
        return;
      }
      await applyChange(describeMepChange(c), { meps: [c] }, o);
    }));

  program
    .command('cc')
    .description('continuity check settings of the running manager')
    .command('interval')
    .description('set the CCM interval of an MA (every MEP of it on this manager)')
    .argument('<ma>', 'MA key <md>/<ma>')
    .argument('<interval>', `CCM interval: ${intervalNames}`)
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print the change report as JSON')
    .action(action(async (ma: string, iv: string, o: { socket?: string; json?: boolean }) => {
      if (!/^[^/\s]+\/[^/\s]+$/.test(ma)) throw new UsageError(`MA '${ma}' is not an MA key "<md>/<ma>"`);
      const interval = parseInterval(iv);
      if (interval === undefined) throw new UsageError(`interval '${iv}' is not one of ${intervalNames}`);
      await applyChange(`${ma} interval ${intervalName(interval)}`, { associations: [{ key: ma, interval }] }, o);
    }));
}
