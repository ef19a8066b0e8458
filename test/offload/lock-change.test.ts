/**
 * `cfm mep set --lock off` / change { locked: false } on a MEP without fault-signalling: it
 * cannot be locked, so unlocking it succeeds and does nothing ("not locked"); before, it was
 * refused (exit 1) like a lock. A lock (`--lock on`) there stays refused: Y.1731 7.6 sends LCK to
 * the client MEG level, and such a MEP has none. An unlock of a locked MEP still stops LCK.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { applyConfigChange } from '../../src/offload/changes.js';
import { served, type Served } from '../oam-cli/served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('unlocking a MEP that is not locked', () => {
  it('library: locked false without fault-signalling changes nothing and is no error; locked true is refused', async () => {
    s = await served({ pin: 'hardware' });
    const model = s.r.mgr.sw1.currentModel!;
    expect(model.domains[0].associations[0].meps[0].faultSignalling).toBeUndefined();
    const off = applyConfigChange(model, { meps: [{ key: 'md1/ma1/1', locked: false }] });
    expect(off.replaced).toEqual([]);
    expect(() => applyConfigChange(model, { meps: [{ key: 'md1/ma1/1', locked: true }] })).toThrow(ConfigError);
    const rep = await s.r.mgr.sw1.change({ meps: [{ key: 'md1/ma1/1', locked: false }] });
    expect(rep.ops).toEqual([]);
  });

  it('CLI: --lock off says "not locked" (exit 0); --lock on is refused naming the field; a real unlock says LCK stopped', async () => {
    s = await served({ pin: 'hardware' });
    const off = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'off');
    expect({ code: off.code, out: off.out.trim(), err: off.err }).toEqual({ code: 0, out: 'md1/ma1/1 lock off: not locked (nothing to do)', err: '' });
    const on = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'on');
    expect(on.code).toBe(1);
    expect(on.err).toContain('/meps/0/locked: MEP md1/ma1/1 has no fault-signalling (client-md-level) in its config');
    // with fault-signalling: lock, unlock (LCK stopped), unlock again (not locked)
    const model = s.r.mgr.sw1.currentModel!;
    const a = model.domains[0].associations[0];
    const withFs = { ...model, domains: [{ ...model.domains[0], associations: [{ ...a, meps: [{ ...a.meps[0], faultSignalling: { clientLevel: 6, ais: true, period: 4 as const, priority: 7, locked: false, csf: false } }, ...a.meps.slice(1)] }] }] };
    await s.r.mgr.sw1.apply(withFs);
    expect((await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'on')).out.trim()).toBe('md1/ma1/1 lock on: sending LCK to the client level (Y.1731 7.6)');
    expect((await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'off')).out.trim()).toBe('md1/ma1/1 lock off: LCK stopped');
    expect((await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'off')).out.trim()).toBe('md1/ma1/1 lock off: not locked (nothing to do)');
  });
});
