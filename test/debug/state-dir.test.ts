/**
 * `cfm debug tag ... --state-dir /proc/x` hung at 100 % CPU: Node 20's recursive mkdirSync loops
 * under /proc. The state dir is now checked first (a pseudo filesystem is refused) and created
 * one component at a time. The CLI runs as a child with a timeout so a regression fails, not hangs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CfmError } from '../../src/common/errors.js';
import { readTags, writeStats, writeTags } from '../../src/debug/state.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cfm-state-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TAG = { kind: 'mip' as const, switch: 'default', port: 'swp4', vlan: 100, level: 5, mipKey: 'default/swp4/100/5', direction: 'rx' as const };

function cfmChild(args: string[]): { status: number | null; stderr: string; signal: NodeJS.Signals | null } {
  const code = `import(${JSON.stringify(join(root, 'src/cli/main.ts'))}).then(async (m) => { process.exitCode = await m.main(['node', 'cfm', ...process.argv.slice(1)]); })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code, ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stderr: r.stderr, signal: r.signal };
}

describe('debug state dir', () => {
  it('cfm debug tag --state-dir /proc/x: refused in one line, exit 2, no hang', () => {
    const r = cfmChild(['debug', 'tag', 'mip', 'swp4', 'level', '5', 'vlan', '100', '--state-dir', '/proc/x']);
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.stderr).toBe('cfm: state dir /proc/x: /proc is on the proc pseudo filesystem, which holds no files; choose a directory such as /run or /tmp (--state-dir, CFM_STATE_DIR)\n');
    expect(r.status).toBe(2);
  }, 30_000);

  it('library: writeTags / writeStats under /proc or /sys throw a typed error at once', () => {
    expect(() => writeTags([TAG], '/proc/x/y')).toThrow(CfmError);
    expect(() => writeTags([TAG], '/sys/cfm')).toThrow(/on the sysfs pseudo filesystem/);
    expect(() => writeStats({ atIso: 'x', pid: 1, debug: null, cpuProtection: [] }, '/proc/x')).toThrow(/proc pseudo filesystem/);
  });

  it('a missing nested state dir is created; a file in the way is named', () => {
    const nested = join(dir, 'a', 'b', 'c');
    writeTags([TAG], nested);
    expect(statSync(nested).isDirectory()).toBe(true);
    expect(readTags(nested)).toEqual([TAG]);
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(() => writeTags([TAG], join(file, 'sub'))).toThrow(`state dir ${join(file, 'sub')}: ${file} is not a directory`);
    expect(existsSync(join(file, 'sub'))).toBe(false);
  });
});
