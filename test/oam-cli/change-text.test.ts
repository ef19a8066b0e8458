/**
 * The one- or two-line summary of `cfm mep set` / `cfm cc interval` (docs/oam-cli.md). A software
 * MEP a change reconfigures comes back from the manager in softwareStarted without a move: it was
 * printed "software: 1 MEP(s) started, 0 stopped" after `--disable`, as if the change had started
 * a MEP; it is now said to be restarted with the new settings.
 */
import { describe, expect, it } from 'vitest';
import { changeText } from '../../src/cli/commands/oam-text.js';

const none = { ops: [], moves: [], adopted: [], softwareStarted: [], softwareStopped: [] };

describe('changeText', () => {
  it('nothing to do', () => {
    expect(changeText('d/a/1 cc off', none)).toEqual(['d/a/1 cc off: no change (already so)']);
  });

  it('a software MEP reconfigured in place: restarted, not started', () => {
    expect(changeText('d/a/3 disable', { ...none, softwareStarted: ['d/a/3'] }))
      .toEqual(['d/a/3 disable: hardware: unchanged; software: 1 MEP(s) restarted with the new settings (d/a/3)']);
  });

  it('a move to software: started, with the move line (the docs example)', () => {
    expect(changeText('md1/ma1/1 placement software', {
      ...none, ops: [{ kind: 'delete', key: 'md1/ma1/1' }], softwareStarted: ['md1/ma1/1'], moves: [{ key: 'md1/ma1/1', to: 'software', seq: 12 }],
    })).toEqual([
      'md1/ma1/1 placement software: hardware: 1 VOE deleted (md1/ma1/1); software: 1 MEP(s) started, 0 stopped',
      'moved md1/ma1/1 to software (continuing at seq 12)',
    ]);
  });

  it('an MA interval change moving one MEP and reconfiguring another', () => {
    expect(changeText('d/a interval 10s', {
      ...none, ops: [{ kind: 'delete', key: 'd/a/1' }], softwareStarted: ['d/a/1', 'd/a/2'], moves: [{ key: 'd/a/1', to: 'software', seq: 3 }],
    })[0]).toBe('d/a interval 10s: hardware: 1 VOE deleted (d/a/1); software: 1 MEP(s) started, 0 stopped, 1 MEP(s) restarted with the new settings (d/a/2)');
  });
});
