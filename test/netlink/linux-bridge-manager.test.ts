/**
 * The linux-bridge backend under the offload manager, against the fake bridge CFM kernel and
 * fake port sockets (issue 11 items 15-20): the library import, the AF_PACKET CPU path that lets
 * what the kernel cannot do run in software, updates from read-back, notifications instead of a
 * 10 ms status dump, offline plans that match the apply, and no needless writes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { LinuxBridgeBackend } from '../../src/backends/linux-bridge/index.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { VirtualClock } from '../../src/common/clock.js';
import { encodeCfmSetLink } from '../../src/netlink/bridge-cfm.js';
import { NetlinkSocket } from '../../src/netlink/socket.js';
import { openSwitch, planConfig } from '../../src/offload/api.js';
import { reconcile } from '../../src/offload/reconciler.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { FakeBridgeKernel } from './fake-bridge-kernel.js';
import { FakePortSockets, cfmFrame } from './fake-port-sockets.js';

const LINKS = [
  { index: 4, name: 'br0', master: 0, kind: 'bridge' },
  { index: 5, name: 'v0', master: 4, kind: 'veth' },
  { index: 6, name: 'v1', master: 4, kind: 'veth' },
];

async function open(o: { k?: FakeBridgeKernel; clock?: VirtualClock; frames?: 'none' } = {}) {
  const k = o.k ?? new FakeBridgeKernel(LINKS.map((l) => ({ ...l })));
  const clock = o.clock ?? new VirtualClock();
  const ports = new FakePortSockets();
  const ev = k.transport();
  ev.groups = 1;
  const b = await LinuxBridgeBackend.open({
    bridge: 'br0', clock, ccmTxPeriodS: 30, portSockets: ports.factory, ...(o.frames ? { frames: o.frames } : {}),
    sockets: { request: new NetlinkSocket(k.transport(), { timeoutMs: 0 }), events: new NetlinkSocket(ev, { timeoutMs: 0 }) },
  });
  return { k, b, clock, ports };
}

/** MEP 1: untagged down MEP on v0, level 5 (kernel). With `up`: MEP 10, an up MEP on v1, level 6 (software). */
function config(o: { up?: boolean; peers?: number[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-lb-'));
  const peers = o.peers ?? [2];
  const y = `
cfm:
  maintenance-domain:
    - md-id: d
      none: [null]
      md-level: 5
      maintenance-association:
        - { ma-id: link, icc-based: { icc: BRD, umc: LINK0 }, ccm-interval: 1sec, maintenance-association-mep: [1, ${peers.join(', ')}] }
    - md-id: s
      none: [null]
      md-level: 6
      maintenance-association:
        - { ma-id: svc, icc-based: { icc: BRD, umc: SVC0 }, ccm-interval: 1sec, maintenance-association-mep: [10, 20] }
  maintenance-group:
    - { maintenance-group-id: g1, md-id: d, ma-id: link, mep: [ { mep-id: 1, interface: v0, direction: down, enabled: true, mac-address: 02-00-00-00-01-00, continuity-check: { ccm-enabled: true } } ] }
${o.up ? '    - { maintenance-group-id: g2, md-id: s, ma-id: svc, mep: [ { mep-id: 10, interface: v1, direction: up, enabled: true, mac-address: 02-00-00-00-01-01, continuity-check: { ccm-enabled: true } } ] }\n' : ''}`;
  const p = join(dir, 'c.yaml');
  writeFileSync(p, y);
  return p;
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('linux-bridge backend under the manager (fake kernel)', () => {
  it('item 15: LinuxBridgeBackend is exported from the package root', () => {
    expect(api.LinuxBridgeBackend).toBe(LinuxBridgeBackend);
  });

  it('item 16: an up MEP runs in software on the AF_PACKET ports while the down MEP is in the kernel', async () => {
    const { k, b, clock, ports } = await open();
    expect(b.capabilities().frameIo).toBe(true);
    expect([...ports.open].sort()).toEqual(['v0', 'v1']);
    const sw = openSwitch({ config: config({ up: true }), profile: 'linux-bridge', backend: b, clock });
    const rep = await sw.apply();
    expect(rep.plan.meps.map((m) => [m.mepId, m.ccm])).toEqual(expect.arrayContaining([[1, 'hardware'], [10, 'software']]));
    expect([...k.meps.get(4)!.values()].map((m) => m.config?.mepId)).toEqual([1]);
    await runVirtual(clock, 3e9, 10e6);
    // the up MEP's CCMs (level 6, above the kernel MEP's 5) go into the relay: out of the other
    // port (v0), never its own (v1)
    const upCcms = ports.sent.filter((s) => s.frame[15] === 1 && s.frame[14] >> 5 === 6);
    expect(upCcms.length).toBeGreaterThan(0);
    expect(new Set(upCcms.map((s) => s.port))).toEqual(new Set(['v0']));
    await sw.close();
    await b.close();
  });

  it('item 16: the CPU path hides the kernel MEP\'s own CCMs, passes LBMs, and plays the relay', async () => {
    const { b, ports } = await open();
    const h = await b.createVoe({ ...SPEC, port: 'v0', level: 5 });
    const seen: Array<[string, string, number, number]> = [];
    b.frames.onReceive((rx) => seen.push([rx.port, rx.from, rx.frame[14] >> 5, rx.frame[15]]));
    ports.receive('v0', cfmFrame(5, 1)); // the kernel MEP's CCM: the kernel checks it
    ports.receive('v0', cfmFrame(5, 3)); // LBM at its level: the kernel eats it, the engine answers
    ports.receive('v0', cfmFrame(6, 1)); // above its level: relayed by the bridge
    ports.receive('v1', cfmFrame(2, 1)); // no kernel MEP on v1; v0's MEP (level 5) stops it
    expect(seen).toEqual([
      ['v0', 'wire', 5, 3],
      ['v0', 'wire', 6, 1], ['v1', 'relay', 6, 1],
      ['v1', 'wire', 2, 1],
    ]);
    await b.deleteVoe(h);
    await b.close();
  });

  it('item 16: opened with frames: none, it says it has no CPU path (the planner then refuses software MEPs)', async () => {
    const { b, ports } = await open({ frames: 'none' });
    expect(b.capabilities().frameIo).toBe(false);
    expect(ports.open.size).toBe(0);
    expect(() => b.frames.send('v0', cfmFrame(5, 1))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
    await b.close();
  });

  it('item 16: without a CPU path, a config needing software is refused before anything is sent to the kernel', async () => {
    const { k, b, clock } = await open({ frames: 'none' });
    const sw = openSwitch({ config: config({ up: true }), profile: 'linux-bridge', backend: b, clock });
    const plan = sw.plan();
    // the up MEP is refused with its reason; the kernel MEP still applies
    expect(plan.refused).toEqual([{ key: 's/svc/10', kind: 'mep', reason: expect.stringMatching(/no CPU frame path/) }]);
    expect(plan.meps.map((m) => [m.key, m.ccm])).toEqual([['d/link/1', 'hardware']]);
    const rep = await sw.apply();
    expect(rep.softwareStarted).toEqual([]);
    expect(k.log.map(([n]) => n)).toEqual(['mepCreate', 'mepConfig', 'ccConfig', 'peerMepAdd', 'rdi', 'ccmTx']);
    await sw.close();
    await b.close();
  });

  it('item 17: another tool removed a peer; the apply works from the read-back and ends in the new state', async () => {
    const { k, b } = await open();
    const h = await b.createVoe({ ...SPEC, peers: [2, 3] });
    // another tool (another netlink socket) removes peer 3
    const other = new NetlinkSocket(k.transport(), { timeoutMs: 0 });
    await other.request((seq) => encodeCfmSetLink(seq, 4, [{ cmd: 'peerMepRemove', value: { instance: h, mepId: 3 } }]), 'other tool');
    const r = await reconcile(b, [{ ...SPEC, peers: [4] }]);
    expect(r.ops.map((o) => o.kind)).toEqual(['update']);
    expect([...k.meps.get(4)!.get(h)!.peers.keys()]).toEqual([4]);
    await b.close();
  });

  it('item 17: a failing update is rolled back to what was read back (old state), not to a cached spec', async () => {
    const { k, b } = await open();
    const h = await b.createVoe({ ...SPEC, peers: [2, 3] });
    const other = new NetlinkSocket(k.transport(), { timeoutMs: 0 });
    await other.request((seq) => encodeCfmSetLink(seq, 4, [{ cmd: 'peerMepRemove', value: { instance: h, mepId: 3 } }]), 'other tool');
    k.failNext = 'peerMepAdd';
    const e = await reconcile(b, [{ ...SPEC, peers: [4, 5] }]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'APPLY', rolledBack: true });
    // the kernel is back in the state read before the apply: peer 2 only
    expect([...k.meps.get(4)!.get(h)!.peers.keys()]).toEqual([2]);
    expect((await b.listVoes())[0].spec.peers).toEqual([2]);
    await b.close();
  });

  it('item 18: an idle MEP costs about one status dump per second, and LOC is pushed at once', async () => {
    const { k, b, clock } = await open();
    // what the manager drains, as it drains it
    const drained: string[] = [];
    const poll = b.pollEvents.bind(b);
    b.pollEvents = async () => {
      const evs = await poll();
      for (const e of evs) drained.push(`${e.kind} ${e.peerMepId} ${e.active}`);
      return evs;
    };
    const sw = openSwitch({ config: config(), profile: 'linux-bridge', backend: b, clock });
    await sw.apply();
    const before = k.statusDumps;
    for (let i = 0; i < 1000; i++) {
      clock.advance(10e6); // 10 s in 10 ms steps (the old poll period)
      await tick();
    }
    const perSecond = (k.statusDumps - before) / 10;
    // was 100/s (a full RTM_GETLINK status dump on every 10 ms poll)
    expect(perSecond).toBeLessThanOrEqual(1.1);
    expect(perSecond).toBeGreaterThan(0); // RDI is not notified: a slow dump still catches it
    expect(b.statusDumps).toBeGreaterThanOrEqual(k.statusDumps - before); // what the backend reports
    // the kernel's RTM_NEWLINK on a ccm_defect change is drained at once: no clock advance
    const h = [...k.meps.get(4)!.keys()][0];
    drained.length = 0;
    k.loc(4, h, 2);
    for (let i = 0; i < 5; i++) await tick();
    expect(drained).toEqual(['loc 2 true']);
    await sw.close();
    await b.close();
  });

  it('item 19: offline `plan --profile linux-bridge` places MEPs as the apply does', async () => {
    const cfg = config({ up: true });
    const offline = planConfig(cfg, 'linux-bridge');
    expect(offline.notes.join(' ')).not.toMatch(/count unknown/);
    const { b, clock } = await open();
    const sw = openSwitch({ config: cfg, profile: 'linux-bridge', backend: b, clock });
    const live = sw.plan();
    const placement = (p: typeof live) => p.meps.map((m) => [m.key, m.ccm]).sort();
    expect(placement(offline)).toEqual(placement(live));
    expect(placement(offline)).toEqual([['d/link/1', 'hardware'], ['s/svc/10', 'software']]);
    await sw.close();
    await b.close();
  });

  it('item 20: an identical re-apply writes nothing to the kernel (no RDI, no CCM_TX)', async () => {
    const { k, b, clock } = await open();
    const cfg = config();
    const sw = openSwitch({ config: cfg, profile: 'linux-bridge', backend: b, clock });
    await sw.apply();
    await sw.close();
    k.log.length = 0;
    const sw2 = openSwitch({ config: cfg, profile: 'linux-bridge', backend: b, clock });
    const rep = await sw2.apply();
    await tick();
    expect(rep.ops).toEqual([]);
    expect(k.log).toEqual([]);
    // setRdi to the value the kernel holds is not written either
    const h = [...k.meps.get(4)!.keys()][0];
    await b.setRdi(h, false);
    expect(k.log).toEqual([]);
    await sw2.close();
    await b.close();
  });
});

const SPEC: VoeSpec = {
  key: 'md/ma/mep1', port: 'v0', direction: 'down', level: 5, vlan: 0, unicastMac: '02:00:00:00:00:01', mepId: 1,
  maid: new Uint8Array(48).fill(1), interval: 4, priority: 7, peers: [2], ccmTx: true, ccmRx: true, seqUpdate: true,
  rdi: false, portStatusTlv: 2, interfaceStatusTlv: 1,
};
