/**
 * Inside the VM: devlink over our generic netlink socket against netdevsim
 * (`echo "1 1" > /sys/bus/netdevsim/new_device`): dev info / ports / driver -> profile, trap
 * policers (get, set, limits 1..8000 pps and 8..65536 with EINVAL + extack, ENOENT for an unknown
 * id), trap group -> policer binding, counters, and fault injection.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { DevlinkClient, detectProfile } from '../../../src/devlink/index.js';
import type { DevlinkHandle } from '../../../src/netlink/devlink.js';
import { NetlinkError } from '../../../src/netlink/errors.js';
import { assert, assertEq, check, rejects, sh, sleep, waitFor } from './report.js';

const H: DevlinkHandle = { bus: 'netdevsim', dev: 'netdevsim1' };

async function einval(p: Promise<unknown>, what: string, extack: string): Promise<string> {
  const e = await rejects(p, what);
  assert(e instanceof NetlinkError, `${what}: NetlinkError expected, got ${e.message}`);
  assertEq(e.errno, 22, `${what}: errno`);
  assert(e.extack.includes(extack), `${what}: extack '${e.extack}' should contain '${extack}'`);
  return e.message;
}

export async function runDevlinkScenario(): Promise<void> {
  writeFileSync('/sys/bus/netdevsim/new_device', '1 1');
  const ready = await waitFor(async () => existsSync('/sys/bus/netdevsim/devices/netdevsim1/net'), 5000);
  assert(ready, 'netdevsim1 did not appear');
  const c = await DevlinkClient.open();
  let netdev = '';

  await check('devlink: family resolved, device listed', async () => {
    const devs = await c.devices();
    assertEq(devs, [H], 'devices');
    return { family: c.family.id, groups: c.family.groups };
  });

  await check('devlink: dev info names the driver and firmware', async () => {
    const info = await c.info(H);
    assertEq(info.driver, 'netdevsim', 'driver');
    assert(info.running.some((v) => v.name === 'fw.mgmt' && v.value === '10.20.30'), `running versions ${JSON.stringify(info.running)}`);
    assert(info.stored.some((v) => v.name === 'fw.mgmt' && v.value === '10.20.30'), `stored versions ${JSON.stringify(info.stored)}`);
    assertEq(info.serial, undefined, 'serial');
    return info;
  });

  await check('devlink: ports with their netdevs', async () => {
    const ports = await c.ports(H);
    assertEq(ports.length, 1, 'port count');
    assertEq(ports[0].flavour, 'physical', 'flavour');
    assert(ports[0].netdev, 'port has a netdev name');
    netdev = ports[0].netdev!;
    return ports;
  });

  await check('profile detect: netdevsim -> software; --profile wins', async () => {
    const r = await detectProfile(c);
    assertEq([r.source, r.profile], ['devlink', 'software'], 'detected');
    assertEq(r.devices[0].ports, [netdev], 'ports');
    const o = await detectProfile(c, 'lan966x');
    assertEq([o.source, o.profile], ['option', 'lan966x'], '--profile');
    return r.message;
  });

  await check('trap policers: defaults read back', async () => {
    const p = await c.policers(H);
    assertEq(p.map((x) => [x.id, x.ratePps, x.burst]), [[1, 1000, 128], [2, 2000, 256], [3, 3000, 512]], 'policers');
    return p;
  });

  await check('trap policer set/get, limits inclusive', async () => {
    await c.setPolicer(H, 1, { ratePps: 500, burst: 64 });
    const p = await c.policer(H, 1);
    assertEq([p.ratePps, p.burst], [500, 64], 'after set');
    await c.setPolicer(H, 1, { ratePps: 1, burst: 8 });
    await c.setPolicer(H, 1, { ratePps: 8000, burst: 65536 });
    const q = await c.policer(H, 1);
    assertEq([q.ratePps, q.burst], [8000, 65536], 'at the upper limits');
    await c.setPolicer(H, 2, { ratePps: 100 });
    const r = await c.policer(H, 2);
    assertEq([r.ratePps, r.burst], [100, 256], 'rate only: burst unchanged');
  });

  await check('trap policer out of range -> EINVAL with extack', async () => {
    return [
      await einval(c.setPolicer(H, 1, { ratePps: 0 }), 'rate 0', 'Policer rate lower than limit'),
      await einval(c.setPolicer(H, 1, { ratePps: 8001 }), 'rate 8001', 'Policer rate higher than limit'),
      await einval(c.setPolicer(H, 1, { burst: 7 }), 'burst 7', 'Policer burst size lower than limit'),
      await einval(c.setPolicer(H, 1, { burst: 65537 }), 'burst 65537', 'Policer burst size higher than limit'),
    ];
  });

  await check('trap policer unknown id -> ENOENT', async () => {
    const e = await rejects(c.setPolicer(H, 99, { ratePps: 10 }), 'policer 99');
    assertEq((e as NetlinkError).errno, 2, 'errno');
    const g = await rejects(c.policer(H, 99), 'get policer 99');
    assertEq((g as NetlinkError).errno, 2, 'errno (get)');
    return { set: e.message, get: g.message };
  });

  await check('trap group -> policer binding and unbinding', async () => {
    const before = await c.trapGroups(H);
    assertEq(before.find((g) => g.name === 'l2_drops')?.policerId, 0, 'l2_drops unbound at start');
    assertEq(before.find((g) => g.name === 'l3_drops')?.policerId, 1, 'l3_drops default policer');
    await c.setTrapGroup(H, 'l2_drops', { policerId: 2 });
    assertEq((await c.trapGroup(H, 'l2_drops')).policerId, 2, 'bound');
    await c.setTrapGroup(H, 'l2_drops', { policerId: 0 });
    assertEq((await c.trapGroup(H, 'l2_drops')).policerId, 0, 'unbound');
    const e = await rejects(c.setTrapGroup(H, 'l2_drops', { policerId: 42 }), 'unknown policer');
    assertEq((e as NetlinkError).errno, 2, 'errno for an unknown policer');
    return before.map((g) => [g.name, g.policerId]);
  });

  await check('counters: policer drops and trap/group packets move', async () => {
    const d1 = (await c.policer(H, 3)).dropped;
    const d2 = (await c.policer(H, 3)).dropped;
    assert(d1 !== undefined && d2 !== undefined && d2 > d1, `policer drops ${d1} -> ${d2}`);
    sh('ip', 'link', 'set', netdev, 'up');
    const g1 = (await c.trapGroups(H)).reduce((n, g) => n + g.rxPackets, 0);
    await sleep(600);
    const g2 = (await c.trapGroups(H)).reduce((n, g) => n + g.rxPackets, 0);
    assert(g2 > g1, `trap group packets ${g1} -> ${g2}`);
    const traps = await c.traps(H);
    assert(traps.length > 0 && traps.some((t) => t.rxPackets > 0), 'trap counters');
    return { drops: [d1, d2], groupPackets: [g1, g2], traps: traps.length };
  });

  await check('fault injection: a failing driver set is reported with its errno', async () => {
    writeFileSync('/sys/kernel/debug/netdevsim/netdevsim1/fail_trap_policer_set', '1');
    const e = await rejects(c.setPolicer(H, 1, { ratePps: 10 }), 'injected failure');
    writeFileSync('/sys/kernel/debug/netdevsim/netdevsim1/fail_trap_policer_set', '0');
    assert(e instanceof NetlinkError && e.errno > 0, `NetlinkError expected: ${e.message}`);
    return { message: e.message };
  });

  c.close();
}
