/**
 * Open vSwitch 3.1 as a live CCM peer (userspace datapath, its own ovsdb/vswitchd in a temp
 * folder): our software MEP (level 0, MAID "ovs"/"ovs" as OVS sends it, MEPID 2) and an OVS CFM
 * interface (MPID 1) see each other without fault; RDI from us shows as [rdi] in OVS; cutting
 * the link faults both; our CCMs captured on the wire decode cleanly in tshark 4.0.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareBackend } from '../../src/backends/software/backend.js';
import type { HwEvent } from '../../src/backends/types.js';
import { PacketSocket } from '../../src/native/packet.js';
import { encodeMaid } from '../../src/pdu/maid.js';
import { writePcap } from '../../src/pdu/pcap.js';
import { createVethLink, linuxTestGate, waitFor, type VethLink } from '../linux/netns.js';
import { datapathsUnderTest } from '../linux/datapaths.js';
import { haveOvs, startOvs, type Ovs } from './ovs.js';

const run = promisify(execFile);
const base = linuxTestGate('test/interop/ovs (OVS + tshark peers)');
const haveTshark = spawnSync('sh', ['-c', 'command -v tshark'], { stdio: 'ignore' }).status === 0;
let reason = base.reason;
if (base.run && !haveOvs()) reason = 'Open vSwitch is not installed (apt-get install openvswitch-switch)';
else if (base.run && !haveTshark) reason = 'tshark is not installed (apt-get install tshark)';
if (reason && base.run) {
  if (process.env.CI === 'true') throw new Error(`test/interop/ovs must run in CI but cannot: ${reason}`);
  console.warn(`\n*** SKIPPING test/interop/ovs: ${reason} ***\n`);
}
const canRun = base.run && !reason;

// OVS's fixed MAID: MD name format 4 "ovs", short MA name format 2 "ovs" (lib/cfm.c)
const OVS_MAID = encodeMaid({ md: { format: 4, name: 'ovs' }, ma: { format: 2, name: 'ovs' } });
const INTERVAL_MS = 100;

// on both receive datapaths (AF_PACKET, and the eBPF fast path where the addon has it)
for (const datapath of canRun ? datapathsUnderTest() : ['af-packet' as const]) describe.skipIf(!canRun)(`Open vSwitch CFM as a live peer (${datapath} receive)`, () => {
  let link: VethLink;
  let ovs: Ovs;
  let ours: SoftwareBackend;
  let handle: number;
  const events: HwEvent[] = [];

  const ovsState = async () => ({
    fault: await ovs.get(link.ifB, 'cfm_fault'),
    status: await ovs.get(link.ifB, 'cfm_fault_status'),
    remotes: await ovs.get(link.ifB, 'cfm_remote_mpids'),
  });

  beforeAll(async () => {
    link = await createVethLink('cfo');
    ovs = await startOvs(link.nsB);
    await ovs.vsctl('add-br', 'br-cfm', '--', 'set', 'Bridge', 'br-cfm', 'datapath_type=netdev', 'fail_mode=secure', 'other_config:disable-in-band=true');
    await ovs.vsctl('add-port', 'br-cfm', link.ifB, '--', 'set', 'Interface', link.ifB, 'cfm_mpid=1',
      `other_config:cfm_interval=${INTERVAL_MS}`, 'other_config:cfm_extended=false');
    ours = new SoftwareBackend({ ports: [link.ifA], netns: link.nsA, datapath });
    ours.onEvent((e) => events.push(e));
    handle = await ours.createVoe({
      key: 'ovs/ovs/2', port: link.ifA, direction: 'down', level: 0, vlan: 0, unicastMac: link.macA, mepId: 2,
      maid: OVS_MAID, interval: 3, priority: 7, peers: [1], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false,
      portStatusTlv: 0, interfaceStatusTlv: 0,
    });
  }, 60_000);

  afterAll(async () => {
    await ours?.close();
    await ovs?.stop();
    await link?.cleanup();
  });

  it('comes up with no fault on either side', async () => {
    // OVS decides every 3.5 intervals: wait for our MPID to show up, not for an early "false"
    await waitFor(async () => (await ovsState()).remotes === '[2]', 5000, 'OVS to learn MPID 2', 50);
    await waitFor(async () => (await ours.readStatus(handle)).peers[0].seen, 5000, 'us to see MPID 1', 20);
    await new Promise((r) => setTimeout(r, 4 * INTERVAL_MS));
    const st = await ovsState();
    expect(st).toEqual({ fault: 'false', status: '[]', remotes: '[2]' });
    const mine = await ours.readStatus(handle);
    expect(mine.peers[0]).toMatchObject({ mepId: 1, loc: false, rdi: false, seen: true });
    // no cross-connect, unexpected MEP or period: OVS's CCM is exactly what we expect
    expect([mine.unexpectedMegId, mine.unexpectedMepId, mine.unexpectedPeriod, mine.unexpectedLevel]).toEqual([false, false, false, false]);
    expect(mine.counters.ccmRxInvalid).toBe(0);
  }, 20_000);

  it('RDI set by us shows as [rdi] in OVS, and clears', async () => {
    await ours.setRdi(handle, true);
    await waitFor(async () => (await ovsState()).status === '[rdi]', 5000, 'OVS fault [rdi]', 50);
    expect((await ovsState()).fault).toBe('true');
    await ours.setRdi(handle, false);
    await waitFor(async () => (await ovsState()).fault === 'false', 5000, 'OVS fault cleared', 50);
  }, 20_000);

  it('cutting the link faults both sides; restoring it clears both', async () => {
    events.length = 0;
    await link.setLink('A', false);
    await waitFor(() => events.some((e) => e.kind === 'loc' && e.active && e.peerMepId === 1), 3000, 'our LOC for MPID 1', 10);
    await waitFor(async () => (await ovsState()).fault === 'true', 5000, 'OVS fault', 50);
    expect((await ovsState()).status).toMatch(/recv/);
    await link.setLink('A', true);
    await waitFor(() => events.some((e) => e.kind === 'loc' && !e.active && e.peerMepId === 1), 5000, 'our LOC cleared', 10);
    await waitFor(async () => (await ovsState()).fault === 'false' && (await ovsState()).remotes === '[2]', 8000, 'OVS fault cleared', 50);
  }, 30_000);

  it('our CCMs captured on the wire decode cleanly in tshark', async () => {
    // capture what reaches OVS's side (our frames; OVS's own are outgoing there and filtered)
    const cap = new PacketSocket(link.ifB, { netns: link.nsB });
    const frames: { data: Uint8Array; tsSec: number; tsNsec: number }[] = [];
    cap.onFrames((fs, mono) => {
      for (const f of fs) frames.push({ data: Uint8Array.from(f), tsSec: Math.floor(mono / 1e9), tsNsec: mono % 1e9 });
    });
    await ours.setRdi(handle, true);
    await waitFor(() => frames.length >= 3, 3000, '3 captured CCMs', 10);
    await ours.setRdi(handle, false);
    await waitFor(() => frames.length >= 6, 3000, '6 captured CCMs', 10);
    cap.close();
    const dir = mkdtempSync(join(tmpdir(), 'cfm-tshark-'));
    try {
      const file = join(dir, 'ours.pcap');
      writeFileSync(file, writePcap(frames, { nanosecond: true }));
      const fields = ['cfm.md.level', 'cfm.version', 'cfm.opcode', 'cfm.flags.rdi', 'cfm.flags.interval', 'cfm.first.tlv.offset',
        'cfm.ccm.seq.num', 'cfm.ccm.ma.ep.id', 'cfm.maid.md.name.string', 'cfm.maid.ma.name.string', 'eth.src', '_ws.malformed', '_ws.expert'];
      const { stdout } = await run('tshark', ['-r', file, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { timeout: 60_000 });
      const rows = stdout.trim().split('\n').map((l) => l.split('|'));
      expect(rows.length).toBe(frames.length);
      for (const r of rows) {
        const [level, version, opcode, rdi, interval, tlvOff, , mepId, md, ma, src, malformed, expert] = r;
        expect({ level, version, opcode, interval, tlvOff, mepId, md, ma, src, malformed, expert }).toEqual({
          level: '0', version: '0', opcode: '1', interval: '3', tlvOff: '70', mepId: '2', md: 'ovs', ma: 'ovs', src: link.macA, malformed: '', expert: '',
        });
        expect(['0', '1', 'False', 'True']).toContain(rdi);
      }
      const seqs = rows.map((r) => Number(r[6]));
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe(seqs[i - 1] + 1);
      expect(rows.some((r) => r[3] === '1' || r[3] === 'True')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
