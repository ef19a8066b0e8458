// Builds the native parts (mock ASIC shared library, N-API addon) from source into build/Release
// with cmake-js. Runs from `npm install` in a checkout (prepare), from scripts/install.mjs in an
// installed package when no prebuild loads, or by hand: `npm run build:native`.
// Node headers come from the local install (nodedir or the running node's prefix): nothing is
// downloaded. CFM_DEBUG_NATIVE=1 builds build/Debug instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, root } from './lib/native-build.mjs';

if (!existsSync(join(root, 'CMakeLists.txt'))) process.exit(0);
const r = buildNative({ debug: Boolean(process.env.CFM_DEBUG_NATIVE) });
if (!r.ok) {
  console.error(`cfm-offload: building the native parts failed: ${r.cause}`);
  process.exit(1);
}
