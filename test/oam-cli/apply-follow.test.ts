/**
 * The wiring in `cfm apply --follow`: the manager it starts (mock ASIC, real clock) answers the
 * OAM commands on its control socket. Everything runs in-process through main().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, startFollow, clearErr, clearOut, err, out } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-oam-follow-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = new URL('../../examples/demo.yaml', import.meta.url).pathname;

captureCliOutput();

describe('cfm apply --follow serves loopback, linktrace, mep and cc commands', () => {
  it('demo sw1: mep list, loopback and linktrace to nobody (exit 1), mep set and cc interval move MEPs', async () => {
    const sock = join(dir, 'sw1.sock');
    const follow = await startFollow(sock, DEMO, '--switch', 'sw1', '--backend', 'mock', '--json');
    try {
      clearOut();
      clearErr();
      expect(await cfm('mep', 'list', '--socket', sock)).toBe(0);
      expect(out).toMatch(/\ndemo\/svc-10s\/51 +p1\.50 +5 +10s +software +yes +52:start +- +\d+\/0 +interval 10s not in hardware intervals/);
      expect(out).toMatch(/\nlink\/sw1-sw2\/1 +p1 +0 +100ms +hardware #\d+ /);
      clearOut();
      const code = await cfm('loopback', 'demo/svc-10s/51', '--target-mac', '02:00:00:00:99:99', '--count', '2', '--interval-ms', '10', '--timeout-ms', '50', '--socket', sock);
      expect(err).toBe('');
      expect(code).toBe(1);
      expect(out).toBe('Loopback from demo/svc-10s/51 to 02:00:00:00:99:99: 2 LBM(s), 10 ms apart\nSent 2 packets, received 0 packets [0 out-of-order, 0 Bad Msdu]\n');
      clearOut();
      expect(await cfm('linktrace', 'demo/svc-10s/51', '--target-mac', '02:00:00:00:99:99', '--timeout-ms', '1000', '--socket', sock)).toBe(1);
      expect(out).toContain('No more responses received in the last 1 seconds.');
      // change: a pin to software, and an interval the ASIC can do (10 s -> 1 s moves 51 into a VOE)
      clearOut();
      expect(await cfm('mep', 'set', 'demo/svc-1s/41', '--placement', 'software', '--socket', sock)).toBe(0);
      expect(out).toMatch(/^demo\/svc-1s\/41 placement software: hardware: 1 VOE deleted \(demo\/svc-1s\/41\); software: 1 MEP\(s\) started, 0 stopped\nmoved demo\/svc-1s\/41 to software/);
      clearOut();
      expect(await cfm('cc', 'interval', 'demo/svc-10s', '1s', '--socket', sock)).toBe(0);
      expect(out).toMatch(/^demo\/svc-10s interval 1s: hardware: 1 VOE created \(demo\/svc-10s\/51\); software: 0 MEP\(s\) started, 1 stopped\nmoved demo\/svc-10s\/51 to hardware/);
      clearOut();
      expect(await cfm('mep', 'list', '--socket', sock, '--json')).toBe(0);
      const rows = JSON.parse(out) as Array<{ key: string; placement: string; interval: string }>;
      expect(rows.find((m) => m.key === 'demo/svc-1s/41')).toMatchObject({ placement: 'software' });
      expect(rows.find((m) => m.key === 'demo/svc-10s/51')).toMatchObject({ placement: 'hardware', interval: '1s' });
    } finally {
      await follow.stop();
    }
  });
});
