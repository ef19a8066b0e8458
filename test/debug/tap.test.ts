/**
 * The tap on a real CPU path: the mock ASIC (virtual time) punts a port's CFM frames, the engine
 * runs a MIP behind wrapFramePort (one line), squelching and CPU protection drop before the MIP
 * and before the debug decoder, and the MIP's LBRs are decoded on the transmit queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import { VirtualClock } from '../../src/common/clock.js';
import { compileProtection } from '../../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../../src/cpu-protection/engine.js';
import { Squelcher } from '../../src/cpu-protection/squelch.js';
import { summarize } from '../../src/cpu-protection/summary.js';
import { DebugDecoder, type DebugLogEntry } from '../../src/debug/decoder.js';
import { resolveTags } from '../../src/debug/tags.js';
import { wrapFramePort } from '../../src/debug/tap.js';
import { CfmEngine } from '../../src/engine/engine.js';
import { cfmFrame, MIP_MAC, PEERS, seedModel } from '../cpu-protection/fixtures.js';

let closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

describe('wrapFramePort on the mock ASIC CPU path with an engine MIP', () => {
  it('squelched and policed frames reach neither the MIP nor the decoder; passed LBMs are answered and both directions decoded', async () => {
    const model = seedModel({ aggregate: true, squelch: '0-2' });
    model.debugTags.push({ kind: 'mip', switch: 'default', port: 'swp4', vlan: 100, level: 5, mipKey: 'default/swp4/100/5', direction: 'both' });
    const compiled = compileProtection(model);
    const clock = new VirtualClock();
    const be = new MockAsicBackend({ ports: ['swp1', 'swp2', 'swp3', 'swp4'], puntQueue: 4096 });
    closers.push(() => be.close());
    be.attachVirtualClock(clock);
    be.setPortPuntAll('swp4', true);
    const wire: Uint8Array[] = [];
    be.onWireTransmit((_port, f) => wire.push(f));

    const log: DebugLogEntry[] = [];
    const debug = new DebugDecoder({ tags: resolveTags(model, model.debugTags), rxLimit: 1000, txLimit: 1000, sink: (e) => log.push(e), schedule: 'manual' });
    const squelch = new Squelcher(compiled);
    const cpu = new CpuProtectionEngine(compiled);
    // the one-line adoption:
    const port = wrapFramePort(be.frames, { squelch, cpuProtection: cpu, debug, clock });
    const engine = new CfmEngine({ clock, port });
    closers.push(() => engine.close());
    engine.addMip({ key: 'default/swp4/100/5', level: 5, vlan: 100, port: 'swp4', mac: MIP_MAC });

    // 10 s: each peer sends an LBM at level 5 to the MIP every 100 ms (entry 10: 1 pps per
    // combination, aggregate), plus a level-1 LBM (squelched) and a level-4 AIS (entry 20: drop).
    for (let t = 0; t < 10_000; t += 100) {
      clock.advanceTo(t * 1e6 + 1000);
      for (const p of PEERS) be.injectFromWire('swp4', cfmFrame(p, 5, 3, 100, t));
      be.injectFromWire('swp4', cfmFrame(PEERS[0], 1, 3, 100, t));
      be.injectFromWire('swp4', cfmFrame(PEERS[1], 4, 33, 100, t));
    }
    clock.advance(1e9);
    debug.service();

    const c = port.tapCounters;
    expect(c.rx).toBe(500);
    expect(c.squelched).toBe(100);
    // 300 level-5 LBMs share one 1 pps bucket: t = 0, 1, ..., 9 s pass; 100 AIS all dropped
    expect(summarize(cpu.counters()).perEntry).toEqual({
      'default/swp4/100 entry 10': { passed: 10, dropped: 290 },
      'default/swp4/100 entry 20': { passed: 0, dropped: 100 },
    });
    expect(c.policed).toBe(390);
    expect(c.delivered).toBe(10);
    expect(engine.mip('default/swp4/100/5').counters.lbrOut).toBe(10);
    expect(wire).toHaveLength(10);
    expect(c.tx).toBe(10);
    // decoded: exactly the 10 LBMs that passed and the 10 LBRs; nothing squelched or policed
    expect(log.filter((e) => e.dir === 'rx').map((e) => e.json.opcodeName)).toEqual(new Array(10).fill('LBM'));
    expect(log.filter((e) => e.dir === 'tx').map((e) => e.json.opcodeName)).toEqual(new Array(10).fill('LBR'));
    expect(log.every((e) => e.json.level === 5)).toBe(true);
    expect(debug.stats().rx).toMatchObject({ enqueued: 10, decoded: 10, exceptions: 0, invalid: 0 });
  });
});
