/**
 * CPU protection on the real datapath: two software MEPs over veth between two namespaces run a
 * 100 ms CCM session while one side is flooded with 50k CFM frames (LBMs from four spoofed peers
 * and level-2 frames). The native policer on the AF_PACKET receive path drops the excess before
 * JavaScript; the session raises no LOC. Needs root (skips locally with a loud reason; runs in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import type { HwEvent, VoeSpec } from '../../src/backends/types.js';
import { parseConfig } from '../../src/config/index.js';
import { nativePolicerAvailable } from '../../src/cpu-protection/native.js';
import { setupProtection, type ProtectionRuntime } from '../../src/cpu-protection/setup.js';
import { summarize } from '../../src/cpu-protection/summary.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';
import { datapathsUnderTest } from '../linux/datapaths.js';
import { cfmFrame } from './fixtures.js';

const gate = linuxTestGate('test/cpu-protection/flood (native CPU protection under a flood, netns)');
const haveNative = gate.run && nativePolicerAvailable();
if (gate.run && !haveNative) {
  if (process.env.CI === 'true') throw new Error('CI: the addon must include the native CpuPolicer');
  console.warn('\n*** SKIPPING the CPU-protection flood test: the native addon has no CpuPolicer (rebuild: npm run build:native) ***\n');
}

const FLOOD = 50_000;
const ATTACKERS = ['02:aa:00:00:00:01', '02:aa:00:00:00:02', '02:aa:00:00:00:03', '02:aa:00:00:00:04'];
const maid = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-1' } });

function spec(o: Pick<VoeSpec, 'port' | 'unicastMac' | 'mepId' | 'peers'>): VoeSpec {
  return {
    key: `mep${o.mepId}`, direction: 'down', level: 5, vlan: 0, maid, interval: 3, priority: 7,
    ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0, ...o,
  };
}

// on both receive datapaths: the policer on the AF_PACKET socket, and inside the eBPF program
for (const datapath of haveNative ? datapathsUnderTest() : ['af-packet' as const]) describe.skipIf(!haveNative)(`native CPU protection under a flood on veth (${datapath} receive)`, () => {
  let link: VethLink;
  let A: SoftwareBackend;
  let B: SoftwareBackend;
  let prot: ProtectionRuntime;
  let flooder: PacketSocket;
  const evB: HwEvent[] = [];
  const evA: HwEvent[] = [];

  beforeAll(async () => {
    link = await createVethLink('cfp');
    A = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath });
    B = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath });
    A.onEvent((e) => evA.push(e));
    B.onEvent((e) => evB.push(e));
    flooder = new PacketSocket(link.ifA, { netns: link.nsA, membership: false });
  });

  afterAll(async () => {
    flooder?.close();
    prot?.close();
    await A?.close();
    await B?.close();
    await link?.cleanup();
  });

  it('drops the flood natively, counts it, and the 100 ms session raises no LOC', async () => {
    const r = parseConfig(`
cpu-protection:
  policy:
    - policy-id: 1
      eth-cfm:
        - { entry: 5, level: 5, opcode: 1, rate: 20 }
        - { entry: 10, level: "5-7", opcode: "3,5", rate: 1 }
        - { entry: 20, level: "0-7", opcode: "0-255", rate: 0 }
  binding:
    - { interface: ${link.ifB}, cpu-protection: 1, eth-cfm-monitoring: true }
`, { fileName: 'flood.yaml' });
    expect(r.errors).toEqual([]);
    prot = await setupProtection(r.model!, B);
    expect(prot.plan.bindings.map((b) => b.enforcement)).toEqual(['native']);
    expect(prot.engine).toBeNull();

    const hA = await A.createVoe(spec({ port: link.ifA, unicastMac: link.macA, mepId: 1, peers: [2] }));
    const hB = await B.createVoe(spec({ port: link.ifB, unicastMac: link.macB, mepId: 2, peers: [1] }));
    await waitFor(async () => (await B.readStatus(hB)).peers[0]?.seen === true && (await A.readStatus(hA)).peers[0]?.seen === true, 3000, 'session up');
    const bStats0 = B.socketStats(link.ifB);

    // 50k frames: 4 spoofed peers' LBMs (level 5, entry 10 per peer 1 pps) and level-2 LBMs (entry 20)
    const frames = Array.from({ length: 256 }, (_, i) => cfmFrame(ATTACKERS[i % 4], i % 8 === 7 ? 2 : 5, 3, 0, i));
    const t0 = process.hrtime.bigint();
    let sent = 0;
    const deadline = Date.now() + 10_000;
    while (sent < FLOOD && Date.now() < deadline) {
      const n = flooder.sendBatch(frames.slice(0, Math.min(frames.length, FLOOD - sent)));
      sent += n;
      await new Promise((res) => setImmediate(res)); // let the receive side drain
    }
    const floodMs = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(sent).toBe(FLOOD);
    await new Promise((res) => setTimeout(res, 1000)); // > 3.5 intervals after the flood

    // the session never lost continuity on either side
    expect(evB.filter((e) => e.kind === 'loc' && e.active)).toEqual([]);
    expect(evA.filter((e) => e.kind === 'loc' && e.active)).toEqual([]);
    expect((await B.readStatus(hB)).peers[0]).toMatchObject({ loc: false, seen: true });

    const c = (await prot.counters())[0];
    expect(c.enforcement).toBe('native');
    const s = summarize(c);
    const key = `default/${link.ifB}/0`;
    let floodPassed = 0;
    let floodDropped = 0;
    for (const m of ATTACKERS) {
      const t = s.perPeer[`${key} ${m}`];
      floodPassed += t.passed;
      floodDropped += t.dropped;
    }
    // tp_drops resets on every read: the read before the flood zeroed it
    const kernelDrops = B.socketStats(link.ifB).rxKernelDrops;
    // every flood frame is accounted for: policed natively, or lost in the kernel queue
    expect(floodPassed + floodDropped + kernelDrops).toBe(FLOOD);
    // each attacker passes at most its burst of 1 plus 1 per second of flood (+1 for the tail)
    expect(floodPassed).toBeLessThanOrEqual(ATTACKERS.length * (2 + Math.ceil(floodMs / 1000)));
    expect(floodDropped).toBeGreaterThan(FLOOD * 0.9);
    expect(s.perEntry[`${key} entry 20`].passed).toBe(0);
    // the real peer's CCMs all pass entry 5
    expect(s.perPeer[`${key} ${link.macA}`].dropped).toBe(0);
    // JavaScript saw only what passed: CCMs of the peer plus the few flood frames admitted
    const jsFrames = B.socketStats(link.ifB).rxFrames - bStats0.rxFrames;
    expect(jsFrames).toBeLessThan(floodPassed + 200);
  }, 60_000);
});
