/**
 * cfm mep set / cfm cc interval against running managers: each is one `change` over the socket,
 * re-planned and reconciled incrementally; the peer switch shows the effect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MepStatusRow } from '../../src/offload/status.js';
import { served, type Served } from './served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

async function row(sw: string, key: string): Promise<MepStatusRow> {
  const r = await s!.cfm(sw, 'mep', 'show', key, '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as MepStatusRow;
}

describe('cfm mep set', () => {
  it('--cc off stops the MEP\'s CCMs: LOC at the peer; --cc on brings it back', async () => {
    s = await served(); // both MEPs in hardware (mock ASIC VOEs)
    expect((await row('sw1', 'md1/ma1/1')).placement).toBe('hardware');
    const off = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--cc', 'off');
    expect(off.err).toBe('');
    expect(off.code).toBe(0);
    expect(off.out).toBe('md1/ma1/1 cc off: hardware: 1 VOE updated (md1/ma1/1); software: unchanged\n');
    await s.run(1000); // 3.5 x 100 ms without CCMs
    const peer = await row('sw2', 'md1/ma1/2');
    expect(peer.remotes).toMatchObject([{ mepId: 1, state: 'failed' }]);
    expect(peer.defects).toContain('defRemoteCCM');
    const tx = (await row('sw1', 'md1/ma1/1')).counters.ccmTx;
    await s.run(500);
    expect((await row('sw1', 'md1/ma1/1')).counters.ccmTx).toBe(tx); // nothing sent while off

    const on = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--cc', 'on');
    expect(on.code).toBe(0);
    expect(on.out).toBe('md1/ma1/1 cc on: hardware: 1 VOE updated (md1/ma1/1); software: unchanged\n');
    await s.run(500);
    const back = await row('sw2', 'md1/ma1/2');
    expect(back.remotes).toMatchObject([{ mepId: 1, state: 'ok' }]);
    expect(back.defects).toEqual([]);

    const again = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--cc', 'on');
    expect(again.code).toBe(0);
    expect(again.out).toBe('md1/ma1/1 cc on: no change (already so)\n');
  });

  it('--placement software moves the MEP out of the ASIC and --placement hardware back, the peer sees no LOC', async () => {
    s = await served();
    const sw = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--placement', 'software');
    expect(sw.err).toBe('');
    expect(sw.code).toBe(0);
    const lines = sw.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('md1/ma1/1 placement software: hardware: 1 VOE deleted (md1/ma1/1); software: 1 MEP(s) started, 0 stopped');
    expect(lines[1]).toMatch(/^moved md1\/ma1\/1 to software \(continuing at seq \d+\)$/);
    const r1 = await row('sw1', 'md1/ma1/1');
    expect(r1.placement).toBe('software');
    expect(r1.reason).toMatch(/pinned to software/);
    await s.run(1000);
    expect((await row('sw2', 'md1/ma1/2')).remotes).toMatchObject([{ mepId: 1, state: 'ok' }]);
    expect((await row('sw1', 'md1/ma1/1')).remotes).toMatchObject([{ mepId: 2, state: 'ok' }]);

    const hw = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--placement', 'hardware', '--json');
    expect(hw.code).toBe(0);
    const rep = JSON.parse(hw.out) as { ops: Array<{ kind: string; key: string }>; moves: Array<{ key: string; to: string }>; softwareStopped: string[] };
    expect(rep.ops).toEqual([{ kind: 'create', key: 'md1/ma1/1' }]);
    expect(rep.moves).toMatchObject([{ key: 'md1/ma1/1', to: 'hardware' }]);
    expect(rep.softwareStopped).toEqual(['md1/ma1/1']);
    await s.run(1000);
    expect((await row('sw1', 'md1/ma1/1')).placement).toBe('hardware');
    const peer = await row('sw2', 'md1/ma1/2');
    expect(peer.remotes).toMatchObject([{ mepId: 1, state: 'ok' }]);
    expect(peer.defects).toEqual([]);
    // both moves without a CCM gap the peer would notice (no LOC defect raised at sw2)
    expect(s.r.events.filter((e) => e.switch === 'sw2' && e.defect === 'defRemoteCCM' && e.active)).toEqual([]);
  });

  it('the manager refuses what only it can judge: one line, non-zero exit', async () => {
    s = await served();
    const r = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/9', '--cc', 'off');
    expect(r.code).toBe(2); // an unknown MEP is a usage error in every command (docs/oam-cli.md)
    expect(r.err).toMatch(/^cfm: manager: .*meps\/0\/key: no MEP 'md1\/ma1\/9'.*\n$/);
    expect(r.out).toBe('');
    const m = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--remote-meps', '5');
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/^cfm: manager: .*meps\/0\/remoteMepIds: MEP id 5 not in MA md1\/ma1.*\n$/);
    const a = await s.cfm('sw1', 'cc', 'interval', 'md1/ma9', '1s');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/^cfm: manager: .*associations\/0\/key: no maintenance association 'md1\/ma9'.*\n$/);
    expect((await row('sw1', 'md1/ma1/1')).counters.ccmTx).toBeGreaterThan(0); // nothing was changed
  });
});

describe('cfm cc interval', () => {
  it('changes the MA\'s interval: the peer rejects the new CCMs until it changes too', async () => {
    s = await served();
    const a = await s.cfm('sw1', 'cc', 'interval', 'md1/ma1', '1s');
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toBe('md1/ma1 interval 1s: hardware: 1 VOE updated (md1/ma1/1); software: unchanged\n');
    expect((await row('sw1', 'md1/ma1/1')).interval).toBe('1s');
    await s.run(2000);
    // The peer's VOE (still 100 ms) rejects CCMs with another interval: counted invalid, and its
    // remote MEP is lost (an engine MEP would raise defErrorCCM, 802.1Q 20.17, 20.21.3).
    const mid = await row('sw2', 'md1/ma1/2');
    expect(mid.counters.ccmRxInvalid).toBeGreaterThan(0);
    expect(mid.remotes).toMatchObject([{ mepId: 1, state: 'failed' }]);
    expect(mid.defects).not.toEqual([]);
    const b = await s.cfm('sw2', 'cc', 'interval', 'md1/ma1', '1sec');
    expect(b.code).toBe(0);
    expect(b.out).toMatch(/^md1\/ma1 interval 1s: /);
    await s.run(6000);
    for (const [sw, key] of [['sw1', 'md1/ma1/1'], ['sw2', 'md1/ma1/2']]) {
      const m = await row(sw, key);
      expect(m.interval).toBe('1s');
      expect(m.defects).toEqual([]);
      expect(m.remotes[0].state).toBe('ok');
    }
  });

  it('an interval the ASIC cannot do moves the MEP to software, with the planner\'s reason', async () => {
    s = await served();
    const r = await s.cfm('sw1', 'cc', 'interval', 'md1/ma1', '10sec');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^md1\/ma1 interval 10s: hardware: 1 VOE deleted \(md1\/ma1\/1\); software: 1 MEP\(s\) started, 0 stopped\nmoved md1\/ma1\/1 to software \(continuing at seq \d+\)\n$/);
    const show = await s.cfm('sw1', 'mep', 'show', 'md1/ma1/1');
    expect(show.out).toContain('MEP md1/ma1/1: mep id 1 on swp1, level 5, interval 10s, enabled\n  placement: software because interval 10s not in hardware intervals');
  });
});
