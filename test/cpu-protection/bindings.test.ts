/**
 * Binding lookup (port+VLAN before the port-wide binding), MP presence, and squelching per
 * binding.
 */
import { describe, expect, it } from 'vitest';
import { bindingFor, compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { Squelcher } from '../../src/cpu-protection/squelch.js';
import { cfmFrame, PEERS, seedModel } from './fixtures.js';

function model() {
  const m = seedModel({
    aggregate: true,
    squelch: '0-2',
    extra: '',
  });
  // a port-wide binding on swp4 (policy 2: drop everything) and one on swp1 without any MP
  m.cpuProtection.policies.push({ id: 2, overallRatePps: null, ethCfm: [{ entry: 1, levels: [0, 1, 2, 3, 4, 5, 6, 7], opcodes: [3], ratePps: 0 }] });
  m.cpuProtection.bindings.push(
    { key: 'default/swp4/0', switch: 'default', port: 'swp4', vlan: 0, policy: 2, ethCfmMonitoring: true, aggregate: true, macMonitoring: false, squelchIngressLevels: [7] },
    { key: 'default/swp1/0', switch: 'default', port: 'swp1', vlan: 0, policy: 2, ethCfmMonitoring: true, aggregate: true, macMonitoring: false, squelchIngressLevels: [] },
  );
  return m;
}

describe('binding lookup', () => {
  it('orders port+VLAN bindings before the port-wide one and finds the most specific', () => {
    const p = compileProtection(model());
    expect(p.bindings.map((b) => b.key)).toEqual(['default/swp1/0', 'default/swp4/100', 'default/swp4/0']);
    expect(bindingFor(p, 'swp4', 100)?.key).toBe('default/swp4/100');
    expect(bindingFor(p, 'swp4', 200)?.key).toBe('default/swp4/0');
    expect(bindingFor(p, 'swp4', 0)?.key).toBe('default/swp4/0');
    expect(bindingFor(p, 'swp2', 100)).toBeUndefined();
    // the MIP is on swp4 VLAN 100: the port-wide binding of swp4 covers it too; swp1 has no MP
    expect(p.bindings.map((b) => b.hasMp)).toEqual([false, true, true]);
  });

  it('polices each frame by its own binding', () => {
    const eng = new CpuProtectionEngine(compileProtection(model()));
    expect(eng.decide('swp4', cfmFrame(PEERS[0], 5, 3, 100), 0)).toMatchObject({ pass: true, binding: 'default/swp4/100', rule: 10 });
    expect(eng.decide('swp4', cfmFrame(PEERS[0], 5, 3, 200), 0)).toMatchObject({ pass: false, binding: 'default/swp4/0', rule: 1 });
    expect(eng.decide('swp4', cfmFrame(PEERS[0], 5, 3, 0), 0)).toMatchObject({ pass: false, binding: 'default/swp4/0', rule: 1 });
    expect(eng.decide('swp1', cfmFrame(PEERS[0], 5, 5, 0), 0)).toMatchObject({ pass: true, binding: 'default/swp1/0', rule: null });
    // not CFM: never policed
    const ip = cfmFrame(PEERS[0], 5, 3, 0);
    ip[12] = 0x08;
    ip[13] = 0x00;
    expect(eng.decide('swp4', ip, 0)).toMatchObject({ pass: true, binding: null });
  });

  it('squelches the binding\'s levels only', () => {
    const sq = new Squelcher(compileProtection(model()));
    expect(sq.drop('swp4', cfmFrame(PEERS[0], 2, 3, 100))).toBe(true);
    expect(sq.drop('swp4', cfmFrame(PEERS[0], 3, 3, 100))).toBe(false);
    expect(sq.drop('swp4', cfmFrame(PEERS[0], 7, 3, 100))).toBe(false); // level 7 is squelched port-wide only
    expect(sq.drop('swp4', cfmFrame(PEERS[0], 7, 3, 300))).toBe(true);
    expect(sq.drop('swp4', cfmFrame(PEERS[0], 1, 3, 300))).toBe(false);
    expect(sq.counters()).toEqual({ 'default/swp4/100': 1, 'default/swp4/0': 1 });
  });
});
