/**
 * Inside the VM: ETH-CFM CPU protection on Linux switchdev hardware maps to a devlink trap
 * policer ceiling (src/cpu-protection/devlink.ts). The seed 002 policy (entry 10 level 5-7
 * opcode 3,5 rate 1; entry 20 level 0-7 opcode 0-255 rate 0), aggregate, admits at most 6 pps:
 * netdevsim must end with that policer (burst raised to its minimum of 8) bound to the trap
 * group, and with the group unbound again when the policy becomes unbounded (per peer).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { compileProtection } from '../../../src/cpu-protection/compile.js';
import { applyDevlinkCeiling, devlinkCeiling } from '../../../src/cpu-protection/devlink.js';
import type { CfmModel } from '../../../src/config/model.js';
import { DevlinkClient } from '../../../src/devlink/index.js';
import type { DevlinkHandle } from '../../../src/netlink/devlink.js';
import { assert, assertEq, check, waitFor } from './report.js';

const H: DevlinkHandle = { bus: 'netdevsim', dev: 'netdevsim1' };

function seedModel(aggregate: boolean): CfmModel {
  return {
    domains: [], mips: [], debugTags: [], switches: [{ name: 'default' }],
    cpuProtection: {
      policies: [{
        id: 1, overallRatePps: null,
        ethCfm: [
          { entry: 10, levels: [5, 6, 7], opcodes: [3, 5], ratePps: 1 },
          { entry: 20, levels: [0, 1, 2, 3, 4, 5, 6, 7], opcodes: Array.from({ length: 256 }, (_, i) => i), ratePps: 0 },
        ],
      }],
      bindings: [{ key: 'default/swp4/100', switch: 'default', port: 'swp4', vlan: 100, policy: 1, ethCfmMonitoring: true, aggregate, macMonitoring: false, squelchIngressLevels: [] }],
    },
  } as CfmModel;
}

export async function runCpuProtectionScenario(): Promise<void> {
  if (!existsSync('/sys/bus/netdevsim/devices/netdevsim1')) writeFileSync('/sys/bus/netdevsim/new_device', '1 1');
  assert(await waitFor(async () => existsSync('/sys/bus/netdevsim/devices/netdevsim1/net'), 5000), 'netdevsim1 did not appear');
  const c = await DevlinkClient.open();
  const group = (await c.trapGroups(H))[0].name;

  await check('cpu-protection -> devlink: the seed policy (aggregate) puts a 6 pps ceiling on the trap group', async () => {
    const ceiling = devlinkCeiling(compileProtection(seedModel(true)), { group, policerId: 3 });
    assertEq([ceiling.ratePps, ceiling.burst], [6, 8], 'ceiling');
    await applyDevlinkCeiling(c, H, ceiling);
    const p = await c.policer(H, 3);
    assertEq([p.ratePps, p.burst], [6, 8], 'policer 3 read back from netdevsim');
    assertEq((await c.trapGroup(H, group)).policerId, 3, `trap group ${group} bound to policer 3`);
    return { group, notes: ceiling.notes };
  });

  await check('cpu-protection -> devlink: a per-peer policy has no ceiling: the group is unbound', async () => {
    const ceiling = devlinkCeiling(compileProtection(seedModel(false)), { group, policerId: 3 });
    assertEq(ceiling.ratePps, null, 'no ceiling');
    await applyDevlinkCeiling(c, H, ceiling);
    assertEq((await c.trapGroup(H, group)).policerId, 0, `trap group ${group} unbound`);
    return ceiling.notes;
  });
}
