/**
 * Y.1731 on-demand tests against a running manager (`cfm apply --follow` or `cfm run`), over its
 * control socket ({"cmd":"y1731"}, src/offload/y1731). See docs/y1731.md.
 *   cfm dm MEP (--target-mep ID | --target-mac MAC) [--one-way] ...   DMM/DMR, or 1DM
 *   cfm dm MEP --received [--clear]                                    1DMs received at MEP
 *   cfm lm MEP ... | cfm slm MEP ... [--test-id N]                      LMM/LMR, SLM/SLR
 *   cfm tst MEP ... | cfm tst MEP --received [--clear]                  TST sent / counted
 * Exit codes (like cfm loopback): 0 the test completed, 1 it did not (no or too few replies,
 * interrupted, a manager or backend failure), 2 bad arguments (also an unknown MEP or target).
 */
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { controlRequest, defaultSocketPath, INTERRUPTED } from '../../offload/control.js';
import type { ManagerStatus } from '../../offload/status.js';
import { controlPmShow, controlY1731Received, controlY1731Test } from '../../offload/y1731/client.js';
import { pmShowText } from './y1731-pm.js';
import { interruptible, intArg, macArg, mepKeyArg, TEST_PATTERNS } from './args.js';
import type { DelayStats, TestKind, TestRxResult, Y1731TestOptions, Y1731TestResult } from '../../offload/y1731/types.js';
import { MAX_TEST_COUNT, MAX_TEST_DATA } from '../../offload/y1731/validate.js';

const out = (s: string) => process.stdout.write(s + '\n');

interface TestOpts {
  targetMep?: string;
  targetMac?: string;
  count?: string;
  intervalMs?: string;
  priority?: string;
  dataSize?: string;
  testPattern?: string;
  testSize?: string;
  timeoutMs?: string;
  testId?: string;
  oneWay?: boolean;
  received?: boolean;
  clear?: boolean;
  socket?: string;
  json?: boolean;
}

/** The test options of the command line (validated here so flags are named in errors). */
export function testOptions(kind: TestKind, o: TestOpts): Y1731TestOptions {
  const given = [o.targetMep !== undefined, o.targetMac !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError(`${given ? 'only one' : 'one'} of --target-mep ID or --target-mac MAC is needed`);
  const r: Y1731TestOptions = {};
  if (o.targetMep !== undefined) r.targetMepId = intArg('--target-mep', o.targetMep, 1, 8191);
  if (o.targetMac !== undefined) r.target = macArg('--target-mac', o.targetMac);
  const set = <K extends keyof Y1731TestOptions>(k: K, v: Y1731TestOptions[K] | undefined) => { if (v !== undefined) r[k] = v; };
  set('count', intArg('--count', o.count, 1, MAX_TEST_COUNT));
  set('intervalMs', intArg('--interval-ms', o.intervalMs, 1, 3_600_000));
  set('priority', intArg('--priority', o.priority, 0, 7));
  const twoWay = kind === 'dmm' || kind === 'lmm' || kind === 'slm';
  if (o.timeoutMs !== undefined && !twoWay) throw new UsageError('--timeout-ms is for tests with replies (not --one-way or tst)');
  set('timeoutMs', intArg('--timeout-ms', o.timeoutMs, 1, 600_000));
  if (o.testId !== undefined && kind !== 'slm') throw new UsageError('--test-id is for cfm slm');
  set('testId', intArg('--test-id', o.testId, 0, 0xffffffff));
  if (o.dataSize !== undefined && (o.testPattern !== undefined || o.testSize !== undefined)) throw new UsageError('--data-size and --test-pattern/--test-size exclude each other (a Data TLV or a Test TLV)');
  set('dataSize', intArg('--data-size', o.dataSize, 1, MAX_TEST_DATA));
  if (o.testPattern !== undefined || o.testSize !== undefined) {
    const patternType = TEST_PATTERNS[o.testPattern ?? 'null'];
    if (patternType === undefined) throw new UsageError(`--test-pattern must be null, null-crc, prbs or prbs-crc, not '${o.testPattern}'`);
    const withCrc = patternType === 1 || patternType === 3;
    r.test = { patternType, length: intArg('--test-size', o.testSize ?? '64', 1, MAX_TEST_DATA - (withCrc ? 4 : 0))! };
  }
  return r;
}

// ------------------------------------------------------------------ rendering

const ms = (ns: number) => (ns / 1e6).toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

const TITLE: Record<TestKind, string> = {
  dmm: 'Two-way delay test (DMM)', '1dm': 'One-way delay test (1DM)', lmm: 'Single-ended loss test (LMM)', slm: 'Synthetic loss test (SLM)', tst: 'Test signal (TST)',
};

export function delayLines(d: DelayStats | null | undefined, what = 'frame delay'): string[] {
  if (!d) return [];
  const lines = [`${what} min/avg/max = ${ms(d.minNs)}/${ms(d.avgNs)}/${ms(d.maxNs)} ms`];
  if (d.ifdvAvgNs !== null && d.ifdvMaxNs !== null) lines.push(`delay variation (IFDV) avg/max = ${ms(d.ifdvAvgNs)}/${ms(d.ifdvMaxNs)} ms`);
  return lines;
}

/** The result in the seed-001 wording (`Sent N packets, received M packets [...]`) plus the figures. */
export function testResultText(r: Y1731TestResult, peerKey = '<peer MEP>'): string[] {
  if (r.kind === '1dm' || r.kind === 'tst') {
    const how = `cfm ${r.kind === '1dm' ? 'dm' : 'tst'} ${peerKey} --received`;
    return [`Sent ${r.sent} packets to ${r.target}; the receiving MEP has the results (${how} on its switch)`];
  }
  const lines = [`Sent ${r.sent} packets, received ${r.received} packets [${r.outOfOrder} out-of-order, ${r.errored} errored]${r.testId !== undefined ? ` test id ${r.testId}` : ''}`];
  // said only when the MEP's VOE stamped / counted the frames (docs/y1731.md placement)
  if (r.placement?.placement === 'hardware') lines.push(`measured in hardware: ${r.placement.reason}`);
  lines.push(...delayLines(r.delay));
  if (r.loss) {
    const l = r.loss;
    lines.push(`frame loss far-end ${l.farEnd}/${l.farEndTx} (${pct(l.farEndRatio)}), near-end ${l.nearEnd}/${l.nearEndTx} (${pct(l.nearEndRatio)})`);
  }
  if (!r.completed) lines.push(r.received === 0 ? 'no reply: test not completed' : 'too few replies for a measurement: test not completed');
  return lines;
}

export function receivedText(kind: '1dm' | 'tst', r: TestRxResult): string[] {
  if (kind === 'tst') {
    if (!r.tst.length) return [`TST received at ${r.mep}: none`];
    return [`TST received at ${r.mep}:`, ...r.tst.map((t) =>
      `from ${t.fromMac}: ${t.received} packets [${t.outOfOrder} out-of-order, ${t.errored} errored${t.withoutTestTlv ? `, ${t.withoutTestTlv} without Test TLV` : ''}] last seq ${t.lastSeq ?? '-'}`)];
  }
  if (!r.oneWay.length) return [`1DM received at ${r.mep}: none`];
  const lines = [`1DM received at ${r.mep}:`];
  for (const o of r.oneWay) {
    lines.push(`from ${o.fromMac}: ${o.received} packets [${o.outOfOrder} out-of-order]`);
    lines.push(...delayLines(o.delay, 'one-way delay').map((l) => `  ${l}`));
  }
  return lines;
}

// ------------------------------------------------------------------ commands

/** How long a test request may be refused before its header line is printed. */
const HEADER_DELAY_MS = 250;

/** The options that configure a test to send (not --received). */
const SEND_FLAGS: ReadonlyArray<readonly [keyof TestOpts, string]> = [
  ['targetMep', '--target-mep'], ['targetMac', '--target-mac'], ['count', '--count'], ['intervalMs', '--interval-ms'], ['priority', '--priority'],
  ['dataSize', '--data-size'], ['testPattern', '--test-pattern'], ['testSize', '--test-size'], ['timeoutMs', '--timeout-ms'], ['testId', '--test-id'], ['oneWay', '--one-way'],
];

async function runTest(kind: TestKind, key: string, o: TestOpts): Promise<void> {
  process.exitCode = 0;
  mepKeyArg(key);
  const socket = o.socket ?? defaultSocketPath();
  if (o.received) {
    if (kind === 'lmm' || kind === 'slm') throw new UsageError('--received is for cfm dm and cfm tst');
    const sending = SEND_FLAGS.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
    if (sending.length) throw new UsageError(`--received reads what ${key} received: ${sending.join(', ')} ${sending.length > 1 ? 'are' : 'is'} for sending a test`);
    const rx = await controlY1731Received(socket, key, o.clear === true);
    out(o.json ? JSON.stringify(rx, null, 2) : receivedText(kind === 'tst' ? 'tst' : '1dm', rx).join('\n'));
    return;
  }
  if (o.clear) throw new UsageError('--clear goes with --received');
  const opts = testOptions(kind, o);
  const target = opts.target ?? `MEP ${opts.targetMepId}`;
  // The header once the manager has taken the test: a request it refuses (an unknown MEP, a peer
  // without a MAC) answers within milliseconds, and then only the error line is printed.
  let headed = !!o.json;
  const header = () => {
    if (!headed) out(`${TITLE[kind]} from ${key} to ${target}: ${opts.count ?? 10} frame(s), ${opts.intervalMs ?? 1000} ms apart`);
    headed = true;
  };
  const headerTimer = setTimeout(header, HEADER_DELAY_MS);
  let res: Y1731TestResult;
  try {
    res = await interruptible((signal) => controlY1731Test(socket, key, kind, opts, signal));
  } catch (e) {
    clearTimeout(headerTimer);
    if (!(e instanceof CfmError && e.message === INTERRUPTED)) throw e;
    header();
    out(o.json ? JSON.stringify({ interrupted: true }) : 'interrupted: no result (the manager ends the test on its own)');
    process.exitCode = 1;
    return;
  }
  clearTimeout(headerTimer);
  header();
  const peerKey = opts.targetMepId !== undefined ? key.replace(/\d+$/, String(opts.targetMepId)) : undefined;
  out(o.json ? JSON.stringify({ result: res }) : testResultText(res, peerKey).join('\n'));
  process.exitCode = res.completed ? 0 : 1;
}

async function assertMepKnown(socket: string, key: string): Promise<void> {
  const st = (await controlRequest(socket, 'status')) as ManagerStatus;
  if (!st.meps.some((m) => m.key === key)) throw new UsageError(`no MEP ${key} on switch ${st.switch} (MEPs: ${st.meps.map((m) => m.key).join(', ') || 'none'})`);
}

function common(c: Command, kind: TestKind): Command {
  c.argument('<mep>', 'MEP key <md>/<ma>/<mepid> (as cfm status shows it)')
    .option('--target-mep <id>', 'remote MEP id (its MAC from the CCM database)')
    .option('--target-mac <mac>', 'destination MAC')
    .option('--count <n>', `frames to send 1..${MAX_TEST_COUNT} (default 10)`)
    .option('--interval-ms <ms>', 'time between frames (default 1000)')
    .option('--priority <n>', 'PCP 0..7 of the frames (VLAN MEPs; default the MEP\'s)')
    .option('--data-size <n>', `Data TLV of N octets (1..${MAX_TEST_DATA})`)
    .option('--test-pattern <p>', 'Test TLV pattern: null | null-crc | prbs | prbs-crc')
    .option('--test-size <n>', 'Test TLV pattern length in octets (default 64)');
  if (kind !== 'tst') c.option('--timeout-ms <ms>', 'wait for replies this long after the last frame (default 5000)');
  return c.option('--socket <path>', 'control socket of the running manager').option('--json', 'print the result as JSON');
}

export function register(program: Command): void {
  common(program.command('dm').description('Y.1731 delay test from a MEP of the running manager: two-way DMM/DMR, or one-way 1DM (--one-way); exit 0 when it completed'), 'dmm')
    .option('--one-way', 'send 1DMs: the receiving MEP measures (read there with --received)')
    .option('--received', 'show the 1DMs this MEP received (one-way delay per source)')
    .option('--clear', 'with --received: start new receive sessions after showing them')
    .action((mep: string, o: TestOpts) => runTest(o.oneWay ? '1dm' : 'dmm', mep, o));
  common(program.command('lm').description('Y.1731 single-ended loss test (LMM/LMR) from a MEP of the running manager; exit 0 when it completed'), 'lmm')
    .action((mep: string, o: TestOpts) => runTest('lmm', mep, o));
  common(program.command('slm').description('Y.1731 synthetic loss test (SLM/SLR) from a MEP of the running manager; exit 0 when it completed'), 'slm')
    .option('--test-id <n>', 'SLM test id (default 1)')
    .action((mep: string, o: TestOpts) => runTest('slm', mep, o));
  common(program.command('tst').description('Y.1731 test signal (TST) from a MEP of the running manager, or what a MEP received (--received)'), 'tst')
    .option('--received', 'show the TSTs this MEP received (counts per source)')
    .option('--clear', 'with --received: start new receive sessions after showing them')
    .action((mep: string, o: TestOpts) => runTest('tst', mep, o));
  program
    .command('pm')
    .description('Y.1731 proactive performance monitoring of the running manager')
    .command('show')
    .description('PM sessions: the current measurement interval and the history (FD, IFDV, bins, loss, suspect flags)')
    .argument('[mep]', 'only the sessions of this MEP <md>/<ma>/<mepid>')
    .option('--history <n>', 'show the last N completed intervals (default 4; all with --json)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--json', 'print the sessions as JSON')
    .action(async (mep: string | undefined, o: { history?: string; socket?: string; json?: boolean }) => {
      process.exitCode = 0;
      if (mep !== undefined) mepKeyArg(mep);
      const n = intArg('--history', o.history, 0, 1000) ?? 4;
      const socket = o.socket ?? defaultSocketPath();
      const list = await controlPmShow(socket, mep);
      // no sessions of a MEP the manager does not have: say so (exit 2), as every other MEP command does
      if (mep !== undefined && !list.length) await assertMepKnown(socket, mep);
      out(o.json ? JSON.stringify(list, null, 2) : pmShowText(list, n));
    });
}
