import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Layers only look down (docs/architecture.md): nothing under src/backends imports src/offload. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('layering', () => {
  it('no file under src/backends imports src/offload', () => {
    const root = join(import.meta.dirname, '..', '..');
    const offenders: string[] = [];
    for (const f of tsFiles(join(root, 'src', 'backends'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (/(^|\/)offload(\/|$)/.test(m[1])) offenders.push(`${relative(root, f)} -> ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
