/**
 * A vendor shim whose ports are network interfaces of the host (switchdev): VendorBackend's
 * `portStateFromNetlink` reads their oper / STP state from rtnetlink (link-watch.ts), and the
 * offload manager writes it into the hardware VOE's Interface Status TLV (issue 12 item 3,
 * 802.1Q 20.9.3). The shim is the mock library loaded as a vendor library; its port 0 is named
 * after a veth in a test namespace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { VendorBackend } from '../../src/backends/vendor/index.js';
import { VirtualClock } from '../../src/common/clock.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { mkMep, mkModel, mkProfile } from '../offload/fixtures.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';

const gate = linuxTestGate('test/linux/vendor-port-state (vendor shim port state from rtnetlink)');

describe.skipIf(!gate.run)('vendor shim with portStateFromNetlink: the VOE reports its interface going down', () => {
  let link: VethLink;
  let shim: VendorBackend;
  let mgr: OffloadManager;

  beforeAll(async () => {
    link = await createVethLink('vp');
    shim = new VendorBackend({
      libPath: mockAsicLibPath(), args: 'ports=2;port_voes=4;service_voes=4;peers=2', calls: 'sync',
      portNames: [link.ifA, 'ge1'], portStateFromNetlink: { netns: link.nsA },
    });
    mgr = new OffloadManager({ backend: shim, profile: mkProfile(), clock: new VirtualClock(), switch: 'sw1' });
  }, 30_000);

  afterAll(async () => {
    await mgr?.close();
    await shim?.close();
    await link?.cleanup();
  });

  it('isUp while the veth is up, isDown / isLowerLayerDown without carrier, isUp again', async () => {
    const mep = mkMep({ mepId: 1, switch: 'sw1', port: link.ifA, placement: 'hardware', interfaceStatusTlv: true, remoteMepIds: [2] });
    await mgr.apply(mkModel([mep]));
    const ifTlv = async () => (await shim.listVoes())[0].spec.interfaceStatusTlv;
    expect(await ifTlv()).toBe(1);
    await link.setLink('B', false);
    await waitFor(async () => [2, 7].includes(await ifTlv()), 5000, 'IF TLV value down without carrier', 20);
    await link.setLink('B', true);
    await waitFor(async () => (await ifTlv()) === 1, 5000, 'IF TLV value up again', 20);
    // an identical re-apply writes nothing
    expect((await mgr.apply(mkModel([mep]))).ops).toEqual([]);
  }, 30_000);
});
