/**
 * The devlink trap-policer mapping (switchdev CPU protection), checked byte for byte against
 * hand-assembled generic netlink requests. The live check against netdevsim in the qemu kernel
 * is not in this suite (see docs/cpu-protection.md).
 */
import { describe, expect, it } from 'vitest';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { bindingBudgetPps, devlinkCeiling, devlinkRequests, NETDEVSIM_LIMITS, type DevlinkPolicerClient } from '../../src/cpu-protection/devlink.js';
import type { DevlinkClient } from '../../src/devlink/index.js';

// applyDevlinkCeiling takes src/devlink's client as is (checked by the compiler).
export const clientFits: (c: DevlinkClient) => DevlinkPolicerClient = (c) => c;
import { seedModel } from './fixtures.js';

/** netlink attribute: u16 len, u16 type, value, zero pad to 4. */
function nla(type: number, value: number[]): number[] {
  const len = 4 + value.length;
  const out = [len & 0xff, len >> 8, type & 0xff, type >> 8, ...value];
  while (out.length % 4) out.push(0);
  return out;
}
const cstr = (s: string) => [...Buffer.from(s, 'latin1'), 0];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const le64 = (v: number) => [...le32(v), 0, 0, 0, 0];
function genl(family: number, seq: number, cmd: number, attrs: number[][]): Uint8Array {
  const body = [cmd, 1, 0, 0, ...attrs.flat()];
  const len = 16 + body.length;
  return Uint8Array.from([...le32(len), family & 0xff, family >> 8, 5, 0, ...le32(seq), ...le32(0), ...body]);
}

const H = { bus: 'netdevsim', dev: 'netdevsim1' };

describe('devlink trap policer ceiling', () => {
  it('seed policy, aggregate: 6 combinations x 1 pps, entry 20 catches the rest -> 6 pps, burst 8', () => {
    const p = compileProtection(seedModel({ aggregate: true }));
    expect(bindingBudgetPps(p.bindings[0])).toBe(6);
    const c = devlinkCeiling(p, { group: 'l2_drops', policerId: 1 });
    expect(c).toMatchObject({ ratePps: 6, burst: 8, policerId: 1, group: 'l2_drops' });
    const [pol, grp] = devlinkRequests(0x15, 7, H, c);
    expect(pol).toEqual(genl(0x15, 7, 70, [nla(1, cstr('netdevsim')), nla(2, cstr('netdevsim1')), nla(142, le32(1)), nla(143, le64(6)), nla(144, le64(8))]));
    expect(grp).toEqual(genl(0x15, 8, 66, [nla(1, cstr('netdevsim')), nla(2, cstr('netdevsim1')), nla(135, cstr('l2_drops')), nla(142, le32(1))]));
    expect(pol.length).toBe(84);
  });

  it('per-peer rates give no ceiling: the group is unbound (policer 0)', () => {
    const c = devlinkCeiling(compileProtection(seedModel({ aggregate: false })), { group: 'l2_drops', policerId: 1 });
    expect(c.ratePps).toBeNull();
    expect(c.notes[0]).toMatch(/unbounded/);
    expect(devlinkRequests(0x15, 1, H, c)).toEqual([genl(0x15, 1, 66, [nla(1, cstr('netdevsim')), nla(2, cstr('netdevsim1')), nla(135, cstr('l2_drops')), nla(142, le32(0))])]);
  });

  it('overall rate counts when no entry catches everything; clamped to the driver range', () => {
    const m = seedModel({ aggregate: true, overallRate: 9000 });
    m.cpuProtection.policies[0].ethCfm.pop();
    const c = devlinkCeiling(compileProtection(m), { group: 'l2_drops', policerId: 2, limits: NETDEVSIM_LIMITS });
    expect(c.ratePps).toBe(8000);
    expect(c.burst).toBe(8000);
    expect(c.notes).toContain('rate 9006 pps capped to the driver maximum 8000');
  });
});
