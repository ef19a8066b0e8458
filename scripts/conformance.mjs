#!/usr/bin/env node
// The vendor C ABI conformance suite (test/conformance/abi-suite.ts) against a shim:
//   npm run conformance -- --sdk path/to/libshim.so [--args "key=value;..."]
// Without --sdk it runs against the mock ASIC (build it first: npm run build:native).
// Exit code 0 = the shim conforms; the vitest report names every failed rule.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => {
    const v = argv[++i];
    if (v === undefined) fail(`${a} needs a value`);
    return v;
  };
  if (a === '--sdk') env.CFM_CONFORMANCE_SDK = resolve(value());
  else if (a.startsWith('--sdk=')) env.CFM_CONFORMANCE_SDK = resolve(a.slice(6));
  else if (a === '--args') env.CFM_CONFORMANCE_ARGS = value();
  else if (a.startsWith('--args=')) env.CFM_CONFORMANCE_ARGS = a.slice(7);
  else if (a === '-h' || a === '--help') {
    console.log('usage: npm run conformance -- [--sdk path/to/libshim.so] [--args "key=value;..."]');
    process.exit(0);
  } else fail(`unknown argument '${a}'`);
}

function fail(msg) {
  console.error(`conformance: ${msg}`);
  process.exit(2);
}

if (env.CFM_CONFORMANCE_SDK && !existsSync(env.CFM_CONFORMANCE_SDK)) fail(`no such file: ${env.CFM_CONFORMANCE_SDK}`);
console.log(`conformance: ${env.CFM_CONFORMANCE_SDK ? `shim ${env.CFM_CONFORMANCE_SDK}` : 'mock ASIC'}${env.CFM_CONFORMANCE_ARGS ? ` (open args '${env.CFM_CONFORMANCE_ARGS}')` : ''}`);
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', 'test/conformance'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
