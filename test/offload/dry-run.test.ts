/**
 * Issue 11 item 3: an apply that would delete every VOE needs --allow-delete-all; `cfm apply
 * --dry-run` prints the exact operations against the live state and changes nothing; `cfm plan
 * --backend` plans against a live backend's capabilities.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';
import { serveLiveSwitch } from '../helpers/live-switch.js';
import { groupItem, maItem, mepItem, mockBoardConfig } from '../helpers/configs.js';

/** The VOEs of the persisted mock as `cfm status` reads them (the file also holds device time). */
async function liveVoes(state: string): Promise<unknown[]> {
  const s = await runCfm('status', '--backend', 'mock', '--state', state, '--socket', join(dir, 'none.sock'), '--json');
  return (JSON.parse(s.out) as { voes: Array<{ spec: unknown }> }).voes.map((v) => v.spec);
}

const dir = mkdtempSync(join(tmpdir(), 'cfm-dry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;

describe('apply guard and dry run', () => {
  const state = join(dir, 'mock.json');
  const empty = join(dir, 'empty.yaml');
  writeFileSync(empty, 'cfm: {}\n');

  it('an empty config does not delete every VOE without --allow-delete-all', async () => {
    expect((await runCfm('apply', BOARD, '--backend', 'mock', '--state', state)).code).toBe(0);
    const saved = await liveVoes(state);
    expect(saved).toHaveLength(8);
    const r = await runCfm('apply', empty, '--backend', 'mock', '--state', state);
    expect(r.code).toBe(1);
    expect(r.err).toBe('cfm: refusing to delete every VOE on default (8): the config has no MEP for this switch; pass --allow-delete-all (library: allowDeleteAll) to remove them\n');
    expect(await liveVoes(state)).toEqual(saved);
  });

  it('--dry-run prints each operation against the live state and changes nothing', async () => {
    const saved = await liveVoes(state);
    const changed = join(dir, 'changed.yaml');
    writeFileSync(changed, readFileSync(BOARD, 'utf8').replace(/ccm-interval: 10ms/g, 'ccm-interval: 100ms'));
    const r = await runCfm('apply', changed, '--backend', 'mock', '--state', state, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'dry run on default (mock): 0 delete, 2 update, 0 create, 6 unchanged of 8 VOEs in the backend; nothing was changed',
      '~ update VOE #1 links/link0/1: interval 10ms -> 100ms',
      '~ update VOE #2 links/link1/2: interval 10ms -> 100ms',
      '',
    ]);
    const d = await runCfm('apply', empty, '--backend', 'mock', '--state', state, '--dry-run', '--json');
    expect(d.code).toBe(1); // the real apply would refuse
    const j = JSON.parse(d.out) as { ops: Array<{ kind: string; key: string; why: string }>; refused: string };
    expect(j.ops).toHaveLength(8);
    expect(j.ops.every((o) => o.kind === 'delete' && o.why === 'not in plan')).toBe(true);
    expect(j.refused).toMatch(/refusing to delete every VOE/);
    expect(await liveVoes(state)).toEqual(saved);
  });

  it('--allow-delete-all removes them', async () => {
    const r = await runCfm('apply', empty, '--backend', 'mock', '--state', state, '--allow-delete-all');
    expect(r.code).toBe(0);
    expect(r.out).toContain('8 delete');
  });

  it('cfm plan --backend plans against the live capabilities', async () => {
    // a vendor shim with no up MEP support: the profile alone says up MEPs are fine
    const { mockAsicLibPath } = await import('../../src/backends/asic-binding/index.js');
    const up = join(dir, 'up.yaml');
    writeFileSync(up, mockBoardConfig(3, [maItem('a', 100, '1sec', [1, 2])], [groupItem('g', 'a', [mepItem(1, 'p1', 'up')])]));
    const offline = await runCfm('plan', up, '--json');
    expect(offline.code).toBe(0);
    expect((JSON.parse(offline.out) as { meps: Array<{ ccm: string }> }).meps[0].ccm).toBe('hardware');
    const live = await runCfm('plan', up, '--json', '--backend', `vendor:${mockAsicLibPath()}`, '--vendor-args', 'ports=8;up_mep=0');
    expect(live.err).toBe('');
    const m = (JSON.parse(live.out) as { meps: Array<{ ccm: string; reason?: string }> }).meps[0];
    expect(m.ccm).toBe('software');
    expect(m.reason).toBe('up MEP not supported');
  });
});

describe('cfm apply --dry-run --socket: against a running manager\'s live state', () => {
  it('diffs the config against the VOEs the manager holds, and changes nothing', async () => {
    const sock = join(dir, 'live.sock');
    const live = await serveLiveSwitch(BOARD, sock);
    const { sw } = live;
    try {
      const changed = join(dir, 'changed-live.yaml');
      writeFileSync(changed, readFileSync(BOARD, 'utf8').replace(/ccm-interval: 10ms/g, 'ccm-interval: 100ms'));
      const r = await runCfm('apply', changed, '--dry-run', '--socket', sock);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^dry run on default \(mock\): 0 delete, 2 update, 0 create, 6 unchanged of 8 VOEs in the backend; nothing was changed\n~ update VOE #\d+ links\/link0\/1: interval 10ms -> 100ms\n/);
      const e = await runCfm('apply', join(dir, 'empty.yaml'), '--dry-run', '--socket', sock, '--json');
      expect(e.code).toBe(1);
      expect((JSON.parse(e.out) as { ops: unknown[] }).ops).toHaveLength(8);
      expect((await sw.backend.listVoes()).every((v) => v.spec.interval === 2)).toBe(false); // untouched: 10 ms VOEs still there
      expect((await sw.backend.listVoes()).filter((v) => v.spec.interval === 2)).toHaveLength(2);
    } finally {
      await live.close();
    }
  });
});
