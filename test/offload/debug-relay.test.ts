/**
 * Debug decode of frames that travel between two up MEPs of one switch inside the engine's relay
 * (src/offload/cpu-side.ts): they never pass the backend's frame port where the tap sits, yet a
 * tagged MP receives them, so its rx side must decode them too, each frame once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import type { DebugLogEntry } from '../../src/debug/decoder.js';
import { openSwitch } from '../../src/offload/api.js';
import { runVirtual } from '../../src/offload/sim/run.js';
import { groupItem, maItem, mepItem, mockBoardConfig } from '../helpers/configs.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-debug-relay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = mockBoardConfig(5, [maItem('a', 100, '1sec', [81, 82])], [
  groupItem('g', 'a', [mepItem(81, 'p1', 'up', ', offload: software'), mepItem(82, 'p2', 'up', ', offload: software')]),
], ['debug-tags:', '  - { mep: { domain: d, association: a, mep-id: 81 }, direction: both }']);

describe('debug decode between up MEPs of one switch', () => {
  it('decodes the CCMs MEP 81 receives from MEP 82 through the relay, once each', async () => {
    const cfg = join(dir, 'up.yaml');
    writeFileSync(cfg, CONFIG);
    const clock = new VirtualClock();
    const log: DebugLogEntry[] = [];
    const sw = openSwitch({ config: cfg, clock, debugSink: (e) => log.push(e) });
    try {
      const rep = await sw.apply();
      expect(rep.plan.meps.map((m) => m.ccm)).toEqual(['software', 'software']);
      await runVirtual(clock, 5.5e9, 10e6);
      await new Promise((res) => setImmediate(res));
      const st = await sw.status();
      expect(st.meps.find((m) => m.key === 'd/a/81')?.defects).toEqual([]);
      const rx = log.filter((e) => e.dir === 'rx');
      const tx = log.filter((e) => e.dir === 'tx');
      expect(tx.length).toBeGreaterThanOrEqual(5);
      expect(rx.length).toBeGreaterThanOrEqual(5);
      expect(rx.every((e) => e.tag === 'd/a/81' && e.port === 'p1' && /CCM 02:00:00:00:00:82/.test(e.text))).toBe(true);
      // each CCM of MEP 82 once: as many rx decodes as MEP 82 sent CCMs (no double count)
      expect(Math.abs(rx.length - tx.length)).toBeLessThanOrEqual(1);
      expect(st.ops!.debug.rx.decoded).toBe(rx.length);
    } finally {
      await sw.close({ clearHardware: true });
    }
  });
});
