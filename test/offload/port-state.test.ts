/**
 * Port state of a mock ASIC switch (issue 12 item 3, 802.1Q 20.9.2-20.9.3, 21.5.4-21.5.5):
 * setPortState (the simulator's link state through MockSwitchNode) reaches the manager's CPU side,
 * so a software MEP on that port sends it in its Port Status and Interface Status TLVs, and the
 * ASIC's hardware VOEs send it too (cfm_mock_port_set_state): the peer raises defMACstatus.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runVirtual } from '../../src/offload/sim/run.js';
import type { LocalMep } from '../../src/config/model.js';
import type { MepStatusRow } from '../../src/offload/status.js';
import { mkModel, p2p, rig, type Rig } from './harness.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

/**
 * sw1's MEP 1 (placed by `pin`, sending Port and Interface Status TLVs) and sw2's software MEP 2
 * over sw1:swp1 - sw2:swp1, applied and run 3 s. `peer()` reads MEP 2's status at sw2.
 */
async function start(pin: LocalMep['placement']): Promise<{ x: Rig; peer: () => Promise<MepStatusRow> }> {
  const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
  r = x;
  const meps = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' });
  meps[0].portStatusTlv = true;
  meps[0].interfaceStatusTlv = true;
  const model = mkModel(meps);
  for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(model);
  await runVirtual(x.net.clock, 3e9);
  return { x, peer: async () => (await x.mgr.sw2.status()).meps.find((m) => m.key === meps[1].key)! };
}

describe('port state of a mock ASIC switch drives software MEPs\' status TLVs', () => {
  it('STP blocking sends psBlocked, a lower layer down sends isLowerLayerDown; the peer raises and clears defMACstatus', async () => {
    const { x, peer } = await start('software');
    expect((await peer()).defects).toEqual([]);
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 2, interfaceStatus: 1 });

    x.sw.sw1.backend.setPortState('swp1', { forwarding: false });
    await runVirtual(x.net.clock, 1.5e9);
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 1, interfaceStatus: 1 });
    expect((await peer()).defects).toEqual(['defMACstatus']);
    x.sw.sw1.backend.setPortState('swp1', { forwarding: true, operStatus: 'lowerLayerDown' });
    await runVirtual(x.net.clock, 1.5e9);
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 2, interfaceStatus: 7 });
    expect((await peer()).defects).toEqual(['defMACstatus']);
    x.sw.sw1.backend.setPortState('swp1', { operStatus: 'up' });
    await runVirtual(x.net.clock, 1.5e9);
    expect((await peer()).defects).toEqual([]);
  });

  it('hardware VOEs on the mock ASIC send the port state in their TLVs (cfm_mock_port_set_state); the configuration read back is unchanged', async () => {
    const { x, peer } = await start('hardware');
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 2, interfaceStatus: 1 });
    x.sw.sw1.backend.setPortState('swp1', { forwarding: false, operStatus: 'dormant' });
    await runVirtual(x.net.clock, 1.5e9);
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 1, interfaceStatus: 5 });
    expect((await peer()).defects).toEqual(['defMACstatus']);
    const [voe] = await x.sw.sw1.backend.listVoes();
    expect([voe.spec.portStatusTlv, voe.spec.interfaceStatusTlv]).toEqual([2, 1]);
    x.sw.sw1.backend.setPortState('swp1', { forwarding: true, operStatus: 'up' });
    await runVirtual(x.net.clock, 1.5e9);
    expect((await peer()).remotes[0]).toMatchObject({ portStatus: 2, interfaceStatus: 1 });
    expect((await peer()).defects).toEqual([]);
  });

  it('the simulator cutting a mock switch\'s link takes that port down (MockSwitchNode.linkChanged)', () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const seen: Array<{ port: string; operStatus?: string }> = [];
    r.sw.sw1.backend.onPortState((s) => seen.push({ port: s.port, operStatus: s.operStatus }));
    r.net.link('sw1-sw2').up = false;
    r.net.link('sw1-sw2').up = true;
    expect(seen).toEqual([{ port: 'swp1', operStatus: 'down' }, { port: 'swp1', operStatus: 'up' }]);
  });
});
