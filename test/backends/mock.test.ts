/**
 * The backend contract on the mock ASIC (two chip shapes), then what only the mock does:
 * hardware CCM sessions between two mocks in virtual time, fault injection, policers, punt queue
 * overflow, injector budget, level filtering and relay, warm restart (same instance, state file,
 * another process).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../src/common/clock.js';
import { intervalNs } from '../../src/common/interval.js';
import { CfmError } from '../../src/common/errors.js';
import { MockAsicBackend, mockOptionsFromProfile, openBackend, type MockAsicOptions } from '../../src/backends/mock/index.js';
import { isAsicError } from '../../src/backends/asic-binding/index.js';
import type { HwEvent, VoeSpec } from '../../src/backends/types.js';
import type { HwProfile } from '../../src/profiles/types.js';
import { runBackendContract, type ContractHarness } from './contract.js';
import { ccmFrame, cfmFrame, parseCfm, testMaid } from './frames.js';

function harness(opts: MockAsicOptions): () => Promise<ContractHarness> {
  return async () => {
    const clock = new VirtualClock();
    const backend = new MockAsicBackend(opts);
    backend.attachVirtualClock(clock);
    return {
      backend,
      advance: async (ns) => {
        clock.advance(ns);
      },
      injectFromWire: (port, frame) => backend.injectFromWire(port, frame),
      onWireTransmit: (cb) => backend.onWireTransmit(cb),
    };
  };
}

// a big switch with many-peer VOEs and hardware CCM generation
runBackendContract('mock (hardware tx, 4 peers)', harness({ ports: 4, portVoes: 6, serviceVoes: 16, peersPerVoe: 4, policers: 2 }));
// a LAN966x-like chip: port VOEs only, one peer, injected CCMs, no up/VLAN MEPs, no policers
runBackendContract(
  'mock (LAN966x-like)',
  harness({ ports: 2, portVoes: 2, serviceVoes: 0, peersPerVoe: 1, ccmTxMode: 'injected', injectorBudgetFps: 300, upMep: false, vlanMep: false, policers: 0 }),
);

const MAID = testMaid('mock');
const IV = 3; // 100 ms
const T = intervalNs(IV);

function spec(mepId: number, peers: number[], over: Partial<VoeSpec> = {}): VoeSpec {
  return {
    key: `md/ma/mep${mepId}`,
    port: 'swp1',
    direction: 'down',
    level: 4,
    vlan: 0,
    unicastMac: `02:00:00:00:00:${mepId.toString(16).padStart(2, '0')}`,
    mepId,
    maid: MAID,
    interval: IV,
    priority: 7,
    peers,
    ccmTx: true,
    ccmRx: true,
    seqUpdate: true,
    rdi: false,
    portStatusTlv: 0,
    interfaceStatusTlv: 0,
    ...over,
  };
}

const open: MockAsicBackend[] = [];
function mock(opts: MockAsicOptions = {}): MockAsicBackend {
  const b = new MockAsicBackend({ ports: 4, ...opts });
  open.push(b);
  return b;
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cfm-mock-'));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const b of open.splice(0)) await b.close(); // writes state files: before removing them
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two mocks on one virtual clock, swp1 of A cabled to swp1 of B, with a cable cutter. */
function backToBack() {
  const clock = new VirtualClock();
  const a = mock({ instance: undefined });
  const b = mock();
  a.attachVirtualClock(clock);
  b.attachVirtualClock(clock);
  const link = { up: true, lastToB: -1, lastToA: -1 };
  a.onWireTransmit((port, f) => {
    if (port === 'swp1' && link.up) {
      link.lastToB = clock.nowNs();
      b.injectFromWire('swp1', f);
    }
  });
  b.onWireTransmit((port, f) => {
    if (port === 'swp1' && link.up) {
      link.lastToA = clock.nowNs();
      a.injectFromWire('swp1', f);
    }
  });
  return { clock, a, b, link };
}

describe('mock ASIC: hardware CCM sessions between two switches', () => {
  it('runs a VOE created at a later virtual instant (work due "now" is not left pending)', async () => {
    const { clock, a, b } = backToBack();
    clock.advance(5 * T + 123);
    const ha = await a.createVoe(spec(1, [2]));
    await b.createVoe(spec(2, [1]));
    // Before the fix the clock timer for the first CCM re-fired at this instant forever.
    const fired = clock.advance(10 * T);
    expect(fired).toBeLessThan(1000);
    expect((await a.readStatus(ha)).counters.ccmTx).toBeGreaterThanOrEqual(10);
  });

  it('comes up, declares LOC 3.25..3.5 intervals after the last CCM when cut, clears on restore, carries RDI', async () => {
    const { clock, a, b, link } = backToBack();
    const ha = await a.createVoe(spec(1, [2]));
    const hb = await b.createVoe(spec(2, [1]));
    clock.advance(10 * T);
    const sa = await a.readStatus(ha);
    const sb = await b.readStatus(hb);
    expect(sa.peers[0]).toMatchObject({ mepId: 2, seen: true, loc: false, mac: '02:00:00:00:00:02' });
    expect(sb.peers[0]).toMatchObject({ mepId: 1, seen: true, loc: false });
    expect(sa.counters.ccmTx).toBeGreaterThanOrEqual(10);
    expect(sb.counters.ccmRxValid).toBe(sa.counters.ccmTx);
    expect(sb.counters.ccmRxOutOfOrder).toBe(0);
    expect((await a.pollEvents()).filter((e) => e.kind === 'loc')).toEqual([]);
    await b.pollEvents();

    link.up = false;
    clock.advance(10 * T);
    const locB = (await b.pollEvents()).find((e) => e.kind === 'loc' && e.active);
    const locA = (await a.pollEvents()).find((e) => e.kind === 'loc' && e.active);
    expect(locB).toMatchObject({ handle: hb, peerMepId: 1 });
    expect(locA).toMatchObject({ handle: ha, peerMepId: 2 });
    const afterLast = (locB!.atNs - link.lastToB) / T;
    expect(afterLast).toBeGreaterThanOrEqual(3.25);
    expect(afterLast).toBeLessThanOrEqual(3.5);
    expect((await b.readStatus(hb)).peers[0].loc).toBe(true);

    link.up = true;
    clock.advance(2 * T);
    const clearB = (await b.pollEvents()).find((e) => e.kind === 'loc');
    expect(clearB).toMatchObject({ handle: hb, peerMepId: 1, active: false });
    expect((await b.readStatus(hb)).peers[0].loc).toBe(false);

    await a.setRdi(ha, true);
    clock.advance(2 * T);
    expect((await b.pollEvents()).find((e) => e.kind === 'rdi')).toMatchObject({ handle: hb, peerMepId: 1, active: true });
    expect((await b.readStatus(hb)).peers[0].rdi).toBe(true);
    await a.setRdi(ha, false);
    clock.advance(2 * T);
    expect((await b.pollEvents()).find((e) => e.kind === 'rdi')).toMatchObject({ active: false });
  });

  it('detects a period mismatch (dUNP) and clears it 3.5 intervals after the last bad CCM', async () => {
    const { clock, a, b, link } = backToBack();
    await a.createVoe(spec(1, [2], { interval: 2, ccmRx: false }));
    const hb = await b.createVoe(spec(2, [1]));
    clock.advance(5 * T);
    const ev = (await b.pollEvents()).filter((e: HwEvent) => e.kind === 'unexpected-period');
    expect(ev).toEqual([expect.objectContaining({ handle: hb, active: true })]);
    const st = await b.readStatus(hb);
    expect(st.unexpectedPeriod).toBe(true);
    expect(st.counters.ccmRxInvalid).toBeGreaterThan(0);
    expect(st.counters.ccmRxValid).toBe(0);
    link.up = false;
    const cutAt = link.lastToB;
    clock.advance(5 * T);
    const cleared = (await b.pollEvents()).find((e) => e.kind === 'unexpected-period');
    expect(cleared).toMatchObject({ active: false });
    expect(cleared!.atNs - cutAt).toBe(Math.round(3.5 * T));
  });

  it('checks received CCMs in hardware: unexpected MEP id (also our own), priority, sequence gaps', async () => {
    const clock = new VirtualClock();
    const b = mock();
    b.attachVirtualClock(clock);
    const h = await b.createVoe(spec(1, [2], { vlan: 30, priority: 6, ccmTx: false }));
    const ccm = (mepId: number, seq: number, pcp = 6) => ccmFrame({ level: 4, mepId, maid: MAID, interval: IV, seq, vlan: 30, pcp });
    b.injectFromWire('swp1', ccm(7, 1)); // not an expected peer
    b.injectFromWire('swp1', ccm(1, 1)); // our own MEP id: a loop
    let st = await b.readStatus(h);
    expect(st).toMatchObject({ unexpectedMepId: true, unexpectedPriority: false });
    expect(st.counters).toMatchObject({ ccmRxInvalid: 2, ccmRxValid: 0 });
    b.injectFromWire('swp1', ccm(2, 5, 3)); // wrong priority: dUNPr, but the CCM still counts
    b.injectFromWire('swp1', ccm(2, 6));
    b.injectFromWire('swp1', ccm(2, 9)); // a gap: out of order
    st = await b.readStatus(h);
    expect(st).toMatchObject({ unexpectedMepId: false, unexpectedPriority: true });
    expect(st.counters).toMatchObject({ ccmRxValid: 3, ccmRxOutOfOrder: 1 });
    expect(st.peers[0]).toMatchObject({ seen: true, lastSeq: 9 });
    const ev = await b.pollEvents();
    expect(ev.filter((e) => e.active).map((e) => e.kind).sort()).toEqual(['unexpected-mep-id', 'unexpected-priority']);
    clock.advance(4 * T);
    const later = await b.pollEvents();
    expect(later.filter((e) => !e.active).map((e) => e.kind).sort()).toEqual(['unexpected-mep-id', 'unexpected-priority']);
    expect(later.filter((e) => e.active)).toEqual([expect.objectContaining({ kind: 'loc', peerMepId: 2 })]);
    expect((await b.readStatus(h)).peers[0].loc).toBe(true); // and the peer went silent
  });

  it('drops CFM frames below the MEP level (dUNL for a CCM) and relays frames above it', async () => {
    const clock = new VirtualClock();
    const b = mock();
    b.attachVirtualClock(clock);
    const wire: { port: string; frame: Uint8Array }[] = [];
    b.onWireTransmit((port, frame) => wire.push({ port, frame }));
    const h = await b.createVoe(spec(1, [2], { ccmTx: false }));
    b.injectFromWire('swp1', ccmFrame({ level: 2, mepId: 2, maid: MAID, interval: IV }));
    expect((await b.readStatus(h)).unexpectedLevel).toBe(true);
    expect(b.counters().dropped_low_level).toBe(1);
    expect(wire).toEqual([]);
    const above = ccmFrame({ level: 6, mepId: 9, maid: MAID, interval: IV });
    b.injectFromWire('swp1', above);
    expect(wire.map((w) => w.port).sort()).toEqual(['swp2', 'swp3', 'swp4']);
    expect(wire.every((w) => Array.from(w.frame).join() === Array.from(above).join())).toBe(true);
  });

  it('sends an up MEP\'s CCMs into the relay (out of the other ports, tagged with its priority)', async () => {
    const clock = new VirtualClock();
    const b = mock();
    b.attachVirtualClock(clock);
    const wire: { port: string; frame: Uint8Array }[] = [];
    b.onWireTransmit((port, frame) => wire.push({ port, frame }));
    await b.createVoe(spec(3, [4], { direction: 'up', vlan: 100, priority: 5 }));
    clock.advance(T / 2);
    expect(wire.map((w) => w.port).sort()).toEqual(['swp2', 'swp3', 'swp4']);
    const p = parseCfm(wire[0].frame)!;
    expect(p).toMatchObject({ vlan: 100, pcp: 5, mepId: 3, level: 4, opcode: 1 });
    expect(wire[0].frame.length).toBe(14 + 4 + 75); // 75-byte CCM PDU including the End TLV
    // an LBM for it arriving on another port reaches it through the relay and is punted as such
    const got: { port: string; from: string }[] = [];
    b.frames.onReceive((rx) => got.push({ port: rx.port, from: rx.from }));
    b.injectFromWire('swp3', cfmFrame({ level: 4, opcode: 3, da: [2, 0, 0, 0, 0, 3], vlan: 100 }));
    expect(got).toEqual([{ port: 'swp1', from: 'relay' }]);
  });
});

describe('mock ASIC: faults, policers, queues, budgets', () => {
  it('fails the k-th ABI call with the injected status, and rolls a half-made VOE back', async () => {
    const b = mock();
    b.failCall(1, 'EIO');
    const e = await b.createVoe(spec(1, [2])).catch((x: unknown) => x);
    expect(isAsicError(e, 'EIO')).toBe(true);
    expect((e as CfmError).code).toBe('BACKEND');
    expect((e as CfmError).message).toMatch(/cfm_voe_alloc.*EIO/);
    b.failCall(2, 'EIO'); // alloc passes, CC config fails: the VOE must be freed again
    expect(isAsicError(await b.createVoe(spec(1, [2])).catch((x: unknown) => x), 'EIO')).toBe(true);
    expect(await b.listVoes()).toEqual([]);
    const h = await b.createVoe(spec(1, [2]));
    expect((await b.listVoes()).map((v) => v.handle)).toEqual([h]);
  });

  it('reports a full table on demand and for real', async () => {
    const b = mock({ portVoes: 2, serviceVoes: 1 });
    b.setTableFull(true);
    expect(isAsicError(await b.createVoe(spec(1, [2])).catch((x: unknown) => x), 'ENOSPC')).toBe(true);
    b.setTableFull(false);
    await b.createVoe(spec(1, [2]));
    await b.createVoe(spec(2, [3], { level: 5 }));
    expect(isAsicError(await b.createVoe(spec(3, [4], { level: 6 })).catch((x: unknown) => x), 'ENOSPC')).toBe(true);
    await b.createVoe(spec(4, [5], { vlan: 10 })); // the service pool is separate
    expect(isAsicError(await b.createVoe(spec(5, [6], { level: 4 , vlan: 10 , port: 'swp2' })).catch((x: unknown) => x), 'ENOSPC')).toBe(true);
  });

  it('leaves a VOE as it was when an update is refused', async () => {
    const b = mock();
    const s1 = spec(1, [2]);
    const h = await b.createVoe(s1);
    const e = await b.updateVoe(h, { ...s1, level: 6, key: 'md/ma/moved', interval: 6 }).catch((x: unknown) => x);
    expect(isAsicError(e, 'ENOTSUP')).toBe(true); // 1 min is not in hardware
    const back = (await b.listVoes())[0].spec;
    expect({ ...back, maid: [...back.maid] }).toEqual({ ...s1, maid: [...s1.maid] });
  });

  it('refuses a second MEP on the same port, VLAN, direction and level (EBUSY)', async () => {
    const b = mock();
    await b.createVoe(spec(1, [2]));
    expect(isAsicError(await b.createVoe(spec(9, [2])).catch((x: unknown) => x), 'EBUSY')).toBe(true);
  });

  it('enforces the CCM injector budget with a distinct status (EBUDGET)', async () => {
    const b = mock({ ccmTxMode: 'injected', injectorBudgetFps: 300 });
    expect(b.capabilities().injectorBudgetFps).toBe(300);
    await b.createVoe(spec(1, [2], { interval: 1 })); // 300 fps: the whole budget
    const e = await b.createVoe(spec(2, [3], { interval: 4, level: 5 })).catch((x: unknown) => x);
    expect(isAsicError(e, 'EBUDGET')).toBe(true);
    await b.createVoe(spec(3, [4], { interval: 4, level: 6, ccmTx: false })); // rx only costs nothing
  });

  it('counts policer passes and drops (token bucket in packets/s)', async () => {
    const clock = new VirtualClock();
    const b = mock();
    b.attachVirtualClock(clock);
    const got: Uint8Array[] = [];
    b.frames.onReceive((rx) => got.push(rx.frame));
    await b.createVoe(spec(1, [2]));
    await b.setPolicer(0, { port: 'swp1', vlan: 0, levels: [4], opcodes: [3, 5], ratePps: 10 });
    const lbm = cfmFrame({ level: 4, opcode: 3, da: [2, 0, 0, 0, 0, 1] });
    for (let i = 0; i < 30; i++) b.injectFromWire('swp1', lbm);
    expect(await b.readPolicer(0)).toEqual({ passed: 10, dropped: 20 });
    clock.advance(500_000_000); // half a second refills 5 tokens
    for (let i = 0; i < 10; i++) b.injectFromWire('swp1', lbm);
    expect(await b.readPolicer(0)).toEqual({ passed: 15, dropped: 25 });
    expect(got.length).toBe(15);
    // other opcodes are not policed by this entry
    b.injectFromWire('swp1', cfmFrame({ level: 4, opcode: 33, da: [1, 0x80, 0xc2, 0, 0, 0x34], body: [], tlvOffset: 0 }));
    expect(got.length).toBe(16);
    expect(b.counters().policer_dropped).toBe(25);
  });

  it('bounds the punt queue and counts the overflow', async () => {
    const b = mock({ puntQueue: 4 });
    await b.createVoe(spec(1, [2]));
    const lbm = cfmFrame({ level: 4, opcode: 3, da: [2, 0, 0, 0, 0, 1] });
    for (let i = 0; i < 10; i++) b.injectFromWire('swp1', lbm); // nobody reads yet
    expect(b.counters()).toMatchObject({ punted: 4, punt_overflow: 6 });
    const got: Uint8Array[] = [];
    b.frames.onReceive((rx) => got.push(rx.frame));
    b.pump();
    expect(got.length).toBe(4);
    expect((await b.readStatus((await b.listVoes())[0].handle)).counters.cpuCopies).toBe(4);
  });

  it('answers LBMs in hardware when loopback is offloaded', async () => {
    const b = mock({ loopbackOffload: true });
    const wire: Uint8Array[] = [];
    b.onWireTransmit((_p, f) => wire.push(f));
    await b.createVoe(spec(1, [2], { ccmTx: false }));
    b.injectFromWire('swp1', cfmFrame({ level: 4, opcode: 3, da: [2, 0, 0, 0, 0, 1], sa: '02:99:00:00:00:01', body: [0, 0, 0, 7] }));
    expect(wire.length).toBe(1);
    expect(parseCfm(wire[0])).toMatchObject({ opcode: 2, da: '02:99:00:00:00:01', sa: '02:00:00:00:00:01' });
  });

  it('punts every CFM frame of a port flagged punt-all (software MEPs), else relays it', async () => {
    const b = mock();
    const got: string[] = [];
    const wire: string[] = [];
    b.frames.onReceive((rx) => got.push(rx.port));
    b.onWireTransmit((p) => wire.push(p));
    const f = cfmFrame({ level: 3, opcode: 3, da: [2, 0, 0, 0, 0, 0x55] });
    b.injectFromWire('swp2', f);
    expect(got).toEqual([]);
    expect(wire.sort()).toEqual(['swp1', 'swp3', 'swp4']);
    b.setPortPuntAll('swp2', true);
    b.injectFromWire('swp2', f);
    b.pump();
    expect(got).toEqual(['swp2']);
  });
});

describe('mock ASIC: warm restart and instances', () => {
  it('a second handle on the same instance finds the VOEs with their keys and configs', async () => {
    const a1 = mock({ instance: 'warm-1' });
    const other = mock({ instance: 'warm-other' });
    const s1 = spec(1, [2], { key: 'md1/ma1/mep1', rdi: true });
    const s2 = spec(3, [4], { key: 'md1/ma2/mep3', level: 6, vlan: 20, direction: 'up' });
    const h1 = await a1.createVoe(s1);
    const h2 = await a1.createVoe(s2);
    expect(await other.listVoes()).toEqual([]); // another switch
    const a2 = mock({ instance: 'warm-1' });
    const list = await a2.listVoes();
    expect(list.map((v) => [v.handle, v.spec.key])).toEqual([[h1, 'md1/ma1/mep1'], [h2, 'md1/ma2/mep3']]);
    expect({ ...list[1].spec, maid: [...list[1].spec.maid] }).toEqual({ ...s2, maid: [...s2.maid] });
    await a1.close(); // the old manager goes away: the ASIC keeps running for the new one
    expect((await a2.listVoes()).length).toBe(2);
  });

  it('persists the VOE table, sequence numbers and time in a state file', async () => {
    const dir = tempDir();
    const state = join(dir, 'asic.state');
    const a = new MockAsicBackend({ statePath: state });
    const h = await a.createVoe(spec(1, [2]));
    a.advance(10 * T);
    const before = await a.readStatus(h);
    const now = a.nowNs();
    await a.close();
    const b = openBackend('mock', { statePath: state }) as MockAsicBackend;
    open.push(b);
    expect(b.nowNs()).toBe(now);
    const list = await b.listVoes();
    expect(list.map((v) => v.spec.key)).toEqual(['md/ma/mep1']);
    const wire: Uint8Array[] = [];
    b.onWireTransmit((_p, f) => wire.push(f));
    b.advance(T);
    expect((await b.readStatus(h)).counters.ccmTx).toBe(before.counters.ccmTx + 1);
    expect(parseCfm(wire[0])!.seq).toBe(before.counters.ccmTx + 1); // sequence continues
  });

  it('refuses a state file written for another table size', async () => {
    const dir = tempDir();
    const state = join(dir, 'asic.state');
    const a = new MockAsicBackend({ statePath: state, portVoes: 4 });
    await a.close();
    expect(() => new MockAsicBackend({ statePath: state, portVoes: 5 })).toThrow(/EVERSION/);
  });

  it('lets another process adopt the VOEs through the state file', async () => {
    const dir = tempDir();
    const state = join(dir, 'asic.state');
    const a = new MockAsicBackend({ statePath: state });
    await a.createVoe(spec(1, [2], { key: 'proc/ma/mep1' }));
    await a.close();
    const script = join(dir, 'child.mts');
    const mod = new URL('../../src/backends/mock/index.ts', import.meta.url).pathname;
    writeFileSync(
      script,
      `import { MockAsicBackend } from ${JSON.stringify(mod)};\n` +
        `const b = new MockAsicBackend({ statePath: ${JSON.stringify(state)} });\n` +
        `const l = await b.listVoes();\n` +
        `await b.updateVoe(l[0].handle, { ...l[0].spec, rdi: true });\n` +
        `console.log(JSON.stringify(l.map((v) => v.spec.key)));\n` +
        `await b.close();\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual(['proc/ma/mep1']);
    const b = new MockAsicBackend({ statePath: state });
    open.push(b);
    expect((await b.listVoes())[0].spec.rdi).toBe(true); // the child's change persisted
  });

  it('runs on real time when asked (clock=real)', async () => {
    const b = mock({ realTime: true });
    const h = await b.createVoe(spec(1, [2], { interval: 2 }));
    await new Promise((r) => setTimeout(r, 50));
    expect((await b.readStatus(h)).counters.ccmTx).toBeGreaterThan(0);
    expect(() => b.attachVirtualClock(new VirtualClock())).toThrow(CfmError);
  });

  it('takes its limits from a hardware profile', async () => {
    const profile = {
      name: 'lan966x-test', description: 'test', vendor: 'Microchip', family: 'LAN966x', variants: [], backend: 'mock',
      ports: ['eth0', 'eth1'], portCount: 2,
      voes: { port: 2, service: 0, up: 0, down: 2, sharedTotal: null, perPort: 1 },
      mips: { down: 0, up: 0 }, txIntervals: [1, 2, 3, 4], rxIntervals: [1, 2, 3, 4], ccmTx: 'injected',
      injectorBudgetFps: 300, peersPerVoe: 1, remoteMepTable: null, upMep: false, vlanMep: false,
      offload: { loopback: false, linktrace: false, aisLck: false, lm: false, dm: false },
      offloadDetail: { loopback: 'none', linktrace: 'none', aisLck: 'none', lm: 'none', dm: 'none' },
      loc: { method: 'miss-count', threshold: 3.5 }, defects: ['loc'], cpuQueues: { count: 8, perPduType: false },
      policers: null, counters: [], sources: {}, notes: {},
    } as HwProfile;
    const o = mockOptionsFromProfile(profile);
    const b = mock(o);
    expect(b.ports()).toEqual(['eth0', 'eth1']);
    expect(b.capabilities()).toMatchObject({
      kind: 'mock', portVoes: 2, serviceVoes: 0, txIntervals: [1, 2, 3, 4], rxIntervals: [1, 2, 3, 4], peersPerVoe: 1,
      upMep: false, vlanMep: false, ccmTxMode: 'injected', injectorBudgetFps: 300, policers: 0,
    });
    expect(isAsicError(await b.createVoe(spec(1, [2], { port: 'eth0', interval: 5 })).catch((x: unknown) => x), 'ENOTSUP')).toBe(true);
    expect(() => openBackend('nope')).toThrow(/unknown backend/);
    expect(() => openBackend('vendor:')).toThrow(/shim path/);
  });
});
