/**
 * `npm run bench`: runs every bench/*.bench.ts (or those whose file name contains one of the
 * words on the command line, e.g. `npm run bench -- linux pdu`), prints one table per suite and
 * writes all results to bench/results/latest.json. Compare ratios within one run, not absolute
 * times across machines.
 *
 * A suite exports `name` and `run(): Promise<BenchRow[]>`.
 *
 * Each suite runs in its own child process (same Node flags), one after the other: an earlier
 * suite's heap, JIT state, GC and leftover threads must not leak into a later suite's figures
 * (the native scheduler's p99 deviation went from ~0.1 ms alone to 0.5-2 ms after the other suites
 * in one process). `--in-process` runs them all in this process instead (debugging).
 */
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

export interface BenchRow {
  /** What was measured, e.g. "decode+validate CCM". */
  case: string;
  /** The figure, e.g. 12.3e6 */
  value: number;
  /** Its unit, e.g. "PDUs/s", "us/op", "bytes/MEP", "ms". */
  unit: string;
  /** Optional target, e.g. ">= 10e6", and whether it was met. */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface BenchSuite {
  name: string;
  run(): Promise<BenchRow[]>;
}

const here = dirname(fileURLToPath(import.meta.url));

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a >= 100) return v.toFixed(0);
  return v.toPrecision(3);
}

function printTable(suite: string, rows: BenchRow[]): void {
  const cells = rows.map((r) => [r.case, fmt(r.value), r.unit, r.target ?? '', r.met === undefined ? '' : r.met ? 'ok' : 'MISSED', r.note ?? '']);
  const head = ['case', 'value', 'unit', 'target', 'met', 'note'];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 1 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ').trimEnd();
  console.log(`\n## ${suite}`);
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const c of cells) console.log(line(c));
}

interface SuiteResult {
  name: string;
  rows?: BenchRow[];
  error?: string;
}

async function runSuite(file: string): Promise<SuiteResult> {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchSuite;
  try {
    return { name: mod.name, rows: await mod.run() };
  } catch (err) {
    return { name: mod.name, error: String((err as Error).stack ?? err) };
  }
}

/** A suite that runs longer than this is stopped and reported FAILED (BENCH_SUITE_TIMEOUT_S). */
const SUITE_TIMEOUT_MS = (Number(process.env.BENCH_SUITE_TIMEOUT_S) || 900) * 1000;

/** One suite in a child process; the result comes back over IPC (structured clone keeps NaN). */
function runIsolated(file: string): Promise<SuiteResult> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--suite', file], {
      execArgv: process.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: SuiteResult | undefined;
    let timedOut = false;
    // SIGTERM lets a suite's exit handlers clean up (test/linux/netns.ts removes its namespaces)
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, SUITE_TIMEOUT_MS);
    child.on('message', (m) => (result = m as SuiteResult));
    child.on('error', (e) => resolve({ name: file, error: String(e.stack ?? e) }));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve({ name: file, error: `stopped after ${SUITE_TIMEOUT_MS / 1000} s (BENCH_SUITE_TIMEOUT_S)` });
      else resolve(result ?? { name: file, error: `child process exited (${signal ?? `code ${code}`}) without a result` });
    });
  });
}

async function child(file: string): Promise<void> {
  // stopped by the parent's timeout: leave through process.exit so 'exit' handlers still clean up
  process.on('SIGTERM', () => process.exit(143));
  const r = await runSuite(file);
  await new Promise<void>((res) => process.send!(r, () => res()));
  // a suite may leave handles behind (sockets, timers): the result is out, so leave now
  process.exit(0);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const inProcess = argv.includes('--in-process');
  const only = argv.filter((a) => !a.startsWith('--'));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const results: Record<string, BenchRow[]> = {};
  let failed = false;
  for (const f of files) {
    const r = inProcess ? await runSuite(f) : await runIsolated(f);
    if (r.rows) {
      results[r.name] = r.rows;
      printTable(r.name, r.rows);
    } else {
      failed = true;
      console.error(`\n## ${r.name}: FAILED: ${r.error}`);
    }
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const doc = {
    date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model,
    isolation: inProcess ? 'one process' : 'one child process per suite', results,
  };
  writeFileSync(join(out, 'latest.json'), JSON.stringify(doc, null, 2));
  console.log(`\nwrote ${join('bench', 'results', 'latest.json')}`);
  if (failed) process.exitCode = 1;
}

const suiteAt = process.argv.indexOf('--suite');
if (suiteAt >= 0 && process.send) await child(process.argv[suiteAt + 1]);
else await main();
