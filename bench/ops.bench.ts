/**
 * Operator features (issue 7): how fast the software CPU-protection path drops a flood in native
 * code versus in JavaScript, and what a debug decode costs per frame.
 *   - native: NativeCpuPolicer.admitBatch over batches of 64 frames (the receive hook's decision,
 *     without the socket), frames/s decided;
 *   - JavaScript: CpuProtectionEngine.admit per frame, frames/s decided;
 *   - debug decode: enqueue + validity check + render of an LBM and a CCM, us/frame.
 */
import type { BenchRow } from './run.js';
import { compileProtection } from '../src/cpu-protection/compile.js';
import { CpuProtectionEngine } from '../src/cpu-protection/engine.js';
import { NativeCpuPolicer, nativePolicerAvailable } from '../src/cpu-protection/native.js';
import { DebugDecoder } from '../src/debug/decoder.js';
import { cfmFrame, seedModel } from '../test/cpu-protection/fixtures.js';

export const name = 'ops: CPU protection and debug decode';

const FLOOD_FRAMES = 2_000_000;

/** A flood: LBMs from 4 peers at level 5 (entry 10) and level-2 frames (entry 20, rate 0). */
function flood(): Uint8Array[] {
  return Array.from({ length: 64 }, (_, i) => cfmFrame(`02:aa:00:00:00:0${(i % 4) + 1}`, i % 8 === 7 ? 2 : 5, 3, 100, i));
}

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const compiled = compileProtection(seedModel({ aggregate: false }));
  const frames = flood();

  // JavaScript engine
  {
    const eng = new CpuProtectionEngine(compiled);
    let t = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < FLOOD_FRAMES; i++) eng.admit('swp4', frames[i & 63], (t += 1000));
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    rows.push({ case: 'flood dropped in JavaScript (CpuProtectionEngine.admit)', value: FLOOD_FRAMES / s, unit: 'frames/s' });
  }

  // native policer
  if (nativePolicerAvailable()) {
    const n = new NativeCpuPolicer(compiled);
    const data = new Uint8Array(frames.reduce((a, f) => a + f.length, 0));
    let off = 0;
    for (const f of frames) {
      data.set(f, off);
      off += f.length;
    }
    const lengths = Uint32Array.from(frames.map((f) => f.length));
    const times = new Float64Array(1);
    const start = process.hrtime.bigint();
    for (let i = 0; i < FLOOD_FRAMES / 64; i++) {
      times[0] = i * 64_000;
      n.admitBatch('swp4', data, lengths, times);
    }
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    n.close();
    rows.push({ case: 'flood dropped in native code (CpuPolicer, batches of 64)', value: FLOOD_FRAMES / s, unit: 'frames/s', note: 'the AF_PACKET hook makes the same decision per frame before any JS' });
  } else {
    rows.push({ case: 'flood dropped in native code', value: Number.NaN, unit: 'frames/s', note: 'addon without CpuPolicer: run npm run build:native' });
  }

  // debug decode cost
  for (const [what, f] of [['LBM', cfmFrame('02:00:00:00:00:01', 5, 3, 100, 1)], ['LTM', cfmFrame('02:00:00:00:00:01', 5, 5, 100, 1)]] as const) {
    let sunk = 0;
    const d = new DebugDecoder({
      tags: [{ kind: 'mip', key: 'm', switch: 'default', port: 'swp4', vlan: 100, level: 5, direction: 'both' }],
      rxLimit: 1024, sink: () => sunk++, schedule: 'manual',
    });
    const N = 50_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i += 1000) {
      for (let k = 0; k < 1000; k++) d.onRx('swp4', f, i + k);
      d.service();
    }
    const us = Number(process.hrtime.bigint() - start) / 1e3 / N;
    rows.push({ case: `debug decode-log cost per ${what} (queue + validate + render)`, value: us, unit: 'us/frame', note: `${sunk} decoded` });
  }
  return rows;
}
