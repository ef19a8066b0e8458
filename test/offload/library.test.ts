/**
 * The library as a bring-up script uses it (issue 11 items 13, 14): a relative board profile path
 * resolves against the config file's directory; a MockAsicBackend passed to openSwitch with a
 * VirtualClock follows that clock; a loopback on a virtual clock nobody advances fails loudly.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import { openSwitch } from '../../src/offload/api.js';
import { runVirtual } from '../../src/offload/sim/run.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-lib-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PROFILE = new URL('../../hw-profiles/mock-default.json', import.meta.url).pathname;

function oneMepConfig(board: string): string {
  return [
    board,
    'cfm:',
    '  maintenance-domain:',
    '    - md-id: d',
    '      md-level: 3',
    '      maintenance-association:',
    '        - { ma-id: a, char-string: A, ccm-interval: 100ms, maintenance-association-mep: [1, 2] }',
    '  maintenance-group:',
    '    - { maintenance-group-id: g, md-id: d, ma-id: a, mep: [ { mep-id: 1, interface: p0, direction: down, enabled: true, mac-address: 02-00-00-00-00-01, continuity-check: { ccm-enabled: true } } ] }',
    '',
  ].join('\n');
}

describe('openSwitch (library)', () => {
  it('a relative board.profile path resolves against the config file, not the working directory', async () => {
    mkdirSync(join(dir, 'profiles'), { recursive: true });
    copyFileSync(PROFILE, join(dir, 'profiles', 'mock-default.json'));
    const cfg = join(dir, 'rel.yaml');
    writeFileSync(cfg, oneMepConfig('board: { name: b, profile: profiles/mock-default.json }'));
    expect(process.cwd()).not.toBe(dir);
    const sw = openSwitch({ config: cfg, clock: new VirtualClock() });
    try {
      expect(sw.profile.name).toBe('mock-default');
      expect(sw.plan().meps[0].ccm).toBe('hardware');
    } finally {
      await sw.close();
    }
  });

  it('a MockAsicBackend passed with a VirtualClock runs its hardware MEPs without attachVirtualClock', async () => {
    const cfg = join(dir, 'one.yaml');
    writeFileSync(cfg, oneMepConfig('board: { name: b, profile: mock-default }'));
    const clock = new VirtualClock();
    const backend = new MockAsicBackend({ ports: ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'] });
    const sw = openSwitch({ config: cfg, backend, clock });
    try {
      const rep = await sw.apply();
      expect(rep.plan.meps[0].ccm).toBe('hardware');
      await runVirtual(clock, 1e9, 10e6);
      const st = await sw.status();
      expect(st.meps[0].counters?.ccmTx ?? 0).toBeGreaterThanOrEqual(9);
    } finally {
      await sw.close({ clearHardware: true });
      await backend.close();
    }
  });

  it('a real-time mock with a VirtualClock is refused at once', async () => {
    const cfg = join(dir, 'one.yaml');
    const backend = new MockAsicBackend({ ports: ['p0'], realTime: true });
    try {
      expect(() => openSwitch({ config: cfg, backend, clock: new VirtualClock() })).toThrow(/real-time mock ASIC .* cannot follow the VirtualClock/);
    } finally {
      await backend.close();
    }
  });

  it('await loopback() on a virtual clock nothing advances fails with an error instead of hanging', async () => {
    const cfg = join(dir, 'one.yaml');
    const sw = openSwitch({ config: cfg, clock: new VirtualClock() });
    try {
      await sw.apply();
      await expect(sw.loopback('d/a/1', { count: 1, target: '02-00-00-00-00-02' })).rejects.toThrow(/virtual clock that did not advance/);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});
