/**
 * The engine's CCM-transmit hook (src/engine/ccm-tx-hook.ts, mep-inject.ts) against a scripted
 * "device" in virtual time: when the injector answers late or refuses, no sequence number is
 * ever sent twice (802.1Q 20.10: CCIsentCCMs counts each CCM once); content changes reach the
 * device; a device that stops gives the CCMs back at its next sequence number and phase.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import type { FramePort } from '../../src/common/frame-port.js';
import { CfmEngine, type CcmTxHook, type CcmTxLease, type CcmTxRequest, type CcmTxResume, type MepConfig } from '../../src/engine/index.js';
import { MAID_A } from './helpers.js';

const MS = 1e6;
const P = 10 * MS; // interval 2

interface Sent { seq: number; atNs: number; by: 'engine' | 'device'; rdi: boolean }

function seqOf(f: Uint8Array): number {
  return ((f[18] << 24) >>> 0) + (f[19] << 16) + (f[20] << 8) + f[21];
}

/**
 * A device injector in virtual time: the start takes effect `answerNs` after the call (then the
 * first frame goes firstDelayNs later) and is answered then (or refused).
 */
function rig(o: { answerNs: number; refuse?: boolean }) {
  const clock = new VirtualClock();
  const sent: Sent[] = [];
  const port: FramePort = {
    send: (_p, f) => sent.push({ seq: seqOf(f), atNs: clock.nowNs(), by: 'engine', rdi: (f[16] & 0x80) !== 0 }),
    onReceive: () => () => undefined,
  };
  let frame: Uint8Array | null = null;
  let seq = 0;
  let next = 0;
  let running = false;
  let timer: { cancel(): void } | null = null;
  let onLost: ((r: CcmTxResume | null) => void) | null = null;
  const tick = (): void => {
    if (!running || !frame) return;
    sent.push({ seq: seq++, atNs: clock.nowNs(), by: 'device', rdi: (frame[16] & 0x80) !== 0 });
    next += P;
    timer = clock.setTimerAt(next, tick);
  };
  const requests: CcmTxRequest[] = [];
  const hook: CcmTxHook = {
    start(req, lost) {
      requests.push(req);
      onLost = lost;
      return new Promise<CcmTxLease | null>((resolve) => {
        clock.setTimer(o.answerNs, () => {
          if (o.refuse) return resolve(null);
          frame = req.frame.slice();
          seq = req.firstSeq;
          running = true;
          next = clock.nowNs() + req.firstDelayNs;
          timer = clock.setTimerAt(next, tick);
          resolve({
            seq: true,
            update: (f) => {
              frame = f.slice();
            },
            readBack: () => null,
            stop: async () => {
              running = false;
              timer?.cancel();
              return { nextSeq: seq, nextInNs: next - clock.nowNs() };
            },
          });
        });
      });
    },
  };
  const engine = new CfmEngine({ clock, port });
  engine.ccmTxHook = hook;
  /** The device stops by itself. */
  const fail = (): void => {
    running = false;
    timer?.cancel();
    onLost?.({ nextSeq: seq, nextInNs: next - clock.nowNs() });
  };
  const run = async (ns: number): Promise<void> => {
    for (let t = 0; t < ns; t += MS) {
      clock.advance(MS);
      await Promise.resolve();
      await Promise.resolve();
    }
  };
  return { clock, engine, sent, requests, fail, run };
}

const cfg = (extra: Partial<MepConfig> = {}): MepConfig => ({
  key: 'k', mepId: 1, remoteMepIds: [2], level: 2, interval: 2, vlan: 0, maid: MAID_A, port: 'eth0', direction: 'down',
  mac: '02:00:00:00:00:01', initialSeq: 100, ...extra,
});

function expectOneSequence(sent: Sent[]): void {
  const seqs = sent.map((s) => s.seq);
  expect(seqs, seqs.join(',')).toEqual(seqs.map((_, i) => seqs[0] + i));
}

describe('the CCM-transmit hook', () => {
  it('hands over k intervals on (k x 10 ms >= 50 ms): the engine sends up to X+k-1, the device from X+k, on the engine phase', async () => {
    const r = rig({ answerNs: 2 * MS });
    r.engine.addMep(cfg());
    await r.run(200 * MS);
    expect(r.requests[0]).toMatchObject({ firstSeq: 105, interval: 2, seqOffset: 18 });
    expectOneSequence(r.sent);
    expect(r.sent.filter((s) => s.by === 'engine').map((s) => s.seq)).toEqual([100, 101, 102, 103, 104]);
    const first = r.sent.find((s) => s.by === 'device')!;
    expect(first.seq).toBe(105);
    // the device's phase trails the engine's by the start's wait (2 ms here), then keeps 10 ms
    expect(first.atNs).toBe(50 * MS + 2 * MS);
    // the engine counts on its own phase, up to the start's wait ahead of the device: never behind
    const st = r.engine.status('k');
    expect(st.ccmInjected).toBe(true);
    expect([r.sent[r.sent.length - 1].seq + 1, r.sent[r.sent.length - 1].seq + 2]).toContain(st.nextSeq);
  });

  it('an answer later than the first injected CCM: the engine still never sends a number the device sends', async () => {
    const r = rig({ answerNs: 80 * MS });
    r.engine.addMep(cfg());
    await r.run(300 * MS);
    expectOneSequence(r.sent.filter((s, i, all) => all.findIndex((x) => x.seq === s.seq) === i));
    const seqs = r.sent.map((s) => s.seq);
    expect(new Set(seqs).size).toBe(seqs.length); // no repeat
    expect(r.sent.filter((s) => s.by === 'engine').every((s) => s.seq < 105)).toBe(true);
  });

  it('a refusal gives the CCMs back to the engine (those due while it waited are missing, none repeated), tried again 64 intervals later', async () => {
    const r = rig({ answerNs: 70 * MS, refuse: true });
    r.engine.addMep(cfg());
    await r.run(400 * MS);
    const seqs = r.sent.map((s) => s.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(r.sent.every((s) => s.by === 'engine')).toBe(true);
    expect(r.engine.status('k').ccmInjected).toBeUndefined();
    await r.run(700 * MS);
    expect(r.requests.length).toBe(2);
  });

  it('RDI reaches the injected frames; a device that stops gives the CCMs back at its next number and phase', async () => {
    const r = rig({ answerNs: 1 * MS });
    r.engine.addMep(cfg());
    await r.run(100 * MS);
    r.engine.mep('k').setRdi(true);
    await r.run(30 * MS);
    expect(r.sent[r.sent.length - 1]).toMatchObject({ by: 'device', rdi: true });
    const before = r.sent.length;
    r.fail();
    await r.run(100 * MS);
    expectOneSequence(r.sent);
    const after = r.sent.slice(before);
    expect(after.every((s) => s.by === 'engine' && s.rdi)).toBe(true);
    const gaps = r.sent.slice(before - 1).map((s, i, a) => (i ? s.atNs - a[i - 1].atNs : P));
    expect(gaps.every((g) => g === P)).toBe(true);
    expect(r.engine.status('k').ccmInjected).toBeUndefined();
  });
});
