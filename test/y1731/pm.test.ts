/**
 * Proactive PM sessions from the configuration over hours of virtual time: intervals aligned to
 * the clock, FD/IFDV bins, loss per interval, bounded history, suspect flags (session start,
 * manager restart, clock step), state carried over a warm restart, `cfm pm show`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CfmModel, LocalMep, PmSessionConfig } from '../../src/config/model.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { oamHandlers, serveControl } from '../../src/offload/control.js';
import { runCfm } from '../helpers/cli.js';
import { oneMepDoc } from '../helpers/configs.js';
import { pumped } from '../oam-cli/served.js';
import { parseConfig } from '../../src/config/index.js';
import { exportDocument } from '../../src/config/export.js';
import { mkModel, p2p, PROFILE, rig, type Rig } from '../offload/harness.js';

let r: Rig | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await r?.close();
  r = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const LINK = 'sw1:swp1-sw2:swp1';
const MIN = 60e9;

function session(o: Partial<PmSessionConfig> & Pick<PmSessionConfig, 'id' | 'type'>): PmSessionConfig {
  return { targetMepId: 2, enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 15, history: 32, priority: 7, fdBinsUs: [5000, 10000, 20000], ifdvBinsUs: [1000, 5000], ...o };
}

function model(pin: LocalMep['placement'], sessions: PmSessionConfig[]): CfmModel {
  const [a, b] = p2p(4, { sw: 'sw1', id: 1, port: 'swp1', pin }, { sw: 'sw2', id: 2, port: 'swp1', pin });
  return mkModel([{ ...a, pmSessions: sessions }, b]);
}

/** Two switches; sessions start 0.5 s after a boundary so no message falls on one. */
async function start(pin: LocalMep['placement'], sessions: PmSessionConfig[]): Promise<Rig> {
  const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
  x.net.link(LINK).set({ delayNs: 6_000_000 }, 'sw1');
  x.net.link(LINK).set({ delayNs: 500_000 }, 'sw2');
  await runVirtual(x.net.clock, 0.5e9);
  const m = model(pin, sessions);
  for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(m);
  return x;
}

describe.each(['software', 'hardware'] as const)('PM sessions of a %s MEP', (pin) => {
  // Hardware MEPs cost a backend poll every 10 ms of virtual time: a shorter run with shorter intervals.
  const run = pin === 'software' ? { min: 121, interval: 15 } : { min: 31, interval: 10 };
  it(`DMM over ${pin === 'software' ? 'two hours' : 'half an hour'}: clock-aligned intervals, exact FD in its bin, IFDV 0, the first interval suspect (started)`, async () => {
    r = await start(pin, [session({ id: 'dm', type: 'dmm', measurementIntervalMin: run.interval, history: 100 })]);
    const reported: Array<[string, number | undefined]> = [];
    r.mgr.sw1.y1731.onResult((key, res) => reported.push([key, res.delay?.avgNs]));
    await runVirtual(r.net.clock, run.min * MIN, 1e9);
    const [s] = r.mgr.sw1.y1731.pmShow('md1/ma1/1');
    expect(s).toMatchObject({ mep: 'md1/ma1/1', id: 'dm', type: 'dmm', state: 'running', placement: 'software' });
    // the planner's reason for the DM function of the MEP (the test profile offloads no DM)
    expect(s.reason).toBe(pin === 'software' ? 'MEP runs in software' : 'mock-test does not offload DM');
    const n = Math.floor(run.min / run.interval);
    expect(s.history.map((h) => h.startWallNs)).toEqual(Array.from({ length: n }, (_, i) => i * run.interval * MIN));
    const [first, ...full] = s.history;
    expect(first.suspect).toBe(true);
    expect(first.reasons[0]).toBe('started');
    const perInterval = run.interval * 60;
    for (const h of full) {
      expect(h).toMatchObject({ suspect: false, reasons: [], measuredMs: perInterval * 1000, sent: perInterval, received: perInterval, fd: { minNs: 6_500_000, avgNs: 6_500_000, maxNs: 6_500_000 }, ifdv: { avgNs: 0, maxNs: 0 } });
      expect(h.fdBins).toEqual([0, perInterval, 0, 0]);
      expect(h.ifdvBins).toEqual([perInterval, 0, 0]);
    }
    expect(s.current.startWallNs).toBe(n * run.interval * MIN);
    // every completed interval is reported (telemetry records it as the MEP's last delay)
    expect(reported).toEqual(Array.from({ length: n }, () => ['md1/ma1/1', 6_500_000]));
  });

  it('SLM with 10% loss towards the peer: far-end loss per interval, none near-end; history of 3', async () => {
    r = await start(pin, [session({ id: 'sl', type: 'slm', testId: 9, history: 3, messagePeriodMs: 500, measurementIntervalMin: run.interval })]);
    r.net.link(LINK).set({ lossRate: 0.1 }, 'sw1');
    await runVirtual(r.net.clock, (pin === 'software' ? 61 : 41) * MIN, 1e9);
    const [s] = r.mgr.sw1.y1731.pmShow();
    expect(s.history).toHaveLength(3);
    for (const h of s.history) {
      expect(h.sent).toBe(run.interval * 120);
      expect(h.loss!.nearEnd).toBe(0);
      expect(h.loss!.farEndRatio).toBeGreaterThan(0.05);
      expect(h.loss!.farEndRatio).toBeLessThan(0.15);
      // SLMs lost on the way out are exactly the ones not answered (nothing lost on the way back)
      expect(h.loss!.farEndTx - h.loss!.farEnd).toBeLessThanOrEqual(h.received);
      expect(Math.abs(h.loss!.farEnd - (h.sent - h.received))).toBeLessThanOrEqual(2);
    }
  });
});

describe('PM sessions: LMM, suspect flags, warm restart, cfm pm show', () => {
  it('LMM: loss towards the peer of every frame the MEPs exchange', async () => {
    r = await start('software', [session({ id: 'lm', type: 'lmm', measurementIntervalMin: 5 })]);
    r.net.link(LINK).set({ lossRate: 0.2 }, 'sw2');
    await runVirtual(r.net.clock, 21 * MIN, 100e6);
    const [s] = r.mgr.sw1.y1731.pmShow();
    for (const h of s.history.slice(1)) {
      expect(h.loss!.farEnd).toBe(0);
      expect(h.loss!.nearEndRatio).toBeGreaterThan(0.1);
      expect(h.loss!.nearEndRatio).toBeLessThan(0.3);
    }
  });

  it('a clock step flags its interval; a warm restart carries the history over and flags the interval it cut', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-pm-'));
    dirs.push(dir);
    const x = rig(['sw1', 'sw2'], [['sw1:swp1', 'sw2:swp1']]);
    r = x;
    await x.mgr.sw1.close();
    const mk = () => new OffloadManager({ backend: x.sw.sw1.backend, profile: PROFILE, clock: x.net.clock, switch: 'sw1', opsStateDir: dir });
    x.mgr.sw1 = mk();
    await runVirtual(x.net.clock, 0.5e9);
    const m = model('hardware', [session({ id: 'dm', type: 'dmm', measurementIntervalMin: 10 })]);
    for (const n of ['sw1', 'sw2']) await x.mgr[n].apply(m);
    await runVirtual(x.net.clock, 25 * MIN, 1e9);
    let step = 0;
    x.mgr.sw1.y1731.pm.wallNs = () => x.net.clock.nowNs() + step;
    step = 3e9; // the time of day jumps 3 s in the 3rd interval
    await runVirtual(x.net.clock, 6 * MIN, 1e9);
    const before = x.mgr.sw1.y1731.pmShow()[0];
    expect(before.history.map((h) => h.reasons[0] ?? 'none')).toEqual(['started', 'none', 'clock-step']);

    // warm restart at 31 min + 0.5 s: the VOE stays, the manager process is new
    await x.mgr.sw1.close();
    await runVirtual(x.net.clock, 20e9);
    x.mgr.sw1 = mk();
    await x.mgr.sw1.apply(m);
    x.mgr.sw1.y1731.pm.wallNs = () => x.net.clock.nowNs() + step;
    await runVirtual(x.net.clock, 10 * MIN, 1e9);
    const after = x.mgr.sw1.y1731.pmShow()[0];
    expect(after.history.slice(0, 3)).toEqual(before.history);
    const cut = after.history[3];
    expect(cut.reasons[0]).toBe('restart');
    expect(cut.measuredMs).toBeLessThan(10 * 60_000 - 15_000);
    expect(cut.sent).toBeLessThan(600 - 15);
    expect(after.history).toHaveLength(4);
  });

  it('cfm pm show: text and --json from a running manager', async () => {
    r = await start('software', [session({ id: 'dm', type: 'dmm', measurementIntervalMin: 1 }), session({ id: 'sl', type: 'slm' })]);
    const dir = mkdtempSync(join(tmpdir(), 'cfm-pm-'));
    dirs.push(dir);
    const sock = join(dir, 'sw1.sock');
    const srv = await serveControl(sock, { status: () => r!.mgr.sw1.status(), subscribe: (fn) => r!.mgr.sw1.onFault(fn), ...oamHandlers(r.mgr.sw1) });
    try {
      await runVirtual(r.net.clock, 3 * MIN, 100e6);
      const t = await pumped(r, runCfm('pm', 'show', 'md1/ma1/1', '--history', '2', '--socket', sock));
      expect(t.err).toBe('');
      expect(t.code).toBe(0);
      const lines = t.out.trim().split('\n');
      expect(lines[0]).toMatch(/^PM session md1\/ma1\/1 dm: DMM to 02:[0-9a-f:]{14} every 1000 ms, 1 min intervals \(running\)$/);
      expect(lines[1]).toBe('  placement: software (MEP runs in software)');
      expect(lines[2]).toBe('  FD bins (ms): [0,5) [5,10) [10,20) [20,inf); IFDV bins (ms): [0,1) [1,5) [5,inf)');
      expect(lines[3].split(/\s{2,}/).map((c) => c.trim())).toEqual(['', 'interval start', 'measured', 'sent', 'rcvd', 'FD min/avg/max ms', 'IFDV avg/max ms', 'FD bins', 'IFDV bins', 'suspect']);
      const row = lines.find((l) => l.startsWith('  1970-01-01T00:02:00.000Z'))!;
      expect(row.trim().split(/\s{2,}/)).toEqual(['1970-01-01T00:02:00.000Z', '60 s', '60', '60', '6.500/6.500/6.500', '0.000/0.000', '0/60/0/0', '60/0/0', '-']);
      expect(lines.filter((l) => /^  1970-01-01T00:0[0-3]:00.000Z/.test(l)).map((l) => l.slice(2, 32).trim())).toEqual(['1970-01-01T00:01:00.000Z', '1970-01-01T00:02:00.000Z', '1970-01-01T00:03:00.000Z (now)', '1970-01-01T00:00:00.000Z (now)']);
      expect(t.out).toMatch(/PM session md1\/ma1\/1 sl: SLM to .* every 1000 ms, 15 min intervals \(running\)/);
      const j = await pumped(r, runCfm('pm', 'show', '--json', '--socket', sock));
      const list = JSON.parse(j.out) as Array<{ id: string; history: unknown[] }>;
      expect(list.map((s) => [s.id, s.history.length])).toEqual([['dm', 3], ['sl', 0]]);
      const bad = await pumped(r, runCfm('pm', 'show', 'nope', '--socket', sock));
      expect(bad.code).toBe(2);
    } finally {
      await srv.close();
    }
  });
});

describe('pm-session in the configuration', () => {
  const doc = (s: string) => oneMepDoc(`pm-session: ${s}`);
  it('defaults, export round trip, and errors naming the field', () => {
    const ok = parseConfig(doc('[{ session-id: dm1, type: dmm, target-mep-id: 2 }, { session-id: sl, type: slm, target-mac: 02-00-00-00-00-02, test-id: 4, message-period-ms: 100, measurement-interval-min: 5, history: 10, fd-bins-us: [1000, 2000] }]'));
    expect(ok.errors).toEqual([]);
    const s = ok.model!.domains[0].associations[0].meps[0].pmSessions!;
    expect(s).toEqual([
      { id: 'dm1', type: 'dmm', targetMepId: 2, enabled: true, messagePeriodMs: 1000, measurementIntervalMin: 15, history: 32, priority: 5, fdBinsUs: [5000, 10000, 20000], ifdvBinsUs: [1000, 5000, 10000] },
      { id: 'sl', type: 'slm', targetMac: '02:00:00:00:00:02', testId: 4, enabled: true, messagePeriodMs: 100, measurementIntervalMin: 5, history: 10, priority: 5, fdBinsUs: [1000, 2000], ifdvBinsUs: [1000, 5000, 10000] },
    ]);
    const again = parseConfig(JSON.stringify(exportDocument(ok.model!).doc), { format: 'json' });
    expect(again.model!.domains[0].associations[0].meps[0].pmSessions).toEqual(s);
    const bad = parseConfig(doc('[{ session-id: a, type: dmm, target-mep-id: 3, test-id: 1, fd-bins-us: [5, 5] }, { session-id: a, type: lmm }]'));
    expect(bad.errors.map((e) => [e.pointer, e.rule])).toEqual([
      ['/cfm/maintenance-group/0/mep/0/pm-session/0/target-mep-id', 'mep.pm-target'],
      ['/cfm/maintenance-group/0/mep/0/pm-session/0/test-id', 'mep.pm-test-id'],
      ['/cfm/maintenance-group/0/mep/0/pm-session/0/fd-bins-us', 'mep.pm-bins'],
      ['/cfm/maintenance-group/0/mep/0/pm-session/1', 'mep.pm-target'],
      ['/cfm/maintenance-group/0/mep/0/pm-session/1/session-id', 'mep.pm-duplicate'],
    ]);
  });
});
