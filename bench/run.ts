/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line), prints one
 * table per suite and writes all results to bench/results/latest.json. Compare ratios within one
 * run, not absolute times across machines.
 *
 * A suite exports `name` and `run(): Promise<BenchRow[]>`.
 */
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

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const results: Record<string, BenchRow[]> = {};
  let failed = false;
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchSuite;
    try {
      const rows = await mod.run();
      results[mod.name] = rows;
      printTable(mod.name, rows);
    } catch (err) {
      failed = true;
      console.error(`\n## ${mod.name}: FAILED: ${(err as Error).stack ?? err}`);
    }
  }
  const out = join(here, 'results');
  mkdirSync(out, { recursive: true });
  const doc = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results };
  writeFileSync(join(out, 'latest.json'), JSON.stringify(doc, null, 2));
  console.log(`\nwrote ${join('bench', 'results', 'latest.json')}`);
  if (failed) process.exitCode = 1;
}

await main();
