/**
 * Builds a vendor-shim fixture (test/conformance/fixtures/NAME.c) into a shared library linked to
 * the mock ASIC, with the C compiler `npm install` needs anyway: the shim overrides one call and
 * forwards the rest to the mock, so a conformance run over it shows what that one call breaks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface BuiltShim {
  /** The shared library (lib<fixture>.so) in a fresh temporary folder. */
  libPath: string;
  /** Removes the temporary folder. */
  remove(): void;
}

export function buildShim(fixture: string): BuiltShim {
  const dir = mkdtempSync(join(tmpdir(), `cfm-${fixture}-`));
  try {
    const mock = mockAsicLibPath();
    const libPath = join(dir, `lib${fixture}.so`);
    execFileSync('cc', [
      '-shared', '-fPIC', '-O1', '-I', join(here, '..', '..', 'native', 'asic'), '-o', libPath, join(here, 'fixtures', `${fixture}.c`),
      '-L', dirname(mock), `-Wl,-rpath,${dirname(mock)}`, '-Wl,--no-as-needed', '-lcfm_mock_asic', '-ldl',
    ]);
    return { libPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
