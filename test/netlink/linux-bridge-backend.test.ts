/**
 * The linux-bridge backend against the fake bridge CFM kernel: what it sends (and does not
 * send), rollback, update diffs, events from notifications and dumps, adoption, detection.
 * The same backend runs against the real kernel in the qemu suite (test/kernel).
 */
import { describe, expect, it } from 'vitest';
import { LinuxBridgeBackend } from '../../src/backends/linux-bridge/index.js';
import { instanceForKey } from '../../src/backends/linux-bridge/keymap.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { FakeBridgeKernel } from './fake-bridge-kernel.js';
import { FakePortSockets } from './fake-port-sockets.js';

const LINKS = [
  { index: 1, name: 'lo', master: 0, kind: '' },
  { index: 4, name: 'br0', master: 0, kind: 'bridge' },
  { index: 5, name: 'v0', master: 4, kind: 'veth' },
  { index: 6, name: 'v1', master: 4, kind: 'veth' },
  { index: 7, name: 'eth9', master: 0, kind: 'veth' },
];

const spec: VoeSpec = {
  key: 'md/ma/mep1', port: 'v0', direction: 'down', level: 5, vlan: 0, unicastMac: '02:00:00:00:00:01', mepId: 1,
  maid: new Uint8Array(48).fill(1), interval: 4, priority: 7, peers: [2, 3], ccmTx: true, ccmRx: true, seqUpdate: true,
  rdi: false, portStatusTlv: 2, interfaceStatusTlv: 1,
};

async function setup(k = new FakeBridgeKernel(LINKS.map((l) => ({ ...l }))), clock = new VirtualClock()) {
  const events = k.transport();
  events.groups = 1;
  const b = await LinuxBridgeBackend.open({
    bridge: 'br0', clock, ccmTxPeriodS: 30, portSockets: new FakePortSockets().factory,
    sockets: { request: new NetlinkSocket(k.transport(), { timeoutMs: 0 }), events: new NetlinkSocket(events, { timeoutMs: 0 }) },
  });
  return { k, b, clock };
}

describe('linux-bridge backend (fake kernel)', () => {
  it('detects a kernel without bridge CFM from EOPNOTSUPP', async () => {
    const k = new FakeBridgeKernel(LINKS.map((l) => ({ ...l })));
    k.hasCfm = false;
    await expect(setup(k)).rejects.toMatchObject({ code: 'UNSUPPORTED', message: 'this kernel has no bridge CFM (CONFIG_BRIDGE_CFM is off): bridge CFM request on br0 returned EOPNOTSUPP' });
    const k2 = new FakeBridgeKernel(LINKS.map((l) => ({ ...l })));
    const events = k2.transport();
    await expect(LinuxBridgeBackend.open({ bridge: 'eth9', sockets: { request: new NetlinkSocket(k2.transport()), events: new NetlinkSocket(events) } }))
      .rejects.toMatchObject({ code: 'CONFIG', message: "linux-bridge: 'eth9' is a veth interface, not a bridge" });
  });

  it('creates in one message (plus one per further peer) and reads the same spec back', async () => {
    const { k, b } = await setup();
    expect(b.ports()).toEqual(['v0', 'v1']);
    const h = await b.createVoe(spec);
    expect(h).toBe(instanceForKey(spec.key));
    expect(k.log).toEqual([['mepCreate', h], ['mepConfig', h], ['ccConfig', h], ['peerMepAdd', h], ['rdi', h], ['ccmTx', h], ['peerMepAdd', h]]);
    const [v] = await b.listVoes();
    expect({ ...v.spec, maid: Array.from(v.spec.maid) }).toEqual({ ...spec, maid: Array.from(spec.maid) });
    await b.close();
  });

  it('updates send only what changed (a CC config change resets the kernel sequence numbers)', async () => {
    const { k, b } = await setup();
    const h = await b.createVoe(spec);
    k.log.length = 0;
    await b.updateVoe(h, { ...spec, rdi: true, peers: [3, 4], key: 'md/ma/renamed' });
    // an unchanged CC_CCM_TX is not re-sent (the keep-alive timer refreshes it)
    expect(k.log).toEqual([['rdi', h], ['peerMepRemove', h], ['peerMepAdd', h]]);
    expect((await b.listVoes())[0].spec).toMatchObject({ key: 'md/ma/renamed', rdi: true, peers: [3, 4] });
    k.log.length = 0;
    await b.updateVoe(h, { ...spec, key: 'md/ma/renamed', interval: 3, peers: [3, 4], rdi: true });
    expect(k.log.map((x) => x[0])).toEqual(['ccConfig']);
    // moving to another port: delete + create under the same handle
    k.log.length = 0;
    await b.updateVoe(h, { ...spec, port: 'v1' });
    expect(k.log.map((x) => x[0]).slice(0, 2)).toEqual(['mepDelete', 'mepCreate']);
    expect((await b.listVoes()).map((v) => [v.handle, v.spec.port])).toEqual([[h, 'v1']]);
    await b.close();
  });

  it('rolls back a half-created MEP and keeps the kernel error text', async () => {
    const { k, b } = await setup();
    // duplicate peers pass the kernel's create message but fail on the second PEER_ADD
    // the kernel runs MEP_CREATE, then fails CC_CONFIG in the same message: the MEP is deleted again
    k.failNext = 'ccConfig';
    const e = await b.createVoe(spec).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'NETLINK', errno: 22, extack: 'bridge: injected ccConfig failure' });
    const h = instanceForKey(spec.key);
    expect(k.log).toEqual([['mepCreate', h], ['mepConfig', h], ['ccConfig', h], ['mepDelete', h]]);
    expect(await b.listVoes()).toEqual([]);
    // a failing further peer: the whole VOE goes
    k.failNext = 'peerMepAdd';
    k.log.length = 0;
    await b.createVoe({ ...spec, peers: [2] }).catch(() => undefined);
    expect(await b.listVoes()).toEqual([]);
    k.log.length = 0;
    await b.createVoe({ ...spec, key: 'a', port: 'v0' });
    const full = await b.createVoe({ ...spec, key: 'b', port: 'v0' }).catch((x: unknown) => x);
    expect(full).toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/port VOE table full on v0/) });
    expect((await b.listVoes()).map((v) => v.spec.key)).toEqual(['a']);
    await b.close();
  });

  it('readStatus afterPoll answers from a status dump made since the poll began (one dump per poll, not one per VOE)', async () => {
    const { k, b, clock } = await setup();
    const h1 = await b.createVoe(spec);
    const h2 = await b.createVoe({ ...spec, key: 'md/ma/mep9', mepId: 9, port: 'v1' });
    clock.advance(1e9);
    k.receive(4, h1, 2);
    const d0 = k.statusDumps;
    await b.pollEvents(); // the slow status dump is due
    expect(k.statusDumps).toBe(d0 + 1);
    // the peer heard before that dump is in what afterPoll hands out, without a second dump
    expect((await b.readStatus(h1, { afterPoll: true })).peers[0]).toMatchObject({ mepId: 2, seen: true });
    await b.readStatus(h2, { afterPoll: true });
    expect(k.statusDumps).toBe(d0 + 1);
    // a plain readStatus still reads the kernel now
    await b.readStatus(h1);
    expect(k.statusDumps).toBe(d0 + 2);
    // a poll with no dump due: the first afterPoll read dumps, the next one shares it
    await b.pollEvents();
    expect(k.statusDumps).toBe(d0 + 2);
    await b.readStatus(h1, { afterPoll: true });
    await b.readStatus(h2, { afterPoll: true });
    expect(k.statusDumps).toBe(d0 + 3);
    await b.close();
  });

  it('LOC and RDI from notifications and dumps become events; status keeps "seen" across dumps', async () => {
    const { k, b } = await setup();
    const h = await b.createVoe(spec);
    k.receive(4, h, 2, { portTlv: 2 });
    const s1 = await b.readStatus(h);
    expect(s1.peers).toMatchObject([{ mepId: 2, loc: false, seen: true, portStatusTlv: 2 }, { mepId: 3, loc: false, seen: false }]);
    // a second dump: the kernel cleared seen, "seen since creation" stays
    expect((await b.readStatus(h)).peers[0].seen).toBe(true);
    k.loc(4, h, 3);
    await new Promise((r) => setTimeout(r, 0));
    expect((await b.pollEvents()).map((e) => [e.kind, e.peerMepId, e.active])).toEqual([['loc', 3, true]]);
    k.receive(4, h, 2, { rdi: true });
    k.receive(4, h, 3);
    await new Promise((r) => setTimeout(r, 0));
    const ev = (await b.pollEvents()).map((e) => [e.kind, e.peerMepId, e.active]);
    expect(ev).toEqual(expect.arrayContaining([['loc', 3, false], ['rdi', 2, true]]));
    expect(ev).toHaveLength(2);
    await b.close();
  });

  it('keeps CCM transmission alive every PERIOD/3 on the backend clock, and stops on close', async () => {
    const { k, b, clock } = await setup();
    const h = await b.createVoe(spec);
    k.log.length = 0;
    clock.advance(10e9);
    await new Promise((r) => setTimeout(r, 0));
    expect(k.log).toEqual([['ccmTx', h]]);
    clock.advance(10e9);
    await new Promise((r) => setTimeout(r, 0));
    expect(k.log).toHaveLength(2);
    await b.close();
    clock.advance(60e9);
    expect(k.log).toHaveLength(2);
    expect(clock.pending()).toBe(0);
  });

  it('a restarted backend adopts MEPs by their key map; unknown ones get a foreign key', async () => {
    const { k, b } = await setup();
    const h = await b.createVoe(spec);
    await b.close();
    const { b: b2 } = await setup(k);
    const [v] = await b2.listVoes();
    // in-memory key map only: the MEP is listed, but under a foreign key
    expect([v.handle, v.spec.key]).toEqual([h, `linux-bridge:br0/${h}`]);
    await b2.deleteVoe(h);
    expect(await b2.listVoes()).toEqual([]);
    await b2.close();
  });
});
