import { afterEach, describe, expect, it } from 'vitest';
import { settle } from '../../src/offload/sim/run.js';
import { runCfm } from '../helpers/cli.js';
import { pumped, served, type Served } from './served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const REPLY = /^Reply from 02:[0-9a-f:]{14}: lbm_seq=\d+ time=\d+\.\d{3} ms$/;

describe('cfm loopback against a running manager (mock ASICs, virtual time)', () => {
  it('streams one line per LBR, then the seed-001 summary and round-trip line; exit 0 when all answered', async () => {
    s = await served({ pin: 'software' });
    const r = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '3', '--interval-ms', '100');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('Loopback from md1/ma1/1 to MEP 2: 3 LBM(s), 100 ms apart');
    expect(lines.slice(1, 4)).toHaveLength(3);
    for (const l of lines.slice(1, 4)) expect(l).toMatch(REPLY);
    expect(lines.slice(1, 4).map((l) => Number(/lbm_seq=(\d+)/.exec(l)![1]))).toEqual([1, 2, 3]);
    expect(lines[4]).toBe('Sent 3 packets, received 3 packets [0 out-of-order, 0 Bad Msdu]');
    // 0.5 ms each way on the link
    const m = /^round-trip min\/avg\/max = (\d+\.\d{3})\/(\d+\.\d{3})\/(\d+\.\d{3}) ms$/.exec(lines[5]);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(1);
    expect(Number(m![1])).toBeLessThanOrEqual(Number(m![2]));
    expect(Number(m![2])).toBeLessThanOrEqual(Number(m![3]));
    expect(lines).toHaveLength(6);
  });

  it('a cut link: replies lost, summary says so, exit 1; --json gives reply lines and the result', async () => {
    s = await served({ pin: 'software' });
    const ok = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '2', '--interval-ms', '50', '--data-size', '64', '--json');
    expect(ok.code).toBe(0);
    const okLines = ok.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(okLines.filter((l) => 'reply' in l)).toHaveLength(2);
    expect(okLines.at(-1)).toMatchObject({ result: { sent: 2, received: 2, badMsdu: 0, answered: 2 } });

    s.r.net.link('sw1:swp1-sw2:swp1').up = false;
    const lost = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '3', '--interval-ms', '100', '--timeout-ms', '500');
    expect(lost.code).toBe(1);
    expect(lost.err).toBe('');
    const lines = lost.out.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('Reply from'))).toEqual([]);
    expect(lines.at(-1)).toBe('Sent 3 packets, received 0 packets [0 out-of-order, 0 Bad Msdu]');
    expect(lost.out).not.toContain('round-trip');
  });

  it('to a MAC and multicast; the Test TLV is echoed intact', async () => {
    s = await served({ pin: 'software' });
    const st = await s.r.mgr.sw2.status();
    const mac2 = (await s.r.mgr.sw1.status()).meps[0].remotes[0].mac!;
    expect(st.meps[0].key).toBe('md1/ma1/2');
    const r = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mac', mac2.toUpperCase(), '--test-pattern', 'prbs-crc', '--test-size', '100', '--timeout-ms', '200');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Reply from ${mac2}: lbm_seq=1 `);
    expect(r.out).toContain('Sent 1 packets, received 1 packets [0 out-of-order, 0 Bad Msdu]');
    const mc = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--multicast', '--count', '2', '--interval-ms', '10', '--timeout-ms', '200');
    expect(mc.out).toContain('Loopback from md1/ma1/1 to multicast (class 1): 2 LBM(s), 10 ms apart');
    expect(mc.out.split('\n').filter((l) => l.startsWith(`Reply from ${mac2}`))).toHaveLength(2);
    expect(mc.code).toBe(0);
  });

  it('Ctrl-C stops waiting: what was answered so far, exit 1', async () => {
    s = await served({ pin: 'software' });
    const run = runCfm('loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '10', '--interval-ms', '1000', '--socket', s.sock.sw1);
    // two LBMs answered (t = 0 s and 1 s), then the operator presses Ctrl-C
    for (let i = 0; i < 1500; i++) {
      s.r.net.clock.advanceTo(s.r.net.clock.nowNs() + 1_000_000);
      await settle();
    }
    process.emit('SIGINT');
    const r = await pumped(s.r, run);
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter((l) => l.startsWith('Reply from'))).toHaveLength(2);
    expect(r.out).toMatch(/\ninterrupted: 2 LBM\(s\) answered so far\n$/);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('hardware-placed MEPs (VOEs on the mock ASIC) answer too, before and after a move to software', async () => {
    s = await served();
    expect((await s.r.mgr.sw1.status()).meps.map((m) => m.placement)).toEqual(['hardware']);
    const hw = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '2', '--interval-ms', '100');
    expect(hw.code).toBe(0);
    expect(hw.out).toContain('Sent 2 packets, received 2 packets [0 out-of-order, 0 Bad Msdu]');
    const lt = await s.cfm('sw2', 'linktrace', 'md1/ma1/2', '--target-mep', '1', '--timeout-ms', '1500');
    expect(lt.code).toBe(0);
    expect(lt.out).toMatch(/\n1 +\S+ +\S+ +rlyHit +terminate\n/);
    expect((await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--placement', 'software')).code).toBe(0);
    // the engine's CCM database starts empty after the move: the peer's next CCM gives MEP 2's MAC
    await s.run(300);
    const sw = await s.cfm('sw1', 'loopback', 'md1/ma1/1', '--target-mep', '2', '--count', '2', '--interval-ms', '100');
    expect(sw.code).toBe(0);
    expect(sw.out).toContain('Sent 2 packets, received 2 packets [0 out-of-order, 0 Bad Msdu]');
    s.r.net.link('sw1:swp1-sw2:swp1').up = false;
    const lost = await s.cfm('sw2', 'loopback', 'md1/ma1/2', '--target-mep', '1', '--count', '2', '--interval-ms', '100', '--timeout-ms', '300');
    expect(lost.code).toBe(1);
    expect(lost.out).toContain('Sent 2 packets, received 0 packets [0 out-of-order, 0 Bad Msdu]');
  });
});
