/**
 * `npm run test:kernel`: a real kernel with bridge CFM and netdevsim under qemu (TCG).
 * scripts/kernel/run-vm.sh builds (or reuses) the kernel and the initramfs and boots it; the
 * programs in test/kernel/vm/ print one `CFM-RESULT {json}` line per check on the serial console
 * and this test asserts each. A second boot runs the shared backend contract suite under vitest
 * inside the VM. In CI (CI=true) missing prerequisites fail the test instead of skipping it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const missing: string[] = [];
if (!have('qemu-system-x86_64')) missing.push('qemu-system-x86 (apt)');
if (!existsSync('/usr/src/linux-source-6.12.tar.xz')) missing.push('linux-source-6.12 (apt)');
if (!existsSync('/bin/busybox')) missing.push('busybox-static (apt)');
if (!have('cpio')) missing.push('cpio (apt)');
if (!existsSync(join(root, 'build', 'Release', 'cfm_addon.node'))) missing.push('the native addon (npm run build:native)');
const inCi = process.env.CI === 'true';
if (missing.length > 0) {
  console.warn(`SKIPPED test/kernel (qemu kernel test): missing ${missing.join(', ')}`);
}

interface Result {
  name: string;
  ok: boolean;
  detail: unknown;
  ms?: number;
}

function boot(run: string, timeoutS: number): { out: string; results: Map<string, Result>; exit: number | undefined } {
  const r = spawnSync(join(root, 'scripts', 'kernel', 'run-vm.sh'), [run, String(timeoutS)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: (timeoutS + 1200) * 1000, // + kernel build on a cold cache
  });
  const out = `${r.stdout ?? ''}`;
  if (r.status !== 0 && !out.includes('CFM-VM-EXIT')) {
    console.error(`run-vm.sh ${run} failed (status ${r.status}):\n${r.stderr?.slice(-4000)}\n${out.slice(-4000)}`);
  }
  const results = new Map<string, Result>();
  for (const line of out.split(/\r?\n/)) {
    const i = line.indexOf('CFM-RESULT ');
    if (i >= 0) {
      const res = JSON.parse(line.slice(i + 'CFM-RESULT '.length)) as Result;
      results.set(res.name, res);
    }
  }
  const m = /CFM-VM-EXIT (\d+)/.exec(out);
  return { out, results, exit: m ? Number(m[1]) : undefined };
}

/** Every check the VM programs must report (names as printed by test/kernel/vm/*.ts). */
const EXPECTED = [
  'kernel: empty CFM request accepted (bridge CFM present)',
  'kernel: unknown instance -> ENOENT with extack',
  'kernel: Up-MEP refused with EINVAL "Up-MEP not supported"',
  'kernel: TLV value as u32 instead of u8 -> EINVAL',
  'kernel: MAID longer than 48 bytes -> ERANGE',
  'backend: capabilities say what the kernel cannot do',
  'backend: MEPs created on both bridges',
  'sessions come up (no LOC, peers seen, TLVs received)',
  'CCMs on the wire carry the configured fields',
  'RDI set on B is seen by A (event + status + wire)',
  'link down -> LOC notification -> fault event; link up -> cleared',
  'keep-alive: transmission continues beyond PERIOD (3 s)',
  'without keep-alive the kernel stops sending after PERIOD -> peer LOC',
  'adoption: a restarted backend finds its MEP by key; re-applying the spec restarts CCM TX',
  'a CCM with another MAID is dropped by the kernel (looks like LOC)',
  'one MEP per port; up/VLAN MEPs refused before the kernel is asked',
  'delete: MEPs gone from the kernel',
  'scenario bridge ran to the end',
  'kernel MEP receiving our engine MEP\'s CCMs: peer seen, SEQ_UNEXP_SEEN stays 0 (first CCM 1)',
  'scenario engine-peer ran to the end',
  'contract: sane capabilities and ports',
  'contract: creates, lists, reads back, updates and deletes VOEs',
  'contract: rejects bad input and unknown handles with typed errors',
  'contract: refuses an interval the backend does not check (3.33 ms)',
  'contract: a full table (one MEP per port) is a typed error',
  'contract: raises LOC for a silent peer and reports it in the status',
  'scenario contract-steps ran to the end',
  'devlink: family resolved, device listed',
  'devlink: dev info names the driver and firmware',
  'devlink: ports with their netdevs',
  'profile detect: netdevsim -> software; --profile wins',
  'trap policers: defaults read back',
  'trap policer set/get, limits inclusive',
  'trap policer out of range -> EINVAL with extack',
  'trap policer unknown id -> ENOENT',
  'trap group -> policer binding and unbinding',
  'counters: policer drops and trap/group packets move',
  'fault injection: a failing driver set is reported with its errno',
  'scenario devlink ran to the end',
  'cpu-protection -> devlink: the seed policy (aggregate) puts a 6 pps ceiling on the trap group',
  'cpu-protection -> devlink: a per-peer policy has no ceiling: the group is unbound',
  'scenario cpu-protection ran to the end',
];

describe.skipIf(missing.length > 0 && !inCi)('real kernel under qemu: bridge CFM, netdevsim devlink', () => {
  let vm: ReturnType<typeof boot>;

  beforeAll(() => {
    expect(missing, 'prerequisites').toEqual([]);
    vm = boot('scenario', 900);
  });

  it('booted and ran every scenario', () => {
    expect(vm.out).toContain('CFM-VM-BOOTED');
    expect(vm.exit, vm.out.slice(-3000)).toBeDefined();
  });

  it.each(EXPECTED)('%s', (name) => {
    const r = vm.results.get(name);
    expect(r, `check "${name}" did not run`).toBeDefined();
    expect(r!.ok, JSON.stringify(r!.detail)).toBe(true);
  });

  it('reported no check beyond the expected list failing', () => {
    const failed = [...vm.results.values()].filter((r) => !r.ok).map((r) => `${r.name}: ${JSON.stringify(r.detail)}`);
    expect(failed).toEqual([]);
    expect(vm.exit).toBe(0);
  });
});

describe.skipIf(missing.length > 0 && !inCi)('real kernel under qemu: the shared backend contract suite (vitest in the VM)', () => {
  it('passes', () => {
    const vm = boot('contract', 1200);
    const tail = vm.out.slice(-6000);
    expect(vm.exit, tail).toBe(0);
    expect(vm.out).toMatch(/Tests\s+.*passed/);
    expect(vm.out).not.toMatch(/Tests\s+.*failed/);
  });
});
