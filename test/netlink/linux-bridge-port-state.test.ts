/**
 * Port state of the bridge ports in the kernel MEPs' status TLVs (issue 12 item 3; 802.1Q
 * 20.9.2-20.9.3, 21.5.4-21.5.5), against the fake bridge CFM kernel: the backend reports the
 * ports' oper and STP state (RTM_NEWLINK IFLA_OPERSTATE / IFLA_PROTINFO), the manager writes it
 * into CC_CCM_TX's PORT_TLV_VALUE / IF_TLV_VALUE. Only CC_CCM_TX is sent (a CC_CONFIG would reset
 * the kernel's sequence numbers), transmission keeps running, and a re-apply writes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LinuxBridgeBackend } from '../../src/backends/linux-bridge/index.js';
import type { PortStateChange } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { mkMep, mkModel, mkProfile } from '../offload/fixtures.js';
import { FakeBridgeKernel } from './fake-bridge-kernel.js';
import { FakePortSockets } from './fake-port-sockets.js';

const IF_OPER_UP = 6;
const IF_OPER_LOWERLAYERDOWN = 3;
const BR_STATE_FORWARDING = 3;
const BR_STATE_BLOCKING = 4;

const tick = () => new Promise((r) => setTimeout(r, 0));

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

async function open() {
  const k = new FakeBridgeKernel([
    { index: 4, name: 'br0', master: 0, kind: 'bridge', operstate: IF_OPER_UP },
    { index: 5, name: 'v0', master: 4, kind: 'veth', operstate: IF_OPER_UP, stpState: BR_STATE_FORWARDING },
    { index: 6, name: 'v1', master: 4, kind: 'veth', operstate: IF_OPER_UP, stpState: BR_STATE_FORWARDING },
  ]);
  const clock = new VirtualClock();
  const ev = k.transport();
  ev.groups = 1;
  const b = await LinuxBridgeBackend.open({
    bridge: 'br0', clock, ccmTxPeriodS: 30, portSockets: new FakePortSockets().factory,
    sockets: { request: new NetlinkSocket(k.transport(), { timeoutMs: 0 }), events: new NetlinkSocket(ev, { timeoutMs: 0 }) },
  });
  const mgr = new OffloadManager({ backend: b, profile: mkProfile(), clock, switch: 'sw1' });
  close = async () => {
    await mgr.close();
    await b.close();
  };
  return { k, b, mgr };
}

describe('linux-bridge: the kernel MEPs send the bridge ports\' state', () => {
  it('reports oper and STP state of the bridge ports (onPortState), first the dump, then notifications', async () => {
    const { k, b } = await open();
    const seen: PortStateChange[] = [];
    b.onPortState((s) => seen.push(s));
    for (let i = 0; i < 5; i++) await tick();
    expect(seen.sort((x, y) => (x.port < y.port ? -1 : 1))).toEqual([
      { port: 'v0', forwarding: true, operStatus: 'up' },
      { port: 'v1', forwarding: true, operStatus: 'up' },
    ]);
    seen.length = 0;
    k.setLinkState('v1', { stpState: BR_STATE_BLOCKING });
    k.setLinkState('br0', { operstate: 2 }); // the bridge itself is no port
    await tick();
    expect(seen).toEqual([{ port: 'v1', forwarding: false, operStatus: 'up' }]);
  });

  it('psBlocked and isLowerLayerDown go into CC_CCM_TX alone; no CC_CONFIG, TX keeps running, a re-apply writes nothing', async () => {
    const { k, mgr } = await open();
    const mep = mkMep({ mepId: 1, switch: 'sw1', port: 'v0', placement: 'hardware', portStatusTlv: true, interfaceStatusTlv: true, remoteMepIds: [2] });
    const model = mkModel([mep]);
    await mgr.apply(model);
    for (let i = 0; i < 5; i++) await tick();
    await mgr.pollOnce();
    const tx = () => [...k.meps.get(4)!.values()][0].tx!;
    expect(tx()).toMatchObject({ portTlv: true, portTlvValue: 2, ifTlv: true, ifTlvValue: 1 });
    const logAt = k.log.length;

    k.setLinkState('v0', { stpState: BR_STATE_BLOCKING });
    await tick();
    await mgr.pollOnce();
    expect(tx()).toMatchObject({ portTlvValue: 1, ifTlvValue: 1 });
    k.setLinkState('v0', { operstate: IF_OPER_LOWERLAYERDOWN });
    await tick();
    await mgr.pollOnce();
    expect(tx()).toMatchObject({ portTlvValue: 1, ifTlvValue: 7 });
    expect(tx().periodS).toBeGreaterThan(0); // still transmitting
    // CC_CCM_TX only: a CC_CONFIG would reset the kernel's sequence numbers (cfm-facts 1.3)
    expect(k.log.slice(logAt).map(([c]) => c)).toEqual(['ccmTx', 'ccmTx']);

    // an identical re-apply writes nothing while the port stays blocked and down
    const rep = await mgr.apply(model);
    expect(rep.ops).toEqual([]);
    expect(k.log.length).toBe(logAt + 2);

    k.setLinkState('v0', { stpState: BR_STATE_FORWARDING, operstate: IF_OPER_UP });
    await tick();
    await mgr.pollOnce();
    expect(tx()).toMatchObject({ portTlvValue: 2, ifTlvValue: 1 });
    expect(k.log.slice(logAt).map(([c]) => c)).toEqual(['ccmTx', 'ccmTx', 'ccmTx']);
  });
});
