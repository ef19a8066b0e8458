/**
 * The eBPF datapath's map capacity (issue 17): the software backend opens the program's MEP and
 * peer maps at `bpfCapacity` entries (small maps keep each CCM's lookups in cache), reports that
 * many VOEs, refuses a VOE beyond either map with a typed error that leaves the backend and the
 * kernel maps as they were, and `cfm run` sizes the maps from its config: MEPs beyond the capacity
 * go to the engine (software fallback) with the planner's reason. Root + netns (CI runs it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import type { BpfRx } from '../../src/backends/software/bpf-rx.js';
import type { VoeSpec } from '../../src/backends/types.js';
import { CfmError } from '../../src/common/errors.js';
import { bpfUnavailableReason } from '../../src/native/bpf.js';
import { encodeMaid } from '../../src/pdu/index.js';
import { bpfCapacityFor, headroom } from '../../src/offload/run/bpf-capacity.js';
import { startSoftwareRun, type SoftwareRun } from '../../src/offload/run/software-run.js';
import { createVethLink, linuxTestGate, type VethLink } from '../linux/netns.js';

const gate = linuxTestGate('test/ebpf/capacity (the eBPF maps sized to need)');
const why = gate.run ? bpfUnavailableReason() : gate.reason;
if (gate.run && why && process.env.CI === 'true') throw new Error(`CI: the eBPF module must be tested: ${why}`);

const MAID = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'svc-1' } });

function spec(port: string, level: number, peers: number[], key = `v${level}`): VoeSpec {
  return {
    key, port, direction: 'down', level, vlan: 0, unicastMac: '02:00:00:00:00:01', mepId: 1, maid: MAID, interval: 4, priority: 7,
    peers, ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false, portStatusTlv: 0, interfaceStatusTlv: 0,
  };
}

async function refusal(p: Promise<unknown>): Promise<CfmError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CfmError);
    return e as CfmError;
  }
  throw new Error('expected a refusal');
}

describe('the capacity rule of cfm run (next power of two of 2 x, at least 64)', () => {
  it('sizes with headroom', () => {
    expect(headroom(0, 8192)).toBe(64);
    expect(headroom(32, 8192)).toBe(64);
    expect(headroom(33, 8192)).toBe(128);
    expect(headroom(64, 8192)).toBe(128);
    expect(headroom(5000, 8192)).toBe(8192);
    expect(headroom(40000, 65536)).toBe(65536);
  });
  it('refuses a bad --bpf-capacity with a usage error naming it', () => {
    expect(() => bpfCapacityFor([], 0)).toThrow(/--bpf-capacity: 0 is not a whole number 1\.\.8192/);
    expect(() => bpfCapacityFor([], 8193)).toThrow(/--bpf-capacity/);
  });
});

describe.skipIf(!gate.run || why !== undefined)('the eBPF maps sized to need', () => {
  let link: VethLink;
  let dir: string;
  let run: SoftwareRun | undefined;

  beforeAll(async () => {
    link = await createVethLink('bcap');
    dir = mkdtempSync(join(tmpdir(), 'cfm-bcap-'));
  });
  afterAll(async () => {
    await run?.stop();
    await link?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a bad capacity is a typed CONFIG error, not a silent AF_PACKET fallback', () => {
    expect(() => new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, bpfCapacity: { meps: 0 } })).toThrow(/bpfCapacity\.meps: 0 is not a whole number 1\.\.8192/);
    expect(() => new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, bpfCapacity: { peers: 70000 } })).toThrow(/bpfCapacity\.peers: 70000/);
  });

  it('reports the capacity as VOEs and refuses the MEP or peer beyond it, changing nothing', async () => {
    const be = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath: 'tc', bpfCapacity: { meps: 2, peers: 3 } });
    try {
      expect(be.bpfCapacity()).toEqual({ meps: 2, peers: 3 });
      const caps = be.capabilities();
      expect(caps.portVoes).toBe(2);
      expect(caps.serviceVoes).toBe(2);
      expect(caps.peersPerVoe).toBe(3);
      const h1 = await be.createVoe(spec(link.ifA, 1, [2]));
      await be.createVoe(spec(link.ifA, 2, [2]));
      const before = await be.listVoes();

      // a third MEP: the MEP map is full
      const e1 = await refusal(be.createVoe(spec(link.ifA, 3, [2])));
      expect(e1.code).toBe('BACKEND');
      expect(e1.message).toMatch(/eBPF MEP map full \(2\/2 MEPs\): VOE 'v3' does not fit/);
      expect(await be.listVoes()).toEqual(before);

      // a change that needs two more peer entries (3 + 1 > 3): refused, the VOE keeps its spec
      const e2 = await refusal(be.updateVoe(h1, spec(link.ifA, 1, [2, 3, 4])));
      expect(e2.code).toBe('BACKEND');
      expect(e2.message).toMatch(/eBPF peer map full \(with VOE 'v1' it would hold 4 peers, capacity 3\)/);
      expect(await be.listVoes()).toEqual(before);
      expect((await be.readStatus(h1)).peers.map((p) => p.mepId)).toEqual([2]);
      // the kernel maps too: VOE 1's peer 2 is in the peer map, the refused peers and MEP are not
      // (read through the backend's BpfRx: the maps themselves are the device state here)
      const rx = (be as unknown as { bpf: BpfRx }).bpf;
      expect(rx.peer(spec(link.ifA, 1, [2]), 2)).toBeDefined();
      expect(rx.peer(spec(link.ifA, 1, [2]), 3)).toBeUndefined();
      expect(rx.peer(spec(link.ifA, 3, [2]), 2)).toBeUndefined();

      // one more peer fits (3 entries), and a freed MEP entry takes the next MEP
      await be.updateVoe(h1, spec(link.ifA, 1, [2, 3]));
      await be.deleteVoe(h1);
      const h3 = await be.createVoe(spec(link.ifA, 3, [2]));
      expect(h3).toBeGreaterThan(0);
      expect((await be.listVoes()).map((v) => v.spec.key).sort()).toEqual(['v2', 'v3']);
    } finally {
      await be.close();
    }
  });

  it('cfm run: sizes the maps from the config; MEPs beyond --bpf-capacity run in the engine with a reason', async () => {
    const levels = [3, 4, 5];
    const domains = levels.map((l) => `    - md-id: md${l}
      char-string: Provider${l}
      md-level: ${l}
      maintenance-association:
        - { ma-id: ma${l}, char-string: svc-${l}, ccm-interval: 100ms, maintenance-association-mep: [1, 2] }`).join('\n');
    const groups = levels.map((l) => `    - maintenance-group-id: g${l}
      md-id: md${l}
      ma-id: ma${l}
      mep:
        - { mep-id: 1, direction: down, interface: ${link.ifA}, enabled: true, continuity-check: { ccm-enabled: true } }`).join('\n');
    const cfg = join(dir, 'three.yaml');
    writeFileSync(cfg, `cfm:\n  maintenance-domain:\n${domains}\n  maintenance-group:\n${groups}\n`);

    // default: 3 MEPs with 1 peer each -> the minimum, 64 and 64
    run = await startSoftwareRun({ config: cfg, netns: link.nsA, socketPath: null, datapath: 'tc' });
    expect(run.backend.bpfCapacity()).toEqual({ meps: 64, peers: 64 });
    expect(run.report.plan.meps.every((m) => m.ccm === 'hardware')).toBe(true);
    await run.stop();
    run = undefined;

    run = await startSoftwareRun({ config: cfg, netns: link.nsA, socketPath: null, datapath: 'tc', bpfCapacity: 2 });
    expect(run.backend.bpfCapacity()).toEqual({ meps: 2, peers: 64 });
    const placed = run.report.plan.meps;
    expect(placed).toHaveLength(3);
    const inBackend = placed.filter((m) => m.ccm === 'hardware');
    const inEngine = placed.filter((m) => m.ccm === 'software');
    expect(inBackend).toHaveLength(2);
    expect(inEngine).toHaveLength(1);
    expect(inEngine[0].reason).toMatch(/VOE table full \(2\/2\)/);
    expect((await run.backend.listVoes()).length).toBe(2);
    // the engine's MEP is run (it sends CCMs through the backend's frame port): status lists all three
    const st = await run.status();
    expect(st.meps.map((m) => m.key).sort()).toEqual(placed.map((m) => m.key).sort());
  }, 60_000);
});
