/**
 * Where the mock ASIC library is: $CFM_MOCK_ASIC_LIB, else build/Release/libcfm_mock_asic.so
 * (what `npm run build:native` produces) found by walking up from this module, so it resolves
 * both from src/ (tests run TypeScript directly) and from dist/ (the built CLI).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfmError } from '../../common/errors.js';

export const MOCK_LIB_NAME = 'libcfm_mock_asic.so';

export function findMockAsicLib(): string | null {
  const env = process.env.CFM_MOCK_ASIC_LIB;
  if (env) return existsSync(env) ? env : null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const cfg of ['Release', 'Debug']) {
      const p = join(dir, 'build', cfg, MOCK_LIB_NAME);
      if (existsSync(p)) return p;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

export function mockAsicLibPath(): string {
  const p = findMockAsicLib();
  if (!p) {
    throw new CfmError(
      'BACKEND',
      `mock ASIC library ${MOCK_LIB_NAME} not found (run \`npm run build:native\`, or set CFM_MOCK_ASIC_LIB)`,
    );
  }
  return p;
}
