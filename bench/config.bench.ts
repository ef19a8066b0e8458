/**
 * Config loading cost (issue 3): read + parse + JSON-Schema + normalize + semantic checks of the
 * 1,000-MEP service-provider example, as YAML and as JSON, plus export. Median of several runs
 * after a warm-up (ajv compiles the schema once per process).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './run.js';
import { exportConfigText, loadConfig, parseConfig } from '../src/config/index.js';
import { PACKAGE_ROOT } from '../src/config/ajv.js';

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
    { case: 'load+validate sp-1000-meps.yaml (1,000 MEPs)', value: yamlMs, unit: 'ms', target: '< 1000', met: yamlMs < 1000, note: `${(yamlText.length / 1024).toFixed(0)} KiB YAML` },
    { case: 'load+validate the same config as JSON', value: jsonMs, unit: 'ms', target: '< 250', met: jsonMs < 250, note: `${(json.length / 1024).toFixed(0)} KiB JSON` },
    { case: 'per MEP (YAML)', value: (yamlMs * 1000) / 1000, unit: 'us/MEP' },
    { case: 'export model -> JSON', value: exportMs, unit: 'ms' },
  ];
}
