/**
 * A config with several switches and none chosen: the library says so in its own terms (the
 * `switch` option), typed SwitchChoiceError; the CLI keeps its --switch wording. Before, the
 * library's error told a script to "choose one with --switch".
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SwitchChoiceError } from '../../src/index.js';
import { loadModel, openSwitch, pickSwitch, planConfig } from '../../src/offload/api.js';
import { startSoftwareRun } from '../../src/offload/run/software-run.js';
import { runCfm } from '../helpers/cli.js';

const DEMO = join(__dirname, '..', '..', 'examples', 'demo.yaml'); // switches sw1, sw2
const dir = mkdtempSync(join(tmpdir(), 'cfm-switch-choice-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIB_MSG = /^the config has several switches \(sw1, sw2[^)]*\): choose one with the 'switch' option \(e\.g\. \{ switch: 'sw1' \}\)$/;

async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe('several switches, none chosen', () => {
  it('library: pickSwitch, planConfig, openSwitch and startSoftwareRun throw SwitchChoiceError naming the option, not a flag', async () => {
    for (const fn of [
      () => pickSwitch(loadModel(DEMO)),
      () => planConfig(DEMO, 'mock-default'),
      () => openSwitch({ config: DEMO }),
      () => startSoftwareRun({ config: DEMO, socketPath: null }),
    ]) {
      const e = await caught(fn);
      expect(e).toBeInstanceOf(SwitchChoiceError);
      expect((e as SwitchChoiceError).code).toBe('USAGE');
      expect((e as SwitchChoiceError).message).toMatch(LIB_MSG);
      expect((e as SwitchChoiceError).message).not.toMatch(/--switch/);
      expect((e as SwitchChoiceError).switches).toContain('sw2');
    }
  });

  it('CLI: the flag wording, exit 2, nothing applied', async () => {
    const state = join(dir, 'state.json');
    const r = await runCfm('apply', DEMO, '--backend', 'mock', '--state', state);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^cfm: the config has several switches \(sw1, sw2[^)]*\): choose one with --switch\n$/);
    expect(existsSync(state)).toBe(false);
  });
});
