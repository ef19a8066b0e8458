/**
 * Y.1731 AIS / LCK / CSF from the configuration (fault-signalling), through the manager on mock
 * switches in the simulator, for hardware and software MEPs; a probe node on another port of
 * sw1 sees what sw1 sends to the client level.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { exportDocument } from '../../src/config/export.js';
import type { FaultSignalling, LocalMep } from '../../src/config/model.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { decodeFrame, encodeFrame } from '../../src/pdu/index.js';
import type { SimNode } from '../../src/sim/network.js';
import { mkModel, p2p, rig, type Rig } from '../offload/harness.js';
import { oneMepDoc } from '../helpers/configs.js';

let r: Rig | null = null;
afterEach(async () => {
  await r?.close();
  r = null;
});

interface Seen { atNs: number; opcode: number; level: number; flags: number; pcp: number | null }

/** A node that records the CFM frames it receives. */
function probe(x: Rig, name: string): Seen[] {
  const seen: Seen[] = [];
  const node: SimNode = {
    name, ports: ['p0'],
    receive: (_port, frame) => {
      const f = decodeFrame(frame);
      seen.push({ atNs: x.net.clock.nowNs(), opcode: f.pdu.opcode, level: f.pdu.level, flags: f.pdu.flags, pcp: f.vlans[0]?.pcp ?? null });
    },
  };
  x.net.addNode(node);
  return seen;
}

const FS: FaultSignalling = { clientLevel: 6, ais: true, period: 4, priority: 3, locked: false, csf: false };

async function setup(pin: LocalMep['placement'], fs: Partial<FaultSignalling>): Promise<{ x: Rig; seen: Seen[] }> {
  const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
  const seen = probe(x, 'client');
  x.net.connect('sw1:swp2', 'client:p0');
  const [a, b] = p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin });
  const model = mkModel([{ ...a, vlan: 10, faultSignalling: { ...FS, ...fs } }, { ...b, vlan: 10 }]);
  for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(model);
  await runVirtual(x.net.clock, 1e9);
  return { x, seen };
}

const ais = (s: Seen[]) => s.filter((f) => f.opcode === 33);
const lck = (s: Seen[]) => s.filter((f) => f.opcode === 35);

describe.each(['software', 'hardware'] as const)('fault signalling of a %s MEP', (pin) => {
  it('AIS to the client level once per second while LOC lasts, with its own priority; none before or after', async () => {
    const { x, seen } = await setup(pin, {});
    r = x;
    expect(ais(seen)).toEqual([]);
    x.net.link('sw1:swp1-sw2:swp1').up = false;
    await runVirtual(x.net.clock, 5e9);
    const a = ais(seen);
    expect(a.length).toBeGreaterThanOrEqual(4);
    for (const f of a) expect(f).toMatchObject({ level: 6, flags: 4, pcp: 3 });
    for (let i = 1; i < a.length; i++) expect(a[i].atNs - a[i - 1].atNs).toBe(1e9);
    expect(x.mgr.sw1.engine.findMep('md1/ma1/1')!.counters.aisOut).toBe(a.length);
    x.net.link('sw1:swp1-sw2:swp1').up = true;
    await runVirtual(x.net.clock, 2e9);
    const n = ais(seen).length;
    await runVirtual(x.net.clock, 3e9);
    expect(ais(seen).length).toBe(n);
  });

  it('LCK while locked (config, then a change), at 1 min; AIS disabled sends none', async () => {
    const { x, seen } = await setup(pin, { locked: true, period: 6, ais: false });
    r = x;
    await runVirtual(x.net.clock, 61e9);
    const l = lck(seen);
    expect(l.length).toBe(2);
    expect(l[1].atNs - l[0].atNs).toBe(60e9);
    expect(l[0]).toMatchObject({ level: 6, flags: 6 });
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', locked: false }] });
    x.net.link('sw1:swp1-sw2:swp1').up = false;
    await runVirtual(x.net.clock, 121e9);
    expect(lck(seen)).toHaveLength(2);
    expect(ais(seen)).toEqual([]);
    await x.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', locked: true }] });
    await runVirtual(x.net.clock, 1e9);
    expect(lck(seen)).toHaveLength(3);
  });
});

describe('fault signalling: CSF, AIS reception on a hardware MEP, configuration', () => {
  it('CSF-LOS from an up MEP while its port is down, DCI when it is back; the peer reports it', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp2', 'sw2:swp2']]);
    const meps = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin: 'software' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'software' }).map((m) => ({ ...m, direction: 'up' as const }));
    meps[0] = { ...meps[0], faultSignalling: { ...FS, csf: true } };
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(mkModel(meps));
    await runVirtual(r.net.clock, 2e9);
    r.sw.sw1.backend.setPortState('swp1', { operStatus: 'down' });
    await runVirtual(r.net.clock, 3e9);
    const csf = r.events.filter((e) => e.switch === 'sw2' && e.type === 'condition' && e.condition?.startsWith('csf'));
    expect(csf.map((e) => [e.condition, e.active])).toEqual([['csf-los', true]]);
    r.sw.sw1.backend.setPortState('swp1', { operStatus: 'up' });
    await runVirtual(r.net.clock, 2e9);
    const after = r.events.filter((e) => e.switch === 'sw2' && e.type === 'condition' && e.condition?.startsWith('csf'));
    expect(after.map((e) => [e.condition, e.active])).toEqual([['csf-los', true], ['csf-los', false]]);
  });

  it('AIS received by a hardware MEP suppresses its LOC alarm only', async () => {
    r = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    const model = mkModel(p2p(3, { sw: 'sw1', id: 1, port: 'swp1', pin: 'hardware' }, { sw: 'sw2', id: 2, port: 'swp1', pin: 'hardware' }));
    for (const n of ['sw1', 'sw2']) await r.mgr[n].apply(model);
    await runVirtual(r.net.clock, 1e9);
    // a server layer fault below sw1's MEP: AIS at level 5 arrives at sw2, then CCMs stop
    const aisFrame = encodeFrame({ dst: '01:80:c2:00:00:35', src: '02:00:00:00:00:aa', vlans: [], pdu: { opcode: 33, level: 5, version: 0, flags: 4, tlvs: [] } });
    const x = r;
    const inject = (): void => {
      x.sw.sw2.receive('swp1', aisFrame);
      x.net.clock.setTimer(1e9, inject);
    };
    inject();
    x.sw.sw1.cutTx('swp1');
    await runVirtual(x.net.clock, 6e9);
    const alarms = x.events.filter((e) => e.switch === 'sw2' && e.type === 'alarm');
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms[0]).toMatchObject({ defect: 'defRemoteCCM', suppressed: true, source: 'hardware' });
  });

  it('the config leaf: defaults, export, and errors naming the field', () => {
    const doc = (fs: string, dir: 'up' | 'down' = 'down') => oneMepDoc(`fault-signalling: ${fs}`, dir);
    const ok = parseConfig(doc('{ client-md-level: 6 }'));
    expect(ok.errors).toEqual([]);
    expect(ok.model!.domains[0].associations[0].meps[0].faultSignalling).toEqual({ clientLevel: 6, ais: true, period: 4, priority: 5, locked: false, csf: false });
    const min = parseConfig(doc('{ client-md-level: 7, interval: 1min, locked: true, ais-enabled: false, priority: 2 }'));
    expect(min.model!.domains[0].associations[0].meps[0].faultSignalling).toEqual({ clientLevel: 7, ais: false, period: 6, priority: 2, locked: true, csf: false });
    const exported = exportDocument(min.model!).doc.cfm!['maintenance-group']![0].mep![0]['fault-signalling'];
    expect(exported).toEqual({ 'client-md-level': 7, 'ais-enabled': false, interval: '1min', priority: 2, locked: true, 'csf-enabled': false });
    const bad = parseConfig(doc('{ client-md-level: 3, csf-enabled: true }'));
    expect(bad.errors.map((e) => [e.pointer, e.rule])).toEqual([
      ['/cfm/maintenance-group/0/mep/0/fault-signalling/client-md-level', 'mep.ais-client-level'],
      ['/cfm/maintenance-group/0/mep/0/fault-signalling/csf-enabled', 'mep.csf-down'],
    ]);
    const period = parseConfig(doc('{ client-md-level: 6, interval: 10s }'));
    expect(period.errors.map((e) => [e.pointer, e.rule, e.hint])).toEqual([['/cfm/maintenance-group/0/mep/0/fault-signalling/interval', 'schema.enum', 'use one of: "1s", "1sec", "1min", 4, 6']]);
    expect(parseConfig(doc('{ client-md-level: 6, csf-enabled: true }', 'up')).errors).toEqual([]);
  });
});
