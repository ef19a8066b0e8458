/**
 * Scaling of the mock ASIC (native/asic, docs/mock-asic.md "Scaling"): a real ASIC's table write
 * does not depend on how many VOEs exist, and neither may the mock's.
 *  - cfm_voe_cc_set (an update of a running VOE: RDI toggled; and one that restarts its timers:
 *    interval changed) at 100 and at 8,192 VOEs, each followed by cfm_mock_next_deadline as
 *    MockAsicBackend does after every call; target: 8,192 within 1.3x of 100;
 *  - the same update through MockAsicBackend.updateVoe on a VirtualClock (the simulator's path);
 *  - 1 s of virtual time with 8,192 VOEs sending at 100 ms: CCMs generated per wall second, raw
 *    (cfm_mock_advance, then drain the wire queue) and through MockAsicBackend on a VirtualClock.
 *
 * Per-call figures come from alternating batches (small table, big table, small, ...) and the
 * median of each, so both sizes see the same machine conditions. Set CFM_MOCK_ASIC_BASELINE_LIB
 * to another build of the library (e.g. the one before a change) to get its rows in the same run.
 */
import type { BenchRow } from './run.js';
import { AsicDevice, mockAsicLibPath, type RawCcConf, type RawVoeConf } from '../src/backends/asic-binding/index.js';
import { MockAsicBackend } from '../src/backends/mock/index.js';
import { VirtualClock } from '../src/common/clock.js';
import type { VoeSpec } from '../src/backends/types.js';
import type { IntervalCode } from '../src/common/interval.js';

export const name = 'mock ASIC scaling';

const SMALL = 100;
const BIG = 8192;
const PORTS = 4;
const MAID = Array.from({ length: 48 }, (_, i) => (i < 6 ? [1, 2, 3, 0x61, 0x62, 0x63][i] : 0));

function conf(i: number): RawVoeConf {
  // distinct (port, level, vlan) so 8,192 down MEPs fit without colliding
  return { port: i % PORTS, direction: 0, level: i % 8, vlan: 1 + (Math.floor(i / 8) % 4094), unicast_mac: [2, 0, 0, 0, (i >> 8) & 0xff, i & 0xff], reserved: [0, 0], key: `bench/voe${i}` };
}

function cc(i: number, interval: number, rdi = 0): RawCcConf {
  return { maid: MAID, mep_id: 1 + (i % 8000), interval, priority: 7, peer_count: 1, peers: [8191], tx_enable: 1, rx_enable: 1, seq_update: 1, rdi, port_status_tlv: 0, if_status_tlv: 0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A raw device with n VOEs sending and checking at 100 ms. */
function rawDevice(lib: string, n: number, extra = ''): { dev: AsicDevice; ids: number[] } {
  const dev = AsicDevice.open(lib, `ports=${PORTS};port_voes=0;service_voes=${n}${extra}`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = dev.voeAlloc(conf(i));
    dev.ccSet(id, cc(i, 3));
    ids.push(id);
  }
  return { dev, ids };
}

/** us per op of op(i) over alternating batches on the small and the big table: [small, big] medians. */
async function alternate(batches: number, perBatch: number, small: (i: number) => unknown, big: (i: number) => unknown): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  let k = 0;
  const time = async (fn: (i: number) => unknown): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await fn(k++);
    return Number(process.hrtime.bigint() - t0) / perBatch / 1000;
  };
  await time(small); // warm-up (JIT, caches), not counted
  await time(big);
  for (let r = 0; r < batches; r++) {
    a.push(await time(small));
    b.push(await time(big));
  }
  return [median(a), median(b)];
}

function ratioRows(what: string, small: number, big: number, label: string, note?: string): BenchRow[] {
  const ratio: BenchRow = note === undefined
    ? { case: `${what}: ${BIG} / ${SMALL} VOEs${label}`, value: big / small, unit: 'x', target: '<= 1.3', met: big / small <= 1.3 }
    : { case: `${what}: ${BIG} / ${SMALL} VOEs${label}`, value: big / small, unit: 'x', note };
  return [
    { case: `${what} @ ${SMALL} VOEs${label}`, value: small, unit: 'us/op' },
    { case: `${what} @ ${BIG} VOEs${label}`, value: big, unit: 'us/op' },
    ratio,
  ];
}

async function rawUpdates(lib: string, label: string): Promise<BenchRow[]> {
  const s = rawDevice(lib, SMALL);
  const b = rawDevice(lib, BIG);
  const rows: BenchRow[] = [];
  // RDI toggled: the VOE's timers stay
  const rdi = (d: { dev: AsicDevice; ids: number[] }) => (i: number): void => {
    const id = d.ids[i % d.ids.length];
    d.dev.ccSet(id, cc(id - 1, 3, (i >> 7) & 1));
    d.dev.mockNextDeadline();
  };
  let [x, y] = await alternate(15, 2000, rdi(s), rdi(b));
  rows.push(...ratioRows('cc_set (RDI) + next_deadline', x, y, label));
  // interval 100 ms <-> 1 s: transmission restarts, the deadline queue reorders
  const ivl = (d: { dev: AsicDevice; ids: number[] }) => (i: number): void => {
    const id = d.ids[i % d.ids.length];
    d.dev.ccSet(id, cc(id - 1, 3 + (Math.floor(i / d.ids.length) & 1)));
    d.dev.mockNextDeadline();
  };
  [x, y] = await alternate(15, 2000, ivl(s), ivl(b));
  rows.push(...ratioRows('cc_set (interval) + next_deadline', x, y, label));
  for (const d of [s, b]) for (const id of d.ids) d.dev.ccSet(id, cc(id - 1, 3)); // back to 100 ms for the receive case
  // the one frame every down MEP sees: a CCM from its peer (MP demultiplexer + CCM check). One
  // buffer rewritten per call (level, VLAN), so the JS side touches the same memory at both sizes.
  const frame = Uint8Array.from([1, 0x80, 0xc2, 0, 0, 0x30, 2, 0, 0, 0, 0x1f, 0xff, 0x81, 0, 0xe0, 0, 0x89, 0x02,
    0, 1, 3, 70, 0, 0, 0, 1, 0x1f, 0xff, ...MAID, ...new Array<number>(16).fill(0), 0]);
  const rx = (d: { dev: AsicDevice; ids: number[] }) => (i: number): void => {
    const c = conf(i % d.ids.length);
    frame[5] = 0x30 | c.level;
    frame[14] = 0xe0 | (c.vlan >> 8);
    frame[15] = c.vlan & 0xff;
    frame[18] = c.level << 5;
    d.dev.mockPortRx(c.port, frame);
  };
  [x, y] = await alternate(15, 4000, rx(s), rx(b));
  // no target: no walk is left on this path (one hash lookup), what grows is cache misses on the
  // VOE state itself (8,192 x 1,688 bytes of voe_t, the persistence format) between calls
  rows.push(...ratioRows('CCM received (port_rx)', x, y, label, 'one stack lookup; the rest is cache misses on 14 MB of VOE state'));
  s.dev.close();
  b.dev.close();
  return rows;
}

function spec(b: MockAsicBackend, i: number, rdi: boolean): VoeSpec {
  const c = conf(i);
  const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
  return { key: c.key, port: b.ports()[c.port], direction: 'down', level: c.level, vlan: c.vlan, unicastMac: mac, mepId: 1 + (i % 8000), maid: Uint8Array.from(MAID), interval: 3 as IntervalCode, priority: 7, peers: [8191], ccmTx: true, ccmRx: true, seqUpdate: true, rdi, portStatusTlv: 0, interfaceStatusTlv: 0 };
}

async function backendOf(lib: string, n: number): Promise<{ b: MockAsicBackend; clock: VirtualClock; hs: number[] }> {
  const b = new MockAsicBackend({ ports: PORTS, portVoes: 0, serviceVoes: n, libPath: lib, eventQueue: 65536 });
  const clock = new VirtualClock();
  b.attachVirtualClock(clock);
  const hs: number[] = [];
  for (let i = 0; i < n; i++) hs.push(await b.createVoe(spec(b, i, false)));
  return { b, clock, hs };
}

async function backendUpdates(lib: string, label: string): Promise<BenchRow[]> {
  const s = await backendOf(lib, SMALL);
  const g = await backendOf(lib, BIG);
  const upd = (d: { b: MockAsicBackend; hs: number[] }) => (i: number): Promise<void> =>
    d.b.updateVoe(d.hs[i % d.hs.length], spec(d.b, i % d.hs.length, ((i >> 7) & 1) === 1));
  const [x, y] = await alternate(11, 1000, upd(s), upd(g));
  await s.b.close();
  await g.b.close();
  return ratioRows('MockAsicBackend.updateVoe (VirtualClock)', x, y, label);
}

/** A raw device with BIG VOEs at 100 ms; staggered: created 12.2 us apart, so every VOE has its
 * own transmission instant (as in a simulation where MEPs come up one by one); otherwise all at
 * t = 0 (one instant per interval for all of them). */
function advanceDevice(lib: string, staggered: boolean): AsicDevice {
  const dev = AsicDevice.open(lib, `ports=${PORTS};port_voes=0;service_voes=${BIG};wire_queue=1000000;event_queue=65536`);
  for (let i = 0; i < BIG; i++) {
    dev.ccSet(dev.voeAlloc(conf(i)), cc(i, 3));
    if (staggered) dev.mockAdvance(Math.floor(100e6 / BIG));
  }
  dev.mockAdvance(1e9); // past the first LOC of every peer: the steady state (no CCM arrives)
  dev.mockPortTxDrain();
  dev.pollEvents();
  return dev;
}

/** CCMs per wall second over 1 s of virtual time: [cfm_mock_advance alone, advance + drain]. */
function rawAdvance(lib: string, staggered: boolean): [number, number, number] {
  const dev = advanceDevice(lib, staggered);
  let frames = 0;
  let advNs = 0;
  const t0 = process.hrtime.bigint();
  for (let step = 0; step < 10; step++) {
    const a0 = process.hrtime.bigint();
    dev.mockAdvance(100e6);
    advNs += Number(process.hrtime.bigint() - a0);
    frames += dev.mockPortTxDrain().length;
  }
  const wallNs = Number(process.hrtime.bigint() - t0);
  dev.close();
  return [frames / (advNs / 1e9), frames / (wallNs / 1e9), frames];
}

async function backendAdvance(lib: string): Promise<[number, number]> {
  const { b, clock } = await backendOf(lib, BIG);
  let frames = 0;
  b.onWireTransmit(() => frames++);
  clock.advance(1e9); // first LOCs, as above
  frames = 0;
  const t0 = process.hrtime.bigint();
  clock.advance(1e9);
  const wallNs = Number(process.hrtime.bigint() - t0);
  await b.close();
  return [frames / (wallNs / 1e9), frames];
}

async function advanceRows(libs: [string, string][]): Promise<BenchRow[]> {
  // repeats alternate between the libraries, so both see the same machine (GC of earlier
  // sections, other load); the baseline's staggered case runs once (it takes seconds)
  const R = 5;
  const inStep = libs.map(() => [] as [number, number, number][]);
  const staggered = libs.map(() => [] as [number, number, number][]);
  const backend = libs.map(() => [] as [number, number][]);
  for (let r = 0; r < R; r++) {
    for (const [j, [lib, label]] of libs.entries()) {
      inStep[j].push(rawAdvance(lib, false));
      if (r < 3 && (!label || r === 0)) staggered[j].push(rawAdvance(lib, true));
      if (r < 3) backend[j].push(await backendAdvance(lib));
    }
  }
  const rows: BenchRow[] = [];
  for (const [j, [, label]] of libs.entries()) {
    for (const [kind, runs] of [['in step', inStep[j]], ['staggered', staggered[j]]] as const) {
      const what = `advance 1 s, ${BIG} VOEs @ 100 ms, ${kind}`;
      const adv = median(runs.map((x) => x[0]));
      rows.push({ case: `${what}: cfm_mock_advance${label}`, value: adv, unit: 'CCMs/s', note: `${runs[0][2]} CCMs, ${(runs[0][2] / adv * 1e3).toFixed(1)} ms` });
      rows.push({ case: `${what}: advance + drain (raw binding)${label}`, value: median(runs.map((x) => x[1])), unit: 'CCMs/s' });
    }
    const v = median(backend[j].map((x) => x[0]));
    rows.push({ case: `advance 1 s, ${BIG} VOEs @ 100 ms, in step: MockAsicBackend on a VirtualClock${label}`, value: v, unit: 'CCMs/s', note: `${backend[j][0][1]} CCMs, ${(backend[j][0][1] / v * 1e3).toFixed(0)} ms` });
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const libs: [string, string][] = [[mockAsicLibPath(), '']];
  const baseline = process.env.CFM_MOCK_ASIC_BASELINE_LIB;
  if (baseline) libs.push([baseline, ' [baseline lib]']);
  const rows: BenchRow[] = [];
  for (const [lib, label] of libs) rows.push(...(await rawUpdates(lib, label)));
  for (const [lib, label] of libs) rows.push(...(await backendUpdates(lib, label)));
  rows.push(...(await advanceRows(libs)));
  return rows;
}
