/**
 * INSIDE the qemu VM (vitest boot): the linux-bridge backend under the offload manager (issue 11 items 16-20) on
 * the real bridge CFM. Switch A = bridge bra with ports a0 (veth to b0) and a1 (veth to a1x);
 * switch B = bridge brb with port b0. Kernel MEPs 1 (A, a0) and 2 (B, b0) at level 5; on A a
 * software up MEP 10 at level 6 on a1 (the kernel has no up MEPs), sending into the relay.
 * Loopback between the kernel MEPs runs in software on the AF_PACKET CPU path (the kernel eats
 * LBMs at its MEP's level), which proves that path both ways.
 */
import { writeFileSync } from 'node:fs';
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';
import { PacketSocket } from '../../../src/native/packet.js';
import { encodeCfmSetLink } from '../../../src/netlink/bridge-cfm.js';
import { RTMGRP_LINK } from '../../../src/netlink/constants.js';
import { listLinks, openRoute } from '../../../src/netlink/route.js';
import type { NetlinkSocket } from '../../../src/netlink/socket.js';
import { openSwitch, type CfmSwitch } from '../../../src/offload/api.js';
import { reconcile } from '../../../src/offload/reconciler.js';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { assert, assertEq, sh, sleep, waitFor } from './report.js';

function ip(...args: string[]): void {
  sh('ip', ...args);
}

function config(path: string, mepId: number, port: string, mac: string, up?: { port: string; mac: string }): string {
  writeFileSync(path, `cfm:
  maintenance-domain:
    - { md-id: d, none: [null], md-level: 5, maintenance-association: [ { ma-id: link, icc-based: { icc: VM, umc: LINK }, ccm-interval: 100ms, maintenance-association-mep: [1, 2] } ] }
    - { md-id: s, none: [null], md-level: 6, maintenance-association: [ { ma-id: svc, icc-based: { icc: VM, umc: SVC }, ccm-interval: 100ms, maintenance-association-mep: [10, 20] } ] }
  maintenance-group:
    - { maintenance-group-id: g, md-id: d, ma-id: link, mep: [ { mep-id: ${mepId}, interface: ${port}, direction: down, enabled: true, mac-address: ${mac}, continuity-check: { ccm-enabled: true } } ] }
${up ? `    - { maintenance-group-id: u, md-id: s, ma-id: svc, mep: [ { mep-id: 10, interface: ${up.port}, direction: up, enabled: true, mac-address: ${up.mac}, continuity-check: { ccm-enabled: true } } ] }\n` : ''}`);
  return path;
}

/** CCMs (opcode 1) arriving on `ifname`, as [level, MEPID]. */
class CcmTap {
  readonly seen: Array<[number, number]> = [];
  private readonly s: PacketSocket;
  constructor(ifname: string) {
    this.s = new PacketSocket(ifname);
    this.s.onFrames((frames) => {
      for (const f of frames) {
        if (f.length >= 14 + 10 && f[12] === 0x89 && f[13] === 0x02 && f[15] === 1) this.seen.push([f[14] >> 5, ((f[22] << 8) | f[23]) & 0x1fff]);
      }
    });
  }
  close(): void {
    this.s.close();
  }
}

/** Counts the SETLINK requests a backend sends (the writes), on its own request socket. */
function countingSocket(): { sock: NetlinkSocket; writes: () => number } {
  const sock = openRoute();
  let n = 0;
  const orig = sock.request.bind(sock);
  sock.request = (build, op, o) => {
    if (!o?.dump) n++;
    return orig(build, op, o);
  };
  return { sock, writes: () => n };
}

describe('linux-bridge backend under the manager on the real kernel (issue 11 items 16-20)', () => {
  let countA: ReturnType<typeof countingSocket>;
  let evA: NetlinkSocket;
  let ba: LinuxBridgeBackend;
  let bb: LinuxBridgeBackend;
  let tapB: CcmTap;
  let tapA1x: CcmTap;
  let swA: CfmSwitch | undefined;
  let swB: CfmSwitch | undefined;
  let cfgA = '';
  let cfgB = '';

  beforeAll(async () => {
    ip('link', 'add', 'bra', 'type', 'bridge');
    ip('link', 'add', 'brb', 'type', 'bridge');
    ip('link', 'add', 'a0', 'type', 'veth', 'peer', 'name', 'b0');
    ip('link', 'add', 'a1', 'type', 'veth', 'peer', 'name', 'a1x');
    ip('link', 'set', 'a0', 'master', 'bra');
    ip('link', 'set', 'a1', 'master', 'bra');
    ip('link', 'set', 'b0', 'master', 'brb');
    for (const d of ['bra', 'brb', 'a0', 'a1', 'a1x', 'b0']) ip('link', 'set', d, 'up');

    cfgA = config('/tmp/mgr-a.yaml', 1, 'a0', '02-00-00-00-0a-01', { port: 'a1', mac: '02-00-00-00-0a-10' });
    cfgB = config('/tmp/mgr-b.yaml', 2, 'b0', '02-00-00-00-0b-02');
    countA = countingSocket();
    evA = openRoute({ groups: RTMGRP_LINK });
    ba = await LinuxBridgeBackend.open({ bridge: 'bra', ccmTxPeriodS: 6, sockets: { request: countA.sock, events: evA } });
    bb = await LinuxBridgeBackend.open({ bridge: 'brb', ccmTxPeriodS: 6 });
    tapB = new CcmTap('b0');
    tapA1x = new CcmTap('a1x');
  });

  it('manager: kernel MEP + software up MEP applied on one bridge (AF_PACKET CPU path)', async () => {
    swA = openSwitch({ config: cfgA, profile: 'linux-bridge', backend: ba });
    swB = openSwitch({ config: cfgB, profile: 'linux-bridge', backend: bb });
    const ra = await swA.apply();
    await swB.apply();
    const placed = ra.plan.meps.map((m) => [m.mepId, m.ccm]).sort();
    assertEq(placed, [[1, 'hardware'], [10, 'software']], 'placement on A');
    assertEq((await ba.listVoes()).map((v) => v.spec.mepId), [1], 'kernel MEPs on bra');
  });

  it('manager: the up MEP sends into the relay (out of a0, never its own a1)', async () => {
    const ok = await waitFor(async () => tapB.seen.filter(([l, id]) => l === 6 && id === 10).length >= 3, 4000, 100);
    assert(ok, `no level-6 CCMs from up MEP 10 arriving at b0 (saw ${JSON.stringify(tapB.seen.slice(0, 10))})`);
    assert(tapB.seen.some(([l, id]) => l === 5 && id === 1), 'no kernel CCMs from MEP 1 at b0');
    assertEq(tapA1x.seen.filter(([, id]) => id === 10).length, 0, 'up MEP CCMs out of its own port a1');
  });

  it('manager: loopback between kernel MEPs is answered in software (the kernel eats LBMs)', async () => {
    await sleep(500); // sessions up
    const r = await swA!.loopback('d/link/1', { target: '02:00:00:00:0b:02', count: 3, intervalMs: 100, timeoutMs: 2000 });
    assertEq([r.sent, r.received], [3, 3], 'LBMs sent / LBRs received');
  });

  it('manager: an identical re-apply sends nothing to the kernel', async () => {
    const before = countA.writes();
    const again = openSwitch({ config: cfgA, profile: 'linux-bridge', backend: ba });
    try {
      // the keep-alive (every PERIOD/3 = 2 s) may fall in the window: measure right after one
      const rep = await again.apply();
      assertEq(rep.ops.length, 0, 'operations');
    } finally {
      await again.close();
    }
    const sent = countA.writes() - before;
    assert(sent <= 1, `${sent} SETLINK requests for an identical re-apply (at most one keep-alive expected)`);
  });

  it('manager: an idle MEP costs about one status dump per second', async () => {
    const d0 = ba.statusDumps;
    const t0 = Date.now();
    await sleep(3000);
    const perS = (ba.statusDumps - d0) / ((Date.now() - t0) / 1000);
    assert(perS <= 1.5, `${perS.toFixed(2)} status dumps per second (was 100 with the 10 ms poll)`);
  });

  it('manager: LOC from the kernel notification reaches the manager at once', async () => {
    let pushed = 0;
    ba.onEventsPending(() => pushed++);
    const faults: string[] = [];
    swA!.onFault((f) => faults.push(JSON.stringify(f)));
    ip('link', 'set', 'b0', 'down');
    const st = await waitFor(async () => {
      const s = await swA!.status();
      const m = s.meps.find((x) => x.key === 'd/link/1');
      return m?.remotes.some((r) => r.mepId === 2 && r.state === 'failed') ? m : undefined;
    }, 5000, 100);
    ip('link', 'set', 'b0', 'up');
    assert(st, 'remote MEP 2 not failed on A within 5 s of link down');
    assert(pushed > 0, 'no onEventsPending push from the RTNLGRP_LINK notification');
  });

  it('manager: another tool removed a peer; the apply works from the read-back', async () => {
    const [v] = await ba.listVoes();
    const links = await listLinks(countA.sock);
    const br = links.find((l) => l.name === 'bra')!.index;
    const other = openRoute();
    try {
      await other.request((seq) => encodeCfmSetLink(seq, br, [{ cmd: 'peerMepRemove', value: { instance: v.handle, mepId: 2 } }]), 'other tool');
    } finally {
      other.close();
    }
    const r = await reconcile(ba, [{ ...v.spec, peers: [2, 3] }]);
    assertEq(r.ops.map((o) => o.kind), ['update'], 'ops');
    const [after] = await ba.listVoes();
    assertEq(after.spec.peers.sort(), [2, 3], 'peers in the kernel');
    await reconcile(ba, [v.spec]);
  });

  afterAll(async () => {
    await swA?.close();
    await swB?.close();
    tapB.close();
    tapA1x.close();
    await ba.close();
    await bb.close();
    countA.sock.close();
    evA.close();
  });
});
