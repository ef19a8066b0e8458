/**
 * Config loading cost (issue 3): read + parse + JSON-Schema + normalize + semantic checks of the
 * 1,000-MEP service-provider example, as YAML and as JSON, plus export. Median of several runs
 * after a warm-up (ajv compiles the schema once per process).
 * Validation memory (issue 11 item 25): peak RSS of a child process validating the 8,192-MEP
 * config (4 MB YAML, 5.8 MB JSON) and a 40 MB YAML config (ten such PEs on one board), above
 * the same child validating an empty config. It was about 40x the file size when YAML went
 * through the yaml library's node tree, 9-12x with the whole-document loader. Each file is
 * measured with this tree's loader (streaming: one list entry at a time, src/config/stream.ts)
 * and, side by side, with the loader of BASELINE_COMMIT (the whole-document loader before the
 * streaming one, extracted with `git archive`; skipped where there is no git history). The
 * validate-only rows measure validateConfig (what `cfm validate` runs: no model kept) in the same run.
 */
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import type { BenchRow } from './run.js';
import { exportConfigText, loadConfig, parseConfig } from '../src/config/index.js';
import { PACKAGE_ROOT } from '../src/config/ajv.js';
import { generateSpConfig } from '../src/config/generate.js';

export const name = 'config';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(runs: number, fn: () => void): number {
  fn(); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

export async function run(): Promise<BenchRow[]> {
  const file = join(PACKAGE_ROOT, 'examples', 'sp-1000-meps.yaml');
  const first = loadConfig(file);
  if (!first.model) throw new Error(`example does not validate: ${JSON.stringify(first.errors[0])}`);
  const model = first.model;
  const json = exportConfigText(model, 'json');
  const yamlText = readFileSync(file, 'utf8');
  const yamlMs = timeMs(5, () => {
    if (!loadConfig(file).model) throw new Error('invalid');
  });
  const jsonMs = timeMs(5, () => {
    if (!parseConfig(json, { fileName: 'sp.json' }).model) throw new Error('invalid');
  });
  const exportMs = timeMs(5, () => exportConfigText(model, 'json'));
  return [
    ...memoryRows(),
    { case: 'load+validate sp-1000-meps.yaml (1,000 MEPs)', value: yamlMs, unit: 'ms', target: '< 1000', met: yamlMs < 1000, note: `${(yamlText.length / 1024).toFixed(0)} KiB YAML` },
    { case: 'load+validate the same config as JSON', value: jsonMs, unit: 'ms', target: '< 250', met: jsonMs < 250, note: `${(json.length / 1024).toFixed(0)} KiB JSON` },
    { case: 'per MEP (YAML)', value: (yamlMs * 1000) / 1000, unit: 'us/MEP' },
    { case: 'export model -> JSON', value: exportMs, unit: 'ms' },
  ];
}

// bench-local surgery on a generated config document (its shape is RawConfig's, loosely)
type Doc = Record<string, any>;

/** `copies` 8,192-MEP service-provider PEs on one board: each copy its own ports and MD names (valid). */
function bigConfig(copies: number): Doc {
  const base = generateSpConfig({ meps: 8192 }) as Doc;
  const text = JSON.stringify(base);
  const out = JSON.parse(text) as Doc;
  out.board.ports = [];
  out.cfm['maintenance-domain'] = [];
  out.cfm['maintenance-group'] = [];
  out.cfm.mip = [];
  out['cpu-protection'].binding = [];
  for (let k = 0; k < copies; k++) {
    const c = JSON.parse(text.replace(/"((?:ge|xe)\d+)"/g, `"c${k}-$1"`)) as Doc;
    out.board.ports.push(...c.board.ports);
    for (const d of c.cfm['maintenance-domain']) {
      d['md-id'] = `${d['md-id']}-${k}`;
      if (d['char-string']) d['char-string'] += k;
      if (d['dns-like-name']) d['dns-like-name'] = `c${k}.${d['dns-like-name']}`;
      if (d['mac-address-and-uint-type']) d['mac-address-and-uint-type'].int = 2 + k;
      out.cfm['maintenance-domain'].push(d);
    }
    for (const g of c.cfm['maintenance-group']) {
      g['maintenance-group-id'] += `-${k}`;
      g['md-id'] += `-${k}`;
      out.cfm['maintenance-group'].push(g);
    }
    for (const m of c.cfm.mip) {
      m['md-id'] += `-${k}`;
      out.cfm.mip.push(m);
    }
    out['cpu-protection'].binding.push(...c['cpu-protection'].binding);
  }
  return out;
}

/** The whole-document loader before the streaming one (issue 11 item 25; peak RSS 9-12x the file size). */
const BASELINE_COMMIT = '010c204';

/**
 * Peak RSS (MB) of a child process that loads and validates `file` with the loader under `root`,
 * and the heap still held after the load (the returned model: what a loadModel caller keeps),
 * both after forced GCs; throws unless it finds `errors` issues.
 */
function peakRssMb(file: string, errors = 0, root = PACKAGE_ROOT, heapLimitMb?: number, call = 'loadConfig'): { peakMb: number; retainedMb: number } | 'out of memory' {
  const entry = pathToFileURL(join(root, 'src', 'config', 'index.ts')).href;
  const script = `const { ${call}: load } = await import(${JSON.stringify(entry)}); gc(); const h0 = process.memoryUsage().heapUsed; ` +
    `const r = load(${JSON.stringify(file)}); const maxRss = process.resourceUsage().maxRSS; gc(); gc(); ` +
    `process.stdout.write(JSON.stringify({ errors: r.errors.length, first: r.errors[0], maxRss, retained: process.memoryUsage().heapUsed - h0 }));`;
  const limit = heapLimitMb ? [`--max-old-space-size=${heapLimitMb}`] : [];
  const r = spawnSync(process.execPath, [...limit, '--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: PACKAGE_ROOT });
  if (heapLimitMb && /heap out of memory|Reached heap limit/.test(r.stderr)) return 'out of memory';
  const out = JSON.parse(r.stdout || '{}') as { errors?: number; first?: unknown; maxRss?: number; retained?: number };
  if (out.maxRss === undefined || out.errors !== errors) throw new Error(`validating ${file} failed: ${r.stdout}${r.stderr}`.slice(0, 600));
  return { peakMb: out.maxRss / 1024, retainedMb: (out.retained ?? 0) / 1e6 };
}

/** A V8 old-space limit (MB) under which this loader validates the 40 MB configs and the baseline's does not. */
const HEAP_LIMIT_MB = 200;

function measured(r: { peakMb: number; retainedMb: number } | 'out of memory'): { peakMb: number; retainedMb: number } {
  if (r === 'out of memory') throw new Error('out of memory without a heap limit');
  return r;
}

/** The baseline commit's src/schema/hw-profiles in `dir` (node_modules linked), or undefined without git history. */
function baselineTree(dir: string): string | undefined {
  try {
    const root = join(dir, 'baseline');
    execSync(`mkdir -p ${JSON.stringify(root)} && git archive ${BASELINE_COMMIT} src schema hw-profiles package.json | tar -x -C ${JSON.stringify(root)}`, { cwd: PACKAGE_ROOT, stdio: 'ignore' });
    symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
    return root;
  } catch {
    return undefined;
  }
}

function memoryRows(): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-config-'));
  try {
    const files: Array<[string, string, number]> = [];
    const write = (name: string, text: string, what: string, errors = 0) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      files.push([what, f, errors]);
    };
    write('empty.yaml', 'cfm: {}\n', 'empty');
    const sp = generateSpConfig({ meps: 8192 });
    write('sp-8192.yaml', stringify(sp, { lineWidth: 0 }), '8,192-MEP config, YAML');
    write('sp-8192.json', JSON.stringify(sp, null, 2), '8,192-MEP config, JSON');
    const big = bigConfig(10);
    write('pe-x10.yaml', stringify(big, { lineWidth: 0 }), '10 x 8,192 MEPs, YAML');
    write('pe-x10.json', JSON.stringify(big), '10 x 8,192 MEPs, JSON');
    big.cfm['maintenance-domain'][1]['md-level'] = 9; // one schema issue: the error path (pointer, no tree)
    write('pe-x10-broken.yaml', stringify(big, { lineWidth: 0 }), '10 x 8,192 MEPs with one error, YAML', 1);
    const [, emptyFile] = files[0];
    const baseline = baselineTree(dir);
    const rows: BenchRow[] = [];
    // `cfm validate` (validateConfig, src/config/validate.ts: no model kept) next to loadConfig, in this run
    const { peakMb: vFloor } = measured(peakRssMb(emptyFile, 0, PACKAGE_ROOT, undefined, 'validateConfig'));
    for (const [what, f, errors] of files.slice(1)) {
      const sizeMb = statSync(f).size / 1e6;
      const { peakMb: peak } = measured(peakRssMb(f, errors, PACKAGE_ROOT, undefined, 'validateConfig'));
      const ratio = (peak - vFloor) / sizeMb;
      rows.push({
        case: `validate-only ${what} (${sizeMb.toFixed(1)} MB), validateConfig (cfm validate): peak RSS above an empty config`, value: peak - vFloor, unit: 'MB',
        note: `${ratio.toFixed(1)}x the file size; peak ${peak.toFixed(0)} MB, empty config ${vFloor.toFixed(0)} MB`,
        target: '<= 2x the file', met: ratio <= 2,
      });
    }
    for (const [label, root] of [['now', PACKAGE_ROOT], [`before (${BASELINE_COMMIT})`, baseline]] as const) {
      if (!root) {
        rows.push({ case: `validate, before (${BASELINE_COMMIT})`, value: 0, unit: 'MB', note: 'skipped: no git history to extract the baseline loader from' });
        continue;
      }
      const { peakMb: floor, retainedMb: floorHeld } = measured(peakRssMb(emptyFile, 0, root)); // floorHeld: ajv's compiled schema
      for (const [what, f, errors] of files.slice(1)) {
        const sizeMb = statSync(f).size / 1e6;
        const { peakMb: peak, retainedMb } = measured(peakRssMb(f, errors, root));
        const held = retainedMb - floorHeld;
        const ratio = (peak - floor) / sizeMb;
        const row: BenchRow = {
          case: `validate ${what} (${sizeMb.toFixed(1)} MB), ${label}: peak RSS above an empty config`, value: peak - floor, unit: 'MB',
          note: `${ratio.toFixed(1)}x the file size; peak ${peak.toFixed(0)} MB, empty config ${floor.toFixed(0)} MB; ` +
            `heap held after the load (the model) ${held.toFixed(0)} MB, ${(held / sizeMb).toFixed(1)}x`,
        };
        if (label === 'now') {
          row.target = '<= 3x the file';
          row.met = ratio <= 3;
        }
        rows.push(row);
      }
      // What the loader needs when V8 must collect: the valid 40 MB configs under a heap limit.
      for (const [what, f] of files.filter(([w, , e]) => e === 0 && w.startsWith('10 x'))) {
        const r = peakRssMb(f, 0, root, HEAP_LIMIT_MB);
        rows.push({
          case: `validate ${what} under --max-old-space-size=${HEAP_LIMIT_MB}, ${label}`, value: r === 'out of memory' ? 0 : r.peakMb - floor, unit: 'MB',
          note: r === 'out of memory' ? 'heap out of memory: does not validate' : `validates; peak RSS above an empty config ${((r.peakMb - floor) / (statSync(f).size / 1e6)).toFixed(1)}x the file size`,
        });
      }
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
