/**
 * Rule of the optional "inject" group (docs/vendor-abi.md 5d, cfm_asic.h cfm_inject_*): a
 * periodic injection sends one frame per interval with an incrementing sequence number, keeps
 * phase and sequence across an update, and its stop returns where to continue. Time passes for
 * real (a shim's device clock), or by cfm_mock_advance on a mock in virtual time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ASIC_STATUS as S, INJECT_CAP_RELAY, INJECT_CAP_SEQ, INJECT_NO_SEQ, type AsicDevice, type RawInjectCaps, type RawInjectConf, type RawInjectCounters } from '../../backends/asic-binding/index.js';
import { check } from '../check.js';
import type { ConformanceRule, RuleContext } from '../runner.js';

const INTERVAL_NS = [0, 3_333_333, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 60_000_000_000, 600_000_000_000];

/** A CCM-shaped frame (untagged, level 7, MEP id 1): the sequence number at byte 18. */
function frame(rdi: boolean): Uint8Array {
  const f = new Uint8Array(14 + 75);
  f.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x37, 0x02, 0, 0, 0, 0, 0x01, 0x89, 0x02]);
  f.set([7 << 5, 1, (rdi ? 0x80 : 0) | 3, 70], 14);
  f[23] = 1;
  return f;
}
const SEQ_AT = 18;

/** Let `ns` of device time pass: cfm_mock_advance on a mock in virtual time, else real time. */
export async function pass(dev: AsicDevice, ns: number): Promise<void> {
  if (dev.hasMockExtensions) {
    try {
      dev.mockAdvance(ns);
      return;
    } catch {
      /* real-time mock: CFM_ENOTSUP */
    }
  }
  await sleep(Math.ceil(ns / 1e6));
}

function counters(dev: AsicDevice, id: number): RawInjectCounters {
  const c = {} as RawInjectCounters;
  check.status(dev.lib.inject!.counters(dev.rawHandle, id, c) as number, S.OK, `cfm_inject_counters_get(${id})`);
  return c;
}

function start(c: RuleContext, conf: RawInjectConf, f: Uint8Array, want: number, what: string): number {
  const id = [0];
  check.status(c.dev.lib.inject!.start(c.dev.rawHandle, conf, f, f.length, id) as number, want, `cfm_inject_start (${what})`);
  return id[0];
}

export const injectRules: ConformanceRule[] = [
  {
    id: 'optional.inject',
    title: 'optional "inject" group: a periodic injection sends one frame per interval, sequence numbers incrementing, kept across an update; stop says where to continue',
    abiRule: 'cfm_inject_caps_get gives max_injections >= 1, intervals within codes 1..7, max_len 64..CFM_ASIC_MAX_FRAME and known flags '
      + '(or CFM_ENOTSUP: no injector); cfm_inject_start refuses a bad port, interval, length or sequence offset with CFM_EINVAL, returns an id != 0; '
      + 'after 3.5 intervals frames >= 2, next_seq = first_seq + frames (mod 2^32, with CFM_INJECT_CAP_SEQ), running = 1, last_tx_ns < next_tx_ns <= last_tx_ns + interval; '
      + 'cfm_inject_update keeps counting; cfm_inject_stop returns the same counters, then the id is CFM_ENOENT',
    async run(c) {
      const { dev, caps } = c;
      const g = dev.lib.inject;
      if (!g) return c.skip('the library has no cfm_inject_* calls (optional group): software MEPs send their CCMs themselves');
      check.status(g.caps(dev.rawHandle, null) as number, [S.EINVAL, S.ENOTSUP], 'cfm_inject_caps_get(NULL)');
      const ic = {} as RawInjectCaps;
      const s = g.caps(dev.rawHandle, ic) as number;
      if (s === S.ENOTSUP) return c.skip('cfm_inject_caps_get says CFM_ENOTSUP: no injector on this device');
      check.status(s, S.OK, 'cfm_inject_caps_get');
      check.ok(ic.max_injections >= 1, `max_injections ${ic.max_injections} (>= 1)`);
      check.ok(ic.intervals !== 0 && (ic.intervals & ~0xfe) === 0, `intervals 0x${ic.intervals.toString(16)}: a non-empty mask of codes 1..7`);
      check.ok(ic.max_len >= 64 && ic.max_len <= 1536, `max_len ${ic.max_len} (64..CFM_ASIC_MAX_FRAME)`);
      check.ok((ic.flags & ~(INJECT_CAP_SEQ | INJECT_CAP_RELAY)) === 0, `flags 0x${ic.flags.toString(16)}: only CFM_INJECT_CAP_* bits`);
      let iv = 0;
      for (const code of [3, 2, 1, 4]) if (!iv && ic.intervals & (1 << code)) iv = code;
      if (!iv) return c.skip('the injector has none of the intervals 3.33 ms .. 1 s: too slow to check here');
      const seq = (ic.flags & INJECT_CAP_SEQ) !== 0;
      const base: RawInjectConf = { port: 0, towards: 0, interval: iv, seq_offset: seq ? SEQ_AT : INJECT_NO_SEQ, first_seq: 0xfffffffe, reserved: 0, first_delay_ns: 0 };
      const f = frame(false);
      start(c, { ...base, port: caps.ports }, f, S.EINVAL, `port ${caps.ports} of ${caps.ports}`);
      start(c, { ...base, interval: 0 }, f, S.EINVAL, 'interval 0');
      start(c, { ...base, interval: 8 }, f, S.EINVAL, 'interval 8');
      start(c, base, f.subarray(0, 13), S.EINVAL, '13-byte frame');
      if (seq) start(c, { ...base, seq_offset: f.length - 2 }, f, S.EINVAL, 'sequence number past the frame');
      else start(c, base, f, S.ENOTSUP, 'a sequence offset without CFM_INJECT_CAP_SEQ');
      const id = start(c, base, f, S.OK, `interval ${iv}`);
      check.ok(id !== 0, 'injection id != 0');
      let stopped = false;
      c.defer(() => {
        if (!stopped) g.stop(dev.rawHandle, id, null);
      });
      const P = INTERVAL_NS[iv];
      await pass(dev, P * 3.5);
      const a = counters(dev, id);
      const frames = Number(a.frames);
      check.ok(frames >= 2, `frames after 3.5 intervals: ${frames} (>= 2)`);
      check.equal([a.running, a.error], [1, 0], 'running, error');
      if (seq) check.equal(a.next_seq >>> 0, (0xfffffffe + frames) >>> 0, 'next_seq = first_seq + frames (mod 2^32)');
      const last = Number(a.last_tx_ns);
      const next = Number(a.next_tx_ns);
      check.ok(last < next && next <= last + P + 1e6, `last_tx_ns ${last} < next_tx_ns ${next} <= last_tx_ns + interval`);
      check.status(g.update(dev.rawHandle, id, frame(true), f.length) as number, S.OK, 'cfm_inject_update');
      await pass(dev, P * 2);
      const b = counters(dev, id);
      check.ok(Number(b.frames) > frames, `frames go on after an update (${frames} -> ${Number(b.frames)})`);
      if (seq) check.equal(b.next_seq >>> 0, (0xfffffffe + Number(b.frames)) >>> 0, 'next_seq after an update (the sequence kept)');
      const end = {} as RawInjectCounters;
      check.status(g.stop(dev.rawHandle, id, end) as number, S.OK, 'cfm_inject_stop');
      stopped = true;
      check.ok(Number(end.frames) >= Number(b.frames), 'cfm_inject_stop returns the last counters');
      if (seq) check.equal(end.next_seq >>> 0, (0xfffffffe + Number(end.frames)) >>> 0, 'cfm_inject_stop next_seq');
      check.status(g.counters(dev.rawHandle, id, {}) as number, S.ENOENT, 'cfm_inject_counters_get after stop');
      check.status(g.stop(dev.rawHandle, id, null) as number, S.ENOENT, 'cfm_inject_stop twice');
    },
  },
];
