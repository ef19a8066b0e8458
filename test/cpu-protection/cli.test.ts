/**
 * `cfm cpu-protection show|counters` and `cfm debug tag|untag|show|dump`, run in process through
 * the CLI's main(): output, state files, and clear errors with a non-zero exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';
import { readTags, writeStats } from '../../src/debug/state.js';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { seedConfig, seedModel, trafficMix } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-ops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cfgFile = join(dir, 'seed.yaml');
writeFileSync(cfgFile, seedConfig({ aggregate: true, squelch: '0-1' }));
const state = join(dir, 'state');

const cfm = runCfm;

describe('cfm cpu-protection show', () => {
  it('lists the policy, the six combinations of entry 10, the binding and where it is enforced', async () => {
    const r = await cfm('cpu-protection', 'show', cfgFile, '--policers', '8');
    expect(r.code).toBe(0);
    expect(r.out).toContain('entry 10 level 5-7 opcode 3,5 rate 1 pps: 6 combinations');
    for (const l of [5, 6, 7]) for (const op of ['3 LBM', '5 LTM']) expect(r.out).toContain(`level ${l} opcode ${op} rate 1`);
    expect(r.out).toContain('entry 20 level 0-7 opcode 0-255 rate 0 (drop): 2048 combinations');
    expect(r.out).toContain('binding swp4:100 (default): policy 1, eth-cfm-monitoring aggregate, squelch levels 0-1');
    expect(r.out).toContain('enforced: hardware (7 backend policers)');
    expect(r.out).toMatch(/#6 default\/swp4\/100 entry 20 levels 0-7 opcodes 0-255 rate 0/);
  });

  it('says why a binding falls back to software', async () => {
    const r = await cfm('cpu-protection', 'show', cfgFile, '--policers', '2', '--native');
    expect(r.out).toContain('enforced: native (native policer on the AF_PACKET path: needs 7 policers, 2 of 2 free)');
    const j = JSON.parse((await cfm('cpu-protection', 'show', cfgFile, '--json')).out) as { enforcement: { bindings: Array<{ enforcement: string }> } };
    expect(j.enforcement.bindings[0].enforcement).toBe('software');
  });

  it('rejects an invalid config and a bad option with a message and no stack', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, seedConfig({ aggregate: true }).replace('cpu-protection: 1, eth-cfm-monitoring', 'cpu-protection: 1, mac-monitoring: true, eth-cfm-monitoring'));
    const r = await cfm('cpu-protection', 'show', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/eth-cfm-monitoring and mac-monitoring cannot both be set/);
    expect(r.err).not.toMatch(/\n\s+at /);
    const u = await cfm('cpu-protection', 'show', cfgFile, '--policers', 'many');
    expect(u.code).toBe(2);
    expect(u.err).toContain("--policers must be a non-negative integer, not 'many'");
  });
});

describe('cfm debug tag/untag/show/dump (state file)', () => {
  it('persists tags, validates them against a config, and removes them', async () => {
    let r = await cfm('debug', 'tag', 'mip', 'swp4', 'level', '5', 'vlan', '100', 'direction', 'rx', '--config', cfgFile, '--state-dir', state);
    expect(r.code).toBe(0);
    expect(readTags(state)).toEqual([{ kind: 'mip', switch: 'default', port: 'swp4', vlan: 100, level: 5, mipKey: 'default/swp4/100/5', direction: 'rx' }]);
    r = await cfm('debug', 'tag', 'mep', '1', 'domain', '3', 'association', '3', '--state-dir', state);
    expect(r.code).toBe(0);
    expect(readTags(state)).toHaveLength(2);
    r = await cfm('debug', 'show', '--config', cfgFile, '--state-dir', state);
    expect(r.out).toContain('mip default/swp4/100/5 on swp4.100 level 5 (rx)');
    expect(r.out).toContain('mep 3/3/1 (both) -- debug tag: MEP 1 of domain 3 association 3 is not a local MEP');
    r = await cfm('debug', 'untag', 'mep', '1', 'domain', '3', 'association', '3', '--state-dir', state);
    expect(r.code).toBe(0);
    expect(readTags(state)).toHaveLength(1);
  });

  it('rejects bad tag words and MPs missing from the config', async () => {
    let r = await cfm('debug', 'tag', 'mep', '1', 'domain', '3', '--state-dir', state);
    expect(r.code).toBe(2);
    expect(r.err).toContain('domain and association are required');
    r = await cfm('debug', 'tag', 'mip', 'swp4', 'level', '9', '--state-dir', state);
    expect(r.err).toContain("level must be an integer 0..7, not '9'");
    r = await cfm('debug', 'tag', 'mip', 'swp3', 'level', '5', '--config', cfgFile, '--state-dir', state);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no MIP on swp3 VLAN 0 level 5');
    r = await cfm('debug', 'untag', 'mip', 'swp1', 'level', '1', '--state-dir', state);
    expect(r.err).toContain('mip default/swp1/0/1 is not tagged');
  });

  it('dump and counters read what a running process wrote', async () => {
    const empty = join(dir, 'empty');
    const none = await cfm('debug', 'dump', '--state-dir', empty);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no statistics in');
    const eng = new CpuProtectionEngine(compileProtection(seedModel({ aggregate: true })));
    for (const s of trafficMix()) eng.admit('swp4', s.frame, s.atNs);
    const q = { limit: 64, depth: 0, enqueued: 70, exceptions: 12, decoded: 69, invalid: 1, skipped: 3 };
    writeStats({ atIso: '2026-11-23T20:00:00.000Z', pid: 4242, debug: { rx: q, tx: { ...q, exceptions: 0 }, tags: 1 }, cpuProtection: [eng.counters()] }, state);
    const d = await cfm('debug', 'dump', '--state-dir', state);
    expect(d.out).toContain('rx  limit 64  depth 0  enqueued 70  decoded 69  invalid 1  skipped 3  queue exceptions 12');
    expect(d.out).toContain('tx  limit 64');
    const c = await cfm('cpu-protection', 'counters', '--state-dir', state);
    expect(c.out).toMatch(/software\s+default\/swp4\/100\s+10\s+5\s+3\s+aggregate\s+3\s+297/);
    const cj = JSON.parse((await cfm('cpu-protection', 'counters', '--state-dir', state, '--json')).out) as { summary: Array<{ perEntry: Record<string, unknown> }> };
    expect(cj.summary[0].perEntry['default/swp4/100 entry 20']).toEqual({ passed: 0, dropped: 355 });
  });
});
