/**
 * The AF_PACKET receive hold holds the CCM socket only (native/addon/packet.cc AddToGroup,
 * src/backends/software/rx-hold.ts): with the hold engaged (64 MEPs at 1 s: a 50 ms hold), an LBM
 * or an LBR (the engine's loopback, src/engine/mep-lb.ts) is read from the other CFM socket at
 * once and reaches the engine without waiting up to 50 ms, so a loopback's round trip is the
 * path's, not the hold's.
 * Root + netns (CI runs it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import { MAX_RX_HOLD_NS, receiveHoldNs } from '../../src/backends/software/rx-hold.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { RealClock } from '../../src/common/clock.js';
import type { FrameRx } from '../../src/common/frame-port.js';
import { controlLoopback, controlRequest } from '../../src/offload/control.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeFrame } from '../../src/pdu/frame.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { OPCODE } from '../../src/pdu/types.js';
import { providerConfig, providerGroup, providerMa, spawnCfm } from '../helpers/cfm-child.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from './netns.js';

const gate = linuxTestGate('test/linux/rx-hold-oam (LBM / LBR past the AF_PACKET receive hold)');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** MAs (one VLAN each) whose CCMs keep the hold busy: 64 at 1 s, a CCM every ~16 ms on average. */
const MAS = 64;

/** The MAID of MA ma<vlan> of providerConfig (MD "Provider", MA "svc-<vlan>"). */
const maidOf = (vlan: number) => encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: `svc-${vlan}` } });

function spec(port: string, mac: string, vlan: number, mepId: number, peer: number): VoeSpec {
  return {
    key: `v${vlan}m${mepId}`, port, direction: 'down', level: 5, vlan, unicastMac: mac, mepId, maid: maidOf(vlan), interval: 4, priority: 7,
    peers: [peer], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
  };
}

/**
 * MEP 2 of MAs `from`..`to` (VLAN i, 1 s, expecting MEP 1) on the B end, created 1/64 s apart:
 * without a transmit grid each VOE's CCMs keep the phase of its creation, so they arrive spread
 * over the second (a CCM every ~16 ms) and the receiving end's hold group keeps holding.
 */
async function spreadPeers(peers: SoftwareBackend, link: VethLink, from: number, to: number): Promise<void> {
  for (let v = from; v <= to; v++) {
    await peers.createVoe(spec(link.ifB, link.macB, v, 2, 1));
    await sleep(1000 / MAS);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ms = (ns: number) => (ns / 1e6).toFixed(2);

describe.skipIf(!gate.run)('AF_PACKET receive hold: LBM and LBR are not held', () => {
  let link: VethLink;
  let dir: string;
  beforeAll(async () => {
    link = await createVethLink('crl');
    dir = mkdtempSync(join(tmpdir(), 'cfm-rxhold-oam-'));
  });
  afterAll(async () => {
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with the CCM socket held (50 ms), LBMs and LBRs reach the frame port within milliseconds of their arrival', async () => {
    // both ends on their own phases (no transmit grid), so CCMs keep coming and the group holds
    const peers = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet', txGrid: false });
    const clock = new RealClock(); // rx.rxNs is on the backend's clock
    const ours = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath: 'af-packet', txGrid: false, clock });
    const raw = new PacketSocket(link.ifB, { netns: link.nsB, membership: false, receive: false });
    // read delay of each LBM / LBR: the frame port's handler time minus the kernel receive time
    const delays = new Map<number, number[]>([[OPCODE.LBM, []], [OPCODE.LBR, []]]);
    const off = ours.frames.onReceive((rx: FrameRx) => {
      const tagged = rx.frame[12] === 0x81 && rx.frame[13] === 0x00;
      const opcode = rx.frame[tagged ? 19 : 15]!;
      delays.get(opcode)?.push(clock.nowNs() - rx.rxNs);
    });
    try {
      for (let v = 1; v <= MAS; v++) await ours.createVoe(spec(link.ifA, link.macA, v, 1, 2));
      // the hold the backend sets for 1 s receiving VOEs: a quarter interval, capped at 50 ms
      expect(receiveHoldNs([{ spec: spec(link.ifA, link.macA, 1, 1, 2) }])).toBe(MAX_RX_HOLD_NS);
      await spreadPeers(peers, link, 1, MAS);
      await sleep(1500); // every peer seen, CCMs steady
      const holds0 = ours.socketStats(link.ifA).rxHoldWakeups;
      for (let i = 0; i < 40; i++) {
        const opcode: typeof OPCODE.LBR | typeof OPCODE.LBM = i % 2 ? OPCODE.LBR : OPCODE.LBM;
        const frame = encodeFrame({
          dst: link.macA, src: link.macB, vlans: [{ tpid: 0x8100, pcp: 7, dei: false, vid: 1 + (i % MAS) }],
          pdu: { opcode, level: 5, version: 0, flags: 0, transactionId: i, tlvs: [] },
        });
        expect(raw.send(frame)).toBe(true);
        await sleep(17 + (i % 7) * 5); // spread over the hold's phase
      }
      await waitFor(() => delays.get(OPCODE.LBM)!.length === 20 && delays.get(OPCODE.LBR)!.length === 20, 3000, '20 LBMs and 20 LBRs');
      const holds = ours.socketStats(link.ifA).rxHoldWakeups - holds0;
      const lbm = delays.get(OPCODE.LBM)!;
      const lbr = delays.get(OPCODE.LBR)!;
      console.log(`hold wakeups ${holds}; read delay LBM median ${ms(median(lbm))} ms max ${ms(Math.max(...lbm))} ms, LBR median ${ms(median(lbr))} ms max ${ms(Math.max(...lbr))} ms`);
      expect(holds).toBeGreaterThan(5); // the CCM socket really was held meanwhile
      // held, a frame would wait 0..50 ms for the group's read (a median near 25 ms); read at
      // once it waits for the event loop only
      expect(median(lbm)).toBeLessThan(10e6);
      expect(median(lbr)).toBeLessThan(10e6);
      expect(lbm.filter((d) => d > 20e6).length + lbr.filter((d) => d > 20e6).length).toBeLessThanOrEqual(4);
    } finally {
      off();
      raw.close();
      await ours.close();
      await peers.close();
    }
  }, 30_000);

  it('a loopback between two cfm run (AF_PACKET; A receives 64 MAs\' CCMs at 1 s, spread): the round trip is not the hold\'s', async () => {
    const sockA = join(dir, 'a.sock');
    const sockB = join(dir, 'b.sock');
    // MAs ma1..ma64 (VLAN i, 1 s); MEP `mepId` in the first `n` of them
    const cfg = (ifname: string, mepId: number, n: number) => providerConfig(
      Array.from({ length: MAS }, (_, i) => providerMa(i + 1, '1sec', i + 1)),
      Array.from({ length: n }, (_, i) => providerGroup(i + 1, ifname, mepId)),
    );
    writeFileSync(join(dir, 'a.yaml'), cfg(link.ifA, 1, MAS));
    writeFileSync(join(dir, 'b.yaml'), cfg(link.ifB, 2, 1));
    const args = (side: string, ns: string, sock: string) => ['run', join(dir, `${side}.yaml`), '--backend', 'software', '--datapath', 'af-packet', '--netns', ns, '--duration', '40', '--socket', sock];
    const runs = [spawnCfm(args('a', link.nsA, sockA)), spawnCfm(args('b', link.nsB, sockB))];
    // cfm run puts its CCMs on one transmit grid (a burst a second): the peers of ma2..ma64 are
    // sent from here on their own phases instead, so A's CCM socket is held all the time
    const peers = new SoftwareBackend({ ports: [link.ifB], netns: link.nsB, datapath: 'af-packet', txGrid: false });
    try {
      await spreadPeers(peers, link, 2, MAS);
      for (const [sock, n] of [[sockA, MAS], [sockB, 1]] as const) {
        await waitFor(async () => {
          try {
            const s = (await controlRequest(sock, 'status')) as { meps: { remotes: { state: string }[] }[] };
            return s.meps.length === n && s.meps.every((m) => m.remotes[0]?.state === 'ok');
          } catch {
            return false;
          }
        }, 20_000, `every remote MEP up at ${sock}`, 100);
      }
      const r = await controlLoopback(sockA, 'md1/ma1/1', { targetMepId: 2, count: 20, intervalMs: 23 });
      expect(r.received).toBe(20);
      console.log(`loopback RTT median ${ms(median(r.rttNs))} ms, max ${ms(Math.max(...r.rttNs))} ms`);
      // held at either end, the LBM and the LBR would each wait 0..50 ms (a median near 50 ms)
      expect(median(r.rttNs)).toBeLessThan(10e6);
      expect(r.rttNs.filter((t) => t > 40e6).length).toBeLessThanOrEqual(3);
    } finally {
      await peers.close();
      for (const x of runs) x.child.kill('SIGTERM');
      const done = await Promise.all(runs.map((x) => x.done));
      for (const d of done) if (d.code !== 0) console.log(d.stderr);
    }
  }, 60_000);
});
