/**
 * The ARM suite for one target, shared by arm64.test.ts and armv7.test.ts (two files so vitest
 * runs the two emulated targets side by side on CI's two cores).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, boardPath, output, packRepo, run, tempDir } from '../package/pack.js';
import { NOT_UNDER_QEMU, armNode, installForArm, missingTools, qemuNode, type ArmTarget } from './qemu.js';

interface Probe {
  tag: string; arch: string; node: string; addonPath: string; mockPath: string; lo: { ifindex: number; mtu: number };
  timer: { samples: number; policy: string; allPositive: boolean }; policer: string;
  mock: { ports: number; portVoes: number; voe: unknown[] }; packet: string;
}

function parseProbe(stdout: string): Probe {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Probe;
}

export function armSuite(t: ArmTarget): void {
  describe(`${t.tag} under qemu-user (${t.qemu} -L ${t.sysroot})`, () => {
    let work: string;
    let path: string;
    let proj: string;
    let node: string;
    let koffiVersion: string;

    beforeAll(() => {
      const missing = missingTools(t);
      if (missing.length) throw new Error(`test:arm needs ${missing.join(', ')} (.ci/apt-packages, npm run prebuild)`);
      work = tempDir(`arm-${t.npmCpu}`);
      path = boardPath(work);
      node = armNode(t);
      proj = join(work, 'project');
      koffiVersion = installForArm(t, packRepo(work), proj, path);
      copyFileSync(join(REPO, 'test', 'arm', 'probe.mjs'), join(proj, 'probe.mjs'));
      console.log(`${t.tag}: Node ${t.nodeVersion} from npm ${t.nodePackage}, koffi binary @koromix/koffi-linux-${t.npmCpu}@${koffiVersion}; ${NOT_UNDER_QEMU}`);
    });

    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    // the probe runs once per target (Node starts in ~10 s under qemu); the tests read its result
    let probeRun: ReturnType<typeof qemuNode> | undefined;
    const probe = (): Probe => {
      probeRun ??= qemuNode(t, node, ['probe.mjs'], proj, path);
      expect(probeRun.status, output(probeRun)).toBe(0);
      return parseProbe(probeRun.stdout);
    };

    it(`runs the ARM Node (${t.nodePackage}@${t.nodeVersion}) for ${t.npmCpu}`, () => {
      const arm = probe();
      expect(`${arm.arch} ${arm.node}`).toBe(`${t.npmCpu} v${t.nodeVersion}`);
      const [maj, min] = t.nodeVersion.split('.').map(Number);
      if (maj === 20 && min < 17) console.log(`${t.tag}: Node ${t.nodeVersion} is below engines >=20.17: the newest ${t.npmCpu} Node on npm (and Debian 12 has 18.19)`);
    });

    it('loads the prebuilds: addon (interface info, timer thread, native policer) and the mock ASIC through koffi, deciding as on x64', () => {
      const ref = run(process.execPath, [join(REPO, 'test', 'arm', 'probe.mjs')], { cwd: REPO, path: process.env.PATH ?? '' });
      expect(ref.status, output(ref)).toBe(0);
      const x64 = parseProbe(ref.stdout);
      const arm = probe();
      expect(arm.tag).toBe(t.tag);
      expect(arm.addonPath).toBe(`node_modules/cfm-offload/prebuilds/${t.tag}/cfm_addon.node`);
      expect(arm.mockPath).toBe(`node_modules/cfm-offload/prebuilds/${t.tag}/libcfm_mock_asic.so`);
      expect(arm.lo).toEqual(x64.lo);
      expect(arm.lo.ifindex).toBe(1);
      expect(arm.timer).toEqual({ samples: 20, policy: 'other', allPositive: true });
      expect(arm.policer).toBe(x64.policer); // same pass/drop decisions, frame by frame
      expect(arm.policer).toMatch(/1/);
      expect(arm.policer).toMatch(/0/);
      expect(arm.mock).toEqual(x64.mock);
    });

    it('states what cannot run under qemu-user (AF_PACKET, bpf) instead of skipping it silently', () => {
      // the software datapath's socket: qemu-user refuses PACKET_AUXDATA, so it is tested on x64
      expect(probe().packet).toBe('error: setsockopt PACKET_AUXDATA (lo): Protocol not available');
      console.log(`${t.tag}: ${NOT_UNDER_QEMU}`);
    });

    it('cfm conformance passes on the ARM mock ASIC (struct layouts as on x64)', () => {
      const r = qemuNode(t, node, ['node_modules/cfm-offload/bin/cfm.js', 'conformance'], proj, path);
      expect(r.status, output(r)).toBe(0);
      expect(r.stdout).toMatch(/^conforms$/m);
    });

    it('cfm demo passes all its checks', () => {
      const r = qemuNode(t, node, ['node_modules/cfm-offload/bin/cfm.js', 'demo'], proj, path, 400_000);
      expect(r.status, output(r)).toBe(0);
      expect(r.stdout).toMatch(/^demo ok: \d+ checks passed$/m);
    });
  });
}
