/**
 * Entry point inside the qemu VM (see scripts/kernel/init.sh): runs the requested scenario(s)
 * and prints one CFM-RESULT line per check, then CFM-SUMMARY. Exit status 0 = all checks ok.
 */
import { runBridgeScenario } from './bridge.js';
import { runContractSteps } from './contract-steps.js';
import { runCpuProtectionScenario } from './cpu-protection.js';
import { runDevlinkScenario } from './devlink.js';
import { runEnginePeerScenario } from './engine-peer.js';
import { check, results } from './report.js';

const which = process.argv[2] ?? 'scenario';
const all: Record<string, () => Promise<void>> = {
  bridge: runBridgeScenario,
  'engine-peer': runEnginePeerScenario,
  'contract-steps': runContractSteps,
  devlink: runDevlinkScenario,
  'cpu-protection': runCpuProtectionScenario,
};
const order = which === 'scenario' ? Object.keys(all) : [which];

for (const name of order) {
  const fn = all[name];
  if (!fn) {
    await check(`unknown scenario ${name}`, () => {
      throw new Error(`no scenario '${name}' (have: ${Object.keys(all).join(', ')})`);
    });
    continue;
  }
  // A scenario that throws outside its checks is itself a failed check.
  await check(`scenario ${name} ran to the end`, fn);
}
const failed = results.filter((r) => !r.ok).map((r) => r.name);
process.stdout.write(`CFM-SUMMARY ${JSON.stringify({ total: results.length, failed })}\n`);
process.exit(failed.length === 0 ? 0 : 1);
