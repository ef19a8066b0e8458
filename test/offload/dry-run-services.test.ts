/**
 * `cfm apply --dry-run --socket` against a running manager shows the changes an apply would make
 * besides the VOEs: software MEPs, Y.1731 PM sessions (docs/y1731.md `pm-session`) and fault
 * signalling (AIS / LCK / CSF) started, restarted or stopped, and changes nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';
import { serveLiveSwitch } from '../helpers/live-switch.js';
import { loadModel } from '../../src/offload/api.js';
import { groupItem, maItem, mepItem, mockBoardConfig } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-dry-svc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (mep1Extra: string, mep2Extra = ''): string => mockBoardConfig(3, [maItem('a', 100, '1sec', [1, 2])], [
  groupItem('g', 'a', [mepItem(1, 'p1', 'down', mep1Extra), mepItem(2, 'p2', 'down', mep2Extra)]),
]);

const PM = ', pm-session: [ { session-id: dm2, type: dmm, target-mep-id: 2 }, { session-id: sl2, type: slm, target-mep-id: 2, test-id: 1 } ]';
const FS = ', fault-signalling: { client-md-level: 5, locked: LOCK }';

describe('cfm apply --dry-run --socket: changes besides the VOEs', () => {
  it('shows PM sessions and fault signalling an apply would start, restart or stop; changes nothing', async () => {
    const base = join(dir, 'base.yaml');
    writeFileSync(base, config(''));
    const sock = join(dir, 'live.sock');
    const live = await serveLiveSwitch(base, sock);
    const { sw } = live;
    try {
      const withPm = join(dir, 'pm.yaml');
      writeFileSync(withPm, config(PM + FS.replace('LOCK', 'false')));
      const r = await runCfm('apply', withPm, '--dry-run', '--socket', sock);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out.split('\n')).toEqual([
        'dry run on default (mock): 0 delete, 0 update, 0 create, 2 unchanged of 2 VOEs in the backend, 3 other changes (software MEPs, PM sessions, fault signalling); nothing was changed',
        '+ start pm-session d/a/1 dm2: DMM to MEP 2 every 1000 ms, 15 min intervals',
        '+ start pm-session d/a/1 sl2: SLM to MEP 2 every 1000 ms, 15 min intervals',
        '+ start fault-signalling d/a/1: AIS to level 5, 1s, priority 7',
        '',
      ]);
      expect(sw.manager.y1731.pmShow()).toEqual([]); // nothing started
      const j = await runCfm('apply', withPm, '--dry-run', '--socket', sock, '--json');
      expect((JSON.parse(j.out) as { services: Array<{ kind: string; what: string; id?: string }> }).services.map((s) => `${s.kind} ${s.what} ${s.id ?? ''}`))
        .toEqual(['start pm-session dm2', 'start pm-session sl2', 'start fault-signalling ']);

      // once applied: the same config is no change; a lock and a dropped session are
      await sw.manager.apply(loadModel(withPm));
      expect(sw.manager.y1731.pmShow()).toHaveLength(2);
      const same = await runCfm('apply', withPm, '--dry-run', '--socket', sock);
      expect(same.out).toBe('dry run on default (mock): 0 delete, 0 update, 0 create, 2 unchanged of 2 VOEs in the backend; nothing was changed\n');
      const locked = join(dir, 'locked.yaml');
      writeFileSync(locked, config(PM.replace(', { session-id: sl2, type: slm, target-mep-id: 2, test-id: 1 }', '') + FS.replace('LOCK', 'true')));
      const l = await runCfm('apply', locked, '--dry-run', '--socket', sock);
      expect(l.out.split('\n').slice(1)).toEqual([
        '- stop pm-session d/a/1 sl2: not in the config',
        '~ restart fault-signalling d/a/1: now AIS+LCK to level 5, 1s, priority 7',
        '',
      ]);
      expect(sw.manager.y1731.pmShow()).toHaveLength(2);

      // a MEP moved to software: its VOE goes, and the engine starts it; then a change of it
      const soft = join(dir, 'soft.yaml');
      writeFileSync(soft, config(PM + FS.replace('LOCK', 'false'), ', offload: software'));
      const s = await runCfm('apply', soft, '--dry-run', '--socket', sock);
      expect(s.out.split('\n')[0]).toBe('dry run on default (mock): 1 delete, 0 update, 0 create, 1 unchanged of 2 VOEs in the backend, 1 other change (software MEPs, PM sessions, fault signalling); nothing was changed');
      expect(s.out).toContain('\n+ start software-mep d/a/2: runs in the manager\'s engine\n');
      await sw.manager.apply(loadModel(soft));
      const prio = join(dir, 'prio.yaml');
      writeFileSync(prio, config(PM + FS.replace('LOCK', 'false'), ', offload: software, ccm-ltm-priority: 3'));
      const p = await runCfm('apply', prio, '--dry-run', '--socket', sock);
      expect(p.out.split('\n').slice(1)).toEqual(['~ restart software-mep d/a/2: its configuration changed', "software MEPs: 1 would run in the manager's engine", '']);
    } finally {
      await live.close();
    }
  });
});
