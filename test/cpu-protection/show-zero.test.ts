/**
 * `cfm cpu-protection counters` text with a binding that no frame has reached yet: the binding is
 * listed with zero counts (the JSON already showed it); before, the text said "no CPU-protection
 * counters" while the binding existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { formatCounters } from '../../src/cpu-protection/show.js';
import { writeStats } from '../../src/debug/state.js';
import { runCfm } from '../helpers/cli.js';
import { seedModel, trafficMix } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-cp-zero-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cpu-protection counters of a binding with no frames yet', () => {
  it('formatCounters: one row of the binding with zeros; with traffic, no such row', () => {
    const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate: true })));
    const fresh = eng.counters();
    expect(fresh.bindings.map((b) => b.binding)).toEqual(['default/swp4/100']);
    const text = formatCounters([fresh]);
    expect(text).not.toMatch(/no CPU-protection/);
    expect(text.split('\n')).toHaveLength(2);
    expect(text.split('\n')[1]).toMatch(/^software\s+default\/swp4\/100\s+-\s+\*\s+\*\s+\*\s+0\s+0$/);
    for (const s of trafficMix()) eng.admit('swp4', s.frame, s.atNs);
    expect(formatCounters([eng.counters()])).not.toMatch(/default\/swp4\/100\s+-\s/);
    expect(formatCounters([])).toBe('no CPU-protection bindings');
  });

  it('cfm cpu-protection counters from a state file: the binding with zeros, exit 0', async () => {
    const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate: true })));
    const state = join(dir, 'state');
    const q = { limit: 64, depth: 0, enqueued: 0, exceptions: 0, decoded: 0, invalid: 0, skipped: 0 };
    writeStats({ atIso: '2026-12-06T18:00:00.000Z', pid: 4242, debug: { rx: q, tx: q, tags: 0 }, cpuProtection: [eng.counters()] }, state);
    const r = await runCfm('cpu-protection', 'counters', '--state-dir', state);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^software\s+default\/swp4\/100\s+-\s+\*\s+\*\s+\*\s+0\s+0$/m);
  });
});
