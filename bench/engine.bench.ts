/**
 * Software CCM engine cost (issue 4): 10,000 MEPs at 1 s and 1,000 MEPs at 100 ms, in virtual
 * time (how fast the engine can go) and in real time on RealClock (CPU % of one core), plus
 * memory per MEP. MEPs are paired back to back through a FramePort that hands each frame
 * straight to the peer's port (no simulator in the way), so the figures are the engine's own.
 */
import type { BenchRow } from './run.js';
import { RealClock, VirtualClock, type Clock } from '../src/common/clock.js';
import type { FramePort } from '../src/common/frame-port.js';
import type { IntervalCode } from '../src/common/interval.js';
import { CfmEngine } from '../src/engine/index.js';

export const name = 'engine';

const MAID = new Uint8Array(48);
MAID.set([4, 3, 0x6f, 0x76, 0x73, 2, 3, 0x6f, 0x76, 0x73]);

function build(clock: Clock, meps: number, interval: IntervalCode): { engine: CfmEngine; frames: { n: number } } {
  const frames = { n: 0 };
  let engine: CfmEngine | null = null;
  const port: FramePort = {
    send(p: string, frame: Uint8Array) {
      frames.n++;
      const i = Number(p.slice(1));
      engine!.process(`p${i ^ 1}`, 'wire', frame, clock.nowNs());
    },
    onReceive: () => () => undefined,
  };
  engine = new CfmEngine({ clock, port, subscribe: false });
  for (let i = 0; i < meps; i++) {
    const mepId = (i % 8000) + 1;
    const peer = ((i ^ 1) % 8000) + 1;
    const mac = `02:00:${((i >> 16) & 0xff).toString(16).padStart(2, '0')}:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}:01`;
    engine.addMep({ key: `m${i}`, mepId, remoteMepIds: [peer], level: 3, interval, vlan: 0, maid: MAID, port: `p${i}`, direction: 'down', mac });
  }
  return { engine, frames };
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function virtual(meps: number, interval: IntervalCode, seconds: number): BenchRow[] {
  const clock = new VirtualClock();
  const { engine, frames } = build(clock, meps, interval);
  clock.advance(1e9); // warm up
  const f0 = frames.n;
  const c0 = cpuUs();
  const t0 = process.hrtime.bigint();
  clock.advance(seconds * 1e9);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuUs() - c0;
  const ccms = frames.n - f0;
  const defects = engine.statusAll().filter((s) => s.defects !== 0).length;
  engine.close();
  const perCcm = cpu / ccms;
  const label = `${meps} MEPs @ ${interval === 4 ? '1 s' : '100 ms'}, virtual ${seconds} s`;
  return [
    { case: `${label}: CCMs (tx+rx) per wall second`, value: ccms / wallS, unit: 'CCMs/s', note: `${ccms} CCMs, ${defects} MEPs with defects` },
    { case: `${label}: CPU per CCM (send + receive)`, value: perCcm, unit: 'us/CCM', target: '<= 2', met: perCcm <= 2 },
  ];
}

async function real(meps: number, interval: IntervalCode, seconds: number): Promise<BenchRow[]> {
  const clock = new RealClock();
  const { engine, frames } = build(clock, meps, interval);
  await new Promise((r) => setTimeout(r, 1200)); // first CCMs and warm up
  const f0 = frames.n;
  const c0 = cpuUs();
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = cpuUs() - c0;
  const ccms = frames.n - f0;
  const defects = engine.statusAll().filter((s) => s.defects !== 0).length;
  engine.close();
  const label = `${meps} MEPs @ ${interval === 4 ? '1 s' : '100 ms'}, real time ${seconds} s`;
  return [
    { case: `${label}: CPU of one core`, value: (100 * cpu) / wallUs, unit: '%', note: `${ccms} CCMs, ${defects} MEPs with defects` },
  ];
}

function memory(meps: number): BenchRow[] {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const clock = new VirtualClock();
  const { engine } = build(clock, meps, 4);
  clock.advance(2e9);
  gc?.();
  const per = (process.memoryUsage().heapUsed - h0) / meps;
  const row: BenchRow = { case: `heap per MEP (${meps} MEPs, 1 remote each)`, value: per, unit: 'bytes/MEP', target: '<= 2048', met: per <= 2048, note: gc ? 'after GC' : 'no --expose-gc: includes garbage' };
  engine.close();
  return [row];
}

export async function run(): Promise<BenchRow[]> {
  return [
    ...memory(10_000),
    ...virtual(10_000, 4, 20),
    ...virtual(1_000, 3, 20),
    ...(await real(10_000, 4, 4)),
    ...(await real(1_000, 3, 4)),
  ];
}
