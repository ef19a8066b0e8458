/** Telemetry sits above the manager: nothing below (offload, engine, backends, config, pdu...) imports it. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

it('only the CLI and the package root import src/telemetry', () => {
  const offenders = files(src)
    .filter((f) => !f.startsWith(join(src, 'telemetry')) && !f.startsWith(join(src, 'cli')) && f !== join(src, 'index.ts'))
    .filter((f) => /from '(\.\.?\/)+(\.\.\/)*telemetry\//.test(readFileSync(f, 'utf8')));
  expect(offenders).toEqual([]);
});

it('src/telemetry does not import the CLI', () => {
  const offenders = files(join(src, 'telemetry')).filter((f) => /from '(\.\.\/)+cli\//.test(readFileSync(f, 'utf8')));
  expect(offenders).toEqual([]);
});
