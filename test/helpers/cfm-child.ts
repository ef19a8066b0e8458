/**
 * `cfm` as a child process (the CLI from source through tsx, so tests do not depend on a dist/
 * build) and the one-MEP config those tests run on a Linux interface.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface CfmChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start `cfm ARGS`; `done` resolves when it exits. */
export function spawnCfm(args: string[]): { child: ChildProcess; done: Promise<CfmChildResult> } {
  const code = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(['node', 'cfm', ...process.argv.slice(1)]); })`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code, ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CfmChildResult>((resolve) => child.on('close', (c) => resolve({ code: c, stdout, stderr })));
  return { child, done };
}

/** MD md1 (level 5), MA ma1 (100 ms, MEPs 1 and 2), one down MEP `mepId` on `ifname`. */
export function oneMepConfig(ifname: string, mepId: number): string {
  return `cfm:
  maintenance-domain:
    - md-id: md1
      char-string: Provider
      md-level: 5
      maintenance-association:
        - { ma-id: ma1, char-string: svc-1, ccm-interval: 100ms, maintenance-association-mep: [1, 2] }
  maintenance-group:
    - maintenance-group-id: g1
      md-id: md1
      ma-id: ma1
      mep:
        - { mep-id: ${mepId}, direction: down, interface: ${ifname}, enabled: true, continuity-check: { ccm-enabled: true } }
`;
}
