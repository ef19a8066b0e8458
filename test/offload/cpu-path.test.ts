/**
 * Issue 11 items 6 and 16 (planner): a backend without a CPU frame path (capabilities().frameIo
 * false) gets no software MEPs or MIPs: each is refused at plan time with a reason, the hardware
 * MEPs apply and run, and nothing is sent for the refused ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { loadProfile } from '../../src/profiles/index.js';
import { openBackend, openSwitch, planConfig } from '../../src/offload/api.js';
import { runCfm } from '../helpers/cli.js';
import { groupItem, maItem, mepItem, mockBoardConfig } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-cpu-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = mockBoardConfig(5, [maItem('a', 100, '100ms', [1, 2]), maItem('s', 200, '10sec', [1, 2])], [
  groupItem('g', 'a', [mepItem(1, 'p1', 'down')]),
  groupItem('g2', 's', [mepItem(1, 'p2', 'down', '', 2)]),
], ['  mip:', '    - { interface: p3, md-level: 7, vid: 100 }']);

const cfg = join(dir, 'c.yaml');
writeFileSync(cfg, CONFIG);
const SHIM = `vendor:${mockAsicLibPath()}`;
const NO_FRAME_IO = 'ports=8;port_voes=8;service_voes=8;frame_io=0';
const WHY = 'backend vendor has no CPU frame path (capabilities().frameIo false)';

describe('a backend without a CPU frame path', () => {
  it('the planner refuses software MEPs and MIPs with a reason each, keeps hardware MEPs', async () => {
    const b = openBackend(SHIM, { vendorArgs: NO_FRAME_IO });
    const caps = b.capabilities();
    await b.close();
    expect(caps.frameIo).toBe(false);
    const p = planConfig(cfg, loadProfile('mock-default'), { capabilities: caps });
    expect(p.meps.map((m) => [m.key, m.ccm])).toEqual([['d/a/1', 'hardware']]);
    expect(p.mips).toEqual([]);
    expect(p.refused).toEqual([
      { key: 'd/s/1', kind: 'mep', reason: `needs the CPU path (interval 10s not in hardware intervals 3.33ms..1s): ${WHY}` },
      { key: 'default/p3/100/7', kind: 'mip', reason: `a MIP runs on the CPU path: ${WHY}` },
    ]);
    expect(p.violations).toEqual([]);
    // the hardware MEP's functions that would need the CPU say so
    expect(p.meps[0].functions.loopback.reason).toBe(`not available: mock-default does not offload LBM/LBR, and ${WHY}`);
  });

  it('the same config plans both in software with a frame path (the refusal comes from frameIo)', () => {
    const p = planConfig(cfg, loadProfile('mock-default'));
    expect(p.meps.map((m) => [m.key, m.ccm])).toEqual([['d/a/1', 'hardware'], ['d/s/1', 'software']]);
    expect(p.refused).toEqual([]);
  });

  it('apply programs the hardware MEP, starts nothing for the refused ones, and the CLI shows why', async () => {
    const sw = openSwitch({ config: cfg, backend: SHIM, vendorArgs: NO_FRAME_IO });
    try {
      const rep = await sw.apply();
      expect(rep.ops.map((o) => `${o.kind} ${o.key}`)).toEqual(['create d/a/1']);
      expect(rep.softwareStarted).toEqual([]);
      expect(sw.manager.placementOf('d/s/1')).toBeUndefined();
      const st = await sw.status();
      expect(st.meps.map((m) => m.key)).toEqual(['d/a/1']);
      expect(st.mips ?? []).toEqual([]);
      expect((await sw.backend.listVoes()).map((v) => v.spec.key)).toEqual(['d/a/1']);
    } finally {
      await sw.close({ clearHardware: true });
    }
    const r = await runCfm('apply', cfg, '--backend', SHIM, '--vendor-args', NO_FRAME_IO);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`REFUSED: MEP d/s/1: needs the CPU path (interval 10s not in hardware intervals 3.33ms..1s): ${WHY}`);
    expect(r.out).toContain(`REFUSED: MIP default/p3/100/7: a MIP runs on the CPU path: ${WHY}`);
    expect(r.out).toContain('1 create');
  });
});
