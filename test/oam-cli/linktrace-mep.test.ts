import { afterEach, describe, expect, it } from 'vitest';
import type { MepStatusRow } from '../../src/offload/status.js';
import { served, type Served } from './served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('cfm linktrace against a running manager', () => {
  it('prints the seed-001 table with the terminal MEP; exit 0; a cut link gives an empty table and exit 1', async () => {
    s = await served({ pin: 'software' });
    const mac2 = (await s.r.mgr.sw1.status()).meps[0].remotes[0].mac!;
    const r = await s.cfm('sw1', 'linktrace', 'md1/ma1/1', '--target-mep', '2', '--timeout-ms', '2000');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe(`Linktrace from md1/ma1/1 to ${mac2.toUpperCase()}: ttl 64, transaction id 1`);
    expect(lines[1]).toMatch(/^Index Ingress Mac +Egress Mac +Relay Action$/);
    expect(lines[2]).toBe('----- -------------------- -------------------- ---------- ----------');
    expect(lines[3]).toMatch(new RegExp(`^1 +\\S+ +${mac2.toUpperCase()} +rlyHit +terminate$`));
    expect(lines[4]).toBe(lines[2]);
    expect(lines[5]).toBe('No more responses received in the last 2 seconds.');

    const j = await s.cfm('sw1', 'linktrace', 'md1/ma1/1', '--target-mac', mac2, '--ttl', '8', '--use-fdb-only', '--timeout-ms', '1500', '--json');
    expect(j.code).toBe(0);
    const res = JSON.parse(j.out) as { ttl: number; target: string; reached: boolean; replies: Array<{ terminalMep: boolean; ttl: number }> };
    expect(res).toMatchObject({ ttl: 8, target: mac2, reached: true });
    expect(res.replies).toHaveLength(1);
    expect(res.replies[0]).toMatchObject({ terminalMep: true, ttl: 7 });

    s.r.net.link('sw1:swp1-sw2:swp1').up = false;
    const lost = await s.cfm('sw1', 'linktrace', 'md1/ma1/1', '--target-mep', '2', '--timeout-ms', '1000');
    expect(lost.code).toBe(1);
    const ll = lost.out.trim().split('\n');
    expect(ll).toHaveLength(5); // header, column names, separator, separator, trailer: no hop
    expect(ll[4]).toBe('No more responses received in the last 1 seconds.');
  });
});

describe('cfm mep list / show', () => {
  it('lists placement (hardware with its VOE, software with the reason), remote MEPs and counters', async () => {
    s = await served(); // auto: both MEPs in hardware
    const r = await s.cfm('sw1', 'mep', 'list');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('switch sw1 (backend mock): 1 MEP(s)');
    expect(lines[1]).toMatch(/^MEP +port +level +interval +placement +enabled +remote MEPs +defects +CCM tx\/rx +why software$/);
    expect(lines[3]).toMatch(/^md1\/ma1\/1 +swp1 +5 +100ms +hardware #\d+ +yes +2:ok +- +\d+\/\d+/);
    const j = await s.cfm('sw1', 'mep', 'list', '--json');
    const rows = JSON.parse(j.out) as MepStatusRow[];
    expect(rows.map((m) => [m.key, m.placement])).toEqual([['md1/ma1/1', 'hardware']]);
    expect(rows[0].counters.ccmTx).toBeGreaterThan(5);
  });

  it('shows one MEP with its remote MEPs; a cut link shows LOC (failed remote, defect) at both ends', async () => {
    s = await served({ pin: 'software' });
    const mac2 = (await s.r.mgr.sw1.status()).meps[0].remotes[0].mac!;
    const ok = await s.cfm('sw1', 'mep', 'show', 'md1/ma1/1');
    expect(ok.code).toBe(0);
    const lines = ok.out.trim().split('\n');
    expect(lines[0]).toBe('MEP md1/ma1/1: mep id 1 on swp1, level 5, interval 100ms, enabled');
    expect(lines[1]).toBe('  placement: software because pinned to software by config');
    expect(lines[2]).toBe('  defects:   none (highest none, FNG fngReset)');
    expect(lines[3]).toMatch(/^ {2}counters: {2}CCM tx \d+, rx valid \d+, rx invalid 0, sequence errors 0$/);
    expect(lines[4]).toBe('  remote MEPs:');
    expect(lines[7]).toMatch(new RegExp(`^ {4}2 +ok +no +${mac2} +\\d+ +- +-$`));

    s.r.net.link('sw1:swp1-sw2:swp1').up = false;
    await s.run(1000); // 3.5 x 100 ms without CCMs: remote MEP failed, DefRemoteCCM (802.1Q 20.21)
    for (const [sw, key, peer] of [['sw1', 'md1/ma1/1', 2], ['sw2', 'md1/ma1/2', 1]] as const) {
      const j = await s.cfm(sw, 'mep', 'show', key, '--json');
      const row = JSON.parse(j.out) as MepStatusRow;
      expect(row.remotes).toMatchObject([{ mepId: peer, state: 'failed' }]);
      expect(row.defects).toContain('defRemoteCCM');
      const t = await s.cfm(sw, 'mep', 'show', key);
      expect(t.out).toMatch(new RegExp(`\\n {4}${peer} +failed `));
      expect(t.out).toContain('defects:   defRemoteCCM');
    }
  });

  it('an unknown MEP is named with the MEPs there are (exit 2)', async () => {
    s = await served({ pin: 'software' });
    const r = await s.cfm('sw1', 'mep', 'show', 'md1/ma1/7');
    expect(r.code).toBe(2);
    expect(r.err).toBe('cfm: no MEP md1/ma1/7 on switch sw1 (MEPs: md1/ma1/1)\n');
    expect(r.out).toBe('');
  });
});
