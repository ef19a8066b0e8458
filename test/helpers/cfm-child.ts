/**
 * `cfm` as a child process (the CLI from source through tsx, so tests do not depend on a dist/
 * build), the one-MEP config those tests run on a Linux interface, and the software MEP at the
 * other end of the veth pair that MEP talks to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { encodeMaid } from '../../src/pdu/maid.js';

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

/**
 * A config of MD md1 ("Provider", level 5) with the given MA list entries and maintenance groups:
 * `mas` are the `maintenance-association` items (8 spaces in), `groups` the `maintenance-group`
 * items (4 spaces in), as the tests and the start-up bench write them.
 */
export function providerConfig(mas: readonly string[], groups: readonly string[]): string {
  return `cfm:
  maintenance-domain:
    - md-id: md1
      char-string: Provider
      md-level: 5
      maintenance-association:
${mas.join('\n')}
  maintenance-group:
${groups.join('\n')}
`;
}

/** MA `ma<i>` ("svc-<i>", MEPs 1 and 2) at `interval` (YANG name), `vid` when given. */
export function providerMa(i: number, interval = '100ms', vid?: number): string {
  return `        - { ma-id: ma${i}, char-string: svc-${i},${vid === undefined ? '' : ` vid: ${vid},`} ccm-interval: ${interval}, maintenance-association-mep: [1, 2] }`;
}

/** Group `g<i>` of MA `ma<i>`: one enabled down MEP `mepId` sending CCMs on `ifname`. */
export function providerGroup(i: number, ifname: string, mepId: number): string {
  return `    - maintenance-group-id: g${i}
      md-id: md1
      ma-id: ma${i}
      mep:
        - { mep-id: ${mepId}, direction: down, interface: ${ifname}, enabled: true, continuity-check: { ccm-enabled: true } }`;
}

/** MD md1 (level 5), MA ma1 (100 ms, MEPs 1 and 2), one down MEP `mepId` on `ifname`. */
export function oneMepConfig(ifname: string, mepId: number): string {
  return providerConfig([providerMa(1)], [providerGroup(1, ifname, mepId)]);
}

/**
 * The other MEP of oneMepConfig's MA: MEP `mepId` (default 2, expecting `peerMepId`, default 1)
 * as a software VOE on the B end of a veth pair, sending CCMs every 100 ms (interval code 3).
 * Close the returned backend when done.
 */
export async function startPeerMep(link: { ifB: string; nsB: string; macB: string }, mepId = 2, peerMepId = 1): Promise<SoftwareBackend> {
  const peer = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB });
  await peer.createVoe({
    key: 'peer', port: link.ifB, direction: 'down', level: 5, vlan: 0, unicastMac: link.macB, mepId,
    maid: encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-1' } }), interval: 3, priority: 7,
    peers: [peerMepId], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
  });
  return peer;
}
