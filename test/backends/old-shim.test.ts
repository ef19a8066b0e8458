/**
 * An older vendor shim (only the mandatory calls of cfm_asic.h, none of the optional groups:
 * generation, tx_seq, event_fd, pm) still loads: the binding sees every group absent, the vendor
 * backend opens and runs VOEs without hardware PM (capabilities().pmOffload absent, so the planner
 * keeps DM / LM on the CPU), and the conformance suite skips the optional rules with the reason.
 * The shim is built here from test/backends/fixtures/shim_core_only.c; it forwards to the mock
 * ASIC opened with RTLD_LOCAL, so none of the mock's newer symbols show through it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAsicLib, mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { AsicDevice } from '../../src/backends/asic-binding/device.js';
import { TickClock, runClock } from './clock-rig.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { ABI_RULES, MOCK_SHAPES, formatResult, runTarget } from '../../src/conformance/index.js';
import { hwResources } from '../../src/offload/resources.js';
import { loadProfile } from '../../src/profiles/index.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string;
let shim: string;
/** The mock behind the shim would announce its PM functions in caps.flags; a shim of before the
 * "pm" group has no such bits (cfm_asic.h CFM_CAP_PM_*). */
const OLD_ARGS = `${MOCK_SHAPES.big};pm_dm=0;pm_lm=0;inject=4`; // the device behind it has an injector; the shim does not offer it

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfm-old-shim-'));
  shim = join(dir, 'libshim_core_only.so');
  execFileSync('cc', [
    '-shared', '-fPIC', '-O1', '-I', join(here, '..', '..', 'native', 'asic'), `-DMOCK_PATH="${mockAsicLibPath()}"`,
    '-o', shim, join(here, 'fixtures', 'shim_core_only.c'), '-ldl',
  ]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a shim without the optional groups', () => {
  it('loads with every optional group absent', () => {
    const lib = loadAsicLib(shim);
    expect([lib.generation, lib.txSeq, lib.eventFd, lib.pm, lib.inject, lib.timeGet, lib.mock]).toEqual([null, null, null, null, null, null, null]);
  });

  it('opens as a vendor backend and runs a VOE; no hardware PM, so a DM/LM profile plans PM on the CPU', async () => {
    const b = new VendorBackend({ libPath: shim, args: OLD_ARGS });
    try {
      const caps = b.capabilities();
      expect(caps.pmOffload).toBeUndefined();
      expect(b.injector, 'no "inject" group: software MEPs keep the engine timers').toBeUndefined();
      expect(b.setVoePm).toBeDefined(); // the method exists; the device has no calls behind it
      const h = await b.createVoe({
        key: 'old/1', port: b.ports()[0], direction: 'down', level: 3, vlan: 0, unicastMac: '02:00:00:00:00:01', mepId: 1,
        maid: Uint8Array.from([1, 2, 2, 0x6f, 0x6c, ...new Array<number>(43).fill(0)]), interval: 4, priority: 7, peers: [2],
        ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
      });
      await expect(b.setVoePm(h, { dm: true, lm: false })).rejects.toThrow(/no cfm_voe_pm_set \(optional "pm" group\)/);
      const res = hwResources(loadProfile('broadcom-xgs'), caps);
      expect([res.offload.dm, res.offload.lm]).toEqual([false, false]);
      expect(res.offloadReasons?.dm).toBe('backend vendor has no hardware DM (vendor C ABI group "pm")');
    } finally {
      await b.close();
    }
  });

  it('without the "clock" group receive times are learnt from the frames: device origin +1 h, -150 ppm', async () => {
    // the mock behind the shim (same library, same instance) stands for the device: the test
    // moves its counter and puts frames on its port through a handle with the mock extensions
    const instance = `old-shim-clock-${process.pid}`;
    const clock = new TickClock(5e9, 30_000);
    const b = new VendorBackend({ libPath: shim, args: `instance=${instance};time0_s=3600`, calls: 'sync', pollIntervalMs: 3_600_000, clock });
    const dev = AsicDevice.open(mockAsicLibPath(), `instance=${instance}`);
    try {
      expect(b.device.hasTimeGet).toBe(false);
      const run = await runClock({ backend: b, device: dev, clock, originNs: 3600e9, ppm: -150, durationNs: 20e9, pollNs: 5e6, framesEvery: 7, seed: 11 });
      expect(new Set(run.sources)).toEqual(new Set(['frames']));
      expect(Math.min(...run.rawErrorsNs)).toBeGreaterThan(3590e9); // the raw device time: an hour off
      run.errorsNs.forEach((e, i) => expect(Math.abs(e), `frame ${i}`).toBeLessThanOrEqual(run.boundsNs[i]));
      expect(Math.max(...run.afterReadNs)).toBeLessThanOrEqual(0); // never after the read
      // the bound: a 5 ms poll (+ the host reads around a drain) + 200 ppm over the 2 s window
      const later = run.boundsNs.slice(1);
      expect(Math.max(...later)).toBeLessThan(5e6 + 200e3 + 400e3);
      // what it really is: the smallest read delay in the window (here a few hundred µs at most)
      expect(Math.max(...run.errorsNs.slice(40).map(Math.abs))).toBeLessThan(1e6);
    } finally {
      await b.close();
      dev.close();
    }
  });

  it('passes conformance with the optional rules skipped, pm among them', async () => {
    const report = await runTarget(ABI_RULES, { label: 'old shim', libPath: shim, openArgs: OLD_ARGS });
    const failed = report.results.filter((r) => r.outcome === 'fail');
    expect(failed.map(formatResult)).toEqual([]);
    const pm = report.results.find((r) => r.id === 'optional.pm')!;
    expect(pm.outcome).toBe('skip');
    expect(pm.reason).toMatch(/no cfm_voe_pm_set/);
    const inj = report.results.find((r) => r.id === 'optional.inject')!;
    expect([inj.outcome, inj.reason]).toEqual(['skip', expect.stringMatching(/no cfm_inject_\* calls/)]);
  });
});
