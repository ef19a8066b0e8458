/**
 * LOC on receive times (src/engine/continuity.ts, issue 16): the rMEPwhile decision waits for
 * frames a backend still holds, and a real gap is reported even when the timer did not fire.
 * Deterministic: a clock whose time moves without running timers (an event loop that is busy)
 * until the test lets the loop run, and a fake "held frames" source behind the engine's
 * rxSettled hook (the backend's punt queue drained late).
 */
import { describe, expect, it } from 'vitest';
import type { Clock, TimeOfDay, TimerHandle } from '../../src/common/clock.js';
import type { FramePort } from '../../src/common/frame-port.js';
import { CfmEngine, type FaultEvent, type MepConfig } from '../../src/engine/index.js';
import { ccmFrame } from '../backends/frames.js';
import { MAID_A } from './helpers.js';

const MS = 1e6;

/** Time moves with set(); due timers run only in run() (the loop is free), in time order. */
class LoopClock implements Clock {
  private now = 0;
  private seq = 0;
  private readonly timers: Array<{ at: number; seq: number; fn: () => void; live: boolean }> = [];

  nowNs(): number {
    return this.now;
  }

  timeOfDay(atNs = this.now): TimeOfDay {
    return { seconds: Math.floor(atNs / 1e9), nanoseconds: atNs % 1e9 };
  }

  setTimer(delayNs: number, fn: () => void): TimerHandle {
    return this.setTimerAt(this.now + Math.max(0, delayNs), fn);
  }

  setTimerAt(atNs: number, fn: () => void): TimerHandle {
    const t = { at: atNs, seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return { cancel: () => { t.live = false; } };
  }

  /** Time passes; nothing runs (the loop is blocked). */
  set(ns: number): void {
    this.now = ns;
  }

  /** The loop is free at `ns`: every timer due by then runs, in (time, creation) order. */
  run(ns = this.now): void {
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= ns).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      due.live = false;
      this.now = Math.max(this.now, due.at);
      due.fn();
    }
    this.timers.splice(0, this.timers.length, ...this.timers.filter((t) => t.live));
    this.now = ns;
  }
}

const cfg: MepConfig = {
  key: 'k', mepId: 1, remoteMepIds: [2], level: 2, interval: 3, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down',
  mac: '02:00:00:00:00:01', ccmTx: false,
};

/** A CCM from remote MEP 2 (interval 3 = 100 ms: rMEPwhile 350 ms, timer grid 1 ms). */
const ccm = (seq: number): Uint8Array => ccmFrame({ level: 2, mepId: 2, maid: MAID_A, interval: 3, seq });

function rig(withHook: boolean) {
  const clock = new LoopClock();
  const port: FramePort = { send: () => undefined, onReceive: () => () => undefined };
  const engine = new CfmEngine({ clock, port, subscribe: false });
  const events: FaultEvent[] = [];
  engine.onEvent((e) => events.push(e));
  /** Frames the "backend" received but has not handed over yet, with their receive times. */
  const held: Array<{ frame: Uint8Array; rxNs: number }> = [];
  const asked: number[] = [];
  let waiting: (() => void) | null = null;
  let drainPending = false;
  if (withHook) {
    engine.rxSettled = (deadlineNs, cb) => {
      asked.push(deadlineNs);
      if (held.length === 0 && !drainPending) return true;
      waiting = cb;
      return false;
    };
  }
  /** The backend's drain: hand over the held frames (read now, received earlier), then answer. */
  const drain = (): void => {
    for (const h of held.splice(0)) engine.process('p1', 'wire', h.frame, h.rxNs);
    drainPending = false;
    const cb = waiting;
    waiting = null;
    cb?.();
  };
  const mep = engine.addMep(cfg);
  const remote = () => mep.status().remotes[0];
  const rmep = (state: string) => events.filter((e) => e.type === 'remote-mep' && e.state === state);
  const defects = () => events.filter((e) => e.type === 'defect' && e.defect === 'defRemoteCCM').map((e) => ({ atNs: e.atNs, active: e.active }));
  return {
    clock, engine, events, held, asked, drain, remote, rmep, defects,
    setDrainPending: () => { drainPending = true; },
    deliver: (seq: number, rxNs: number) => engine.process('p1', 'wire', ccm(seq), rxNs),
  };
}

describe('LOC on receive times (802.1Q 20.19-20.20, issue 16)', () => {
  it('a CCM received before the deadline but read after it is no LOC: the decision waits for the drain', () => {
    const r = rig(true);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    expect(r.remote().state).toBe('ok');
    // the next CCM arrives at 300 ms; the backend holds it (its drain queues behind slow calls)
    r.clock.run(300 * MS);
    r.held.push({ frame: ccm(2), rxNs: 300 * MS });
    r.clock.run(365 * MS); // rMEPwhile of the CCM at 10 ms expired at 360 ms
    expect(r.asked).toEqual([360 * MS]);
    expect(r.remote().state).toBe('ok'); // not decided yet
    r.clock.run(380 * MS);
    r.drain(); // read at 380 ms, received at 300 ms
    expect(r.rmep('failed')).toEqual([]);
    expect(r.remote()).toMatchObject({ state: 'ok', lastSeenNs: 300 * MS, lastSeq: 2 });
    // and the next deadline follows the receive time: 300 + 350 ms
    r.clock.run(649 * MS);
    expect(r.remote().state).toBe('ok');
    r.clock.run(700 * MS); // nothing held, no drain: decided at once
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([650 * MS]);
    expect(r.remote()).toMatchObject({ state: 'failed', failedOkTimeNs: 650 * MS });
  });

  it('without the hook the same late read is a false LOC, then a clear (what the hook removes)', () => {
    const r = rig(false);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    r.clock.run(365 * MS);
    r.clock.run(380 * MS);
    r.deliver(2, 300 * MS);
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([360 * MS]);
    expect(r.rmep('ok').length).toBe(2);
  });

  it('a drain under way with nothing in it: LOC at the deadline, not at the answer', () => {
    const r = rig(true);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    r.setDrainPending();
    r.clock.run(365 * MS);
    expect(r.remote().state).toBe('ok');
    r.clock.run(372 * MS);
    r.drain();
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([360 * MS]);
    expect(r.remote()).toMatchObject({ state: 'failed', failedOkTimeNs: 360 * MS });
    expect(r.defects()).toEqual([{ atNs: 372 * MS, active: true }]);
  });

  it('a backend that never answers cannot hold the decision back for more than 1 s', () => {
    const r = rig(true);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    r.setDrainPending();
    r.clock.run(1359 * MS);
    expect(r.remote().state).toBe('ok');
    r.clock.run(1360 * MS); // 360 ms + 1 s
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([360 * MS]);
    r.drain(); // a late answer changes nothing
    expect(r.rmep('failed').length).toBe(1);
  });

  it('a real gap read late is one LOC episode with its times from the receive times, though the timer never fired', () => {
    const r = rig(true);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    // the loop is blocked from 20 ms to 520 ms; the peer's next CCM came at 500 ms
    r.clock.run(20 * MS);
    r.clock.set(520 * MS);
    r.deliver(2, 500 * MS);
    const rm = r.events.filter((e) => e.type === 'remote-mep').map((e) => [e.state, e.atNs]);
    // start (at the first CCM: RMEP_START -> RMEP_OK), then the episode: failed at the deadline, ok at the CCM
    expect(rm).toEqual([['ok', 10 * MS], ['failed', 360 * MS], ['ok', 500 * MS]]);
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([360 * MS]);
    expect(r.defects().map((d) => d.active)).toEqual([true, false]); // defRemoteCCM set, then cleared
    expect(r.remote()).toMatchObject({ state: 'ok', failedOkTimeNs: 500 * MS, lastSeenNs: 500 * MS });
    // the loop runs again: the expired timer finds the remote refreshed, no second LOC
    r.clock.run(530 * MS);
    expect(r.rmep('failed').length).toBe(1);
    expect(r.remote().state).toBe('ok');
  });

  it('a real gap found in a drain the decision waited for is one episode, not two', () => {
    const r = rig(true);
    r.clock.run(10 * MS);
    r.deliver(1, 10 * MS);
    r.setDrainPending();
    r.clock.run(365 * MS); // due at 360, waits for the drain
    r.clock.run(420 * MS);
    r.held.push({ frame: ccm(2), rxNs: 410 * MS }); // after the deadline: a real gap
    r.drain();
    expect(r.rmep('failed').map((e) => e.atNs)).toEqual([360 * MS]);
    expect(r.remote()).toMatchObject({ state: 'ok', failedOkTimeNs: 410 * MS });
    r.clock.run(600 * MS);
    expect(r.rmep('failed').length).toBe(1);
  });

  it('asks the backend only when a remote is due (a steady flow costs no question)', () => {
    const r = rig(true);
    for (let t = 10; t <= 2000; t += 100) {
      r.clock.run(t * MS);
      r.deliver(t, t * MS);
    }
    expect(r.asked).toEqual([]);
    expect(r.rmep('failed')).toEqual([]);
  });
});
