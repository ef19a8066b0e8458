/**
 * Issue 11 item 12: `cfm monitor` prints a readable line per event (wall-clock time, device time,
 * MEP, what) and JSON lines with -j; `profile list` / `debug show` take --json; an unknown MEP or
 * MA is a usage error (exit 2) in every command. In-process against `cfm apply --follow`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, startFollow, clearErr, clearOut, err, out } from '../helpers/cli.js';
import { TWO_UP_MEPS } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, 'two-up.yaml');
writeFileSync(cfg, TWO_UP_MEPS);

captureCliOutput();

async function withManager(name: string, fn: (sock: string) => Promise<void>): Promise<void> {
  const sock = join(dir, `${name}.sock`);
  const follow = await startFollow(sock, cfg, '--backend', 'mock', '--json');
  try {
    await fn(sock);
  } finally {
    await follow.stop();
  }
}

const waitUntil = async (pred: () => boolean) => {
  for (let i = 0; i < 1000 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('cfm monitor', () => {
  it('prints one readable line per event by default: wall-clock time, device time, MEP, what, [hw]', async () => {
    await withManager('text', async (sock) => {
      clearOut();
      const mon = cfm('monitor', '--socket', sock);
      await new Promise((r) => setTimeout(r, 100));
      expect(await cfm('mep', 'set', 'd/a/2', '--disable', '--socket', sock)).toBe(0);
      await waitUntil(() => out.includes('defRemoteCCM raised') && out.includes('remote MEP 2 -> failed'));
      process.emit('SIGINT');
      expect(await mon).toBe(0); // Ctrl-C is how a monitor ends: not a failure
      expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +\d+\.\d{6}s d\/a\/1 defect defRemoteCCM raised \[hw\]$/m);
      expect(out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +\d+\.\d{6}s d\/a\/1 remote MEP 2 -> failed \[hw\]$/m);
      expect(out).not.toMatch(/^\{/m);
      expect(out).not.toMatch(/\[sw\]$/m); // both MEPs are in hardware
    });
  });

  it('-j prints JSON lines with wallTime beside atNs', async () => {
    await withManager('json', async (sock) => {
      clearOut();
      const mon = cfm('monitor', '-j', '--socket', sock);
      await new Promise((r) => setTimeout(r, 100));
      expect(await cfm('mep', 'set', 'd/a/2', '--disable', '--socket', sock)).toBe(0);
      await waitUntil(() => out.includes('"remote-mep"') && out.includes('"defRemoteCCM"'));
      process.emit('SIGINT');
      await mon;
      const events = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { mep: string; type: string; atNs: number; wallTime: string; highestDefect: string });
      const failed = events.find((e) => e.type === 'remote-mep' && (e as { state?: string }).state === 'failed');
      expect(failed).toMatchObject({ mep: 'd/a/1', highestDefect: 'defRemoteCCM' });
      for (const e of events) {
        expect(typeof e.atNs).toBe('number');
        expect(e.wallTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    });
  });
});

describe('cfm monitor when the manager goes away', () => {
  it('the manager stopping: one line saying so, exit 1 (was: exit 0 in silence)', async () => {
    const sock = join(dir, 'stop.sock');
    const follow = await startFollow(sock, cfg, '--backend', 'mock', '--json');
    clearErr();
    const mon = cfm('monitor', '--socket', sock);
    await new Promise((r) => setTimeout(r, 100));
    await follow.stop(); // SIGTERM, as a service manager stops it
    expect(await mon).toBe(1);
    expect(err).toBe(`cfm: the manager on ${sock} stopped; no more events\n`);
  });
});

describe('the same error, the same exit code', () => {
  it('an unknown MEP or MA is 2 in loopback, mep set, mep show and cc interval', async () => {
    await withManager('codes', async (sock) => {
      clearErr();
      expect(await cfm('loopback', 'x/y/1', '--target-mep', '2', '--socket', sock)).toBe(2);
      expect(await cfm('mep', 'set', 'x/y/1', '--disable', '--socket', sock)).toBe(2);
      expect(await cfm('mep', 'show', 'x/y/1', '--socket', sock)).toBe(2);
      clearErr();
      expect(await cfm('cc', 'interval', 'x/y', '1s', '--socket', sock)).toBe(2);
      expect(err).toBe('cfm: manager: /associations/0/key: no maintenance association \'x/y\' (keys are "<md>/<ma>")\n');
    });
  });

  it('profile list and debug show take --json', async () => {
    clearOut();
    expect(await cfm('profile', 'list', '--json')).toBe(0);
    const profiles = JSON.parse(out) as Array<{ name: string; description?: string }>;
    expect(profiles.find((p) => p.name === 'mock-default')?.description).toMatch(/mock ASIC/);
    clearOut();
    expect(await cfm('debug', 'show', '--json', '--state-dir', join(dir, 'no-tags'))).toBe(0);
    expect(JSON.parse(out)).toEqual([]);
  });
});
