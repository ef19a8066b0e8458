import { spawnSync } from 'node:child_process';

/**
 * Whether tshark can run here, for the tests that read our frames with Wireshark. Without it a
 * test is skipped with a loud line naming it; under CI (CI=true, where .ci/apt-packages installs
 * tshark) its absence is a failure, never a skip.
 */
export function tsharkGate(what: string): boolean {
  if (spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0) return true;
  const msg = `tshark is not installed: ${what} is SKIPPED (apt-get install tshark; it runs in CI)`;
  console.warn(`\n*** ${msg} ***\n`);
  if (process.env.CI) throw new Error(`CI=true but ${msg}`);
  return false;
}
