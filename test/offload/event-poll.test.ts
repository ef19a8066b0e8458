import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/common/clock.js';
import { EventPoll, type EventPollOptions } from '../../src/offload/event-poll.js';

/** A serial chain like the manager's: each piece of work starts after the previous settled. */
function chain(): EventPollOptions['serial'] {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const p = tail.then(fn, fn);
    tail = p.catch(() => undefined);
    return p;
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('EventPoll (when the manager drains hardware events)', () => {
  it('a poll waiting behind an apply serves every ask until it runs; an ask after that queues a new one', async () => {
    const serial = chain();
    let polls = 0;
    const poll = new EventPoll({ backend: {}, clock: new VirtualClock(), pollNs: 10e6, serial, poll: async () => ++polls, closed: () => false });
    let release!: () => void;
    const apply = serial(() => new Promise<void>((r) => (release = r)));
    await tick(); // the apply runs and holds the chain
    const asks = [poll.pollOnce(), poll.pollOnce(), poll.pollOnce()];
    expect(asks[1]).toBe(asks[0]);
    expect(asks[2]).toBe(asks[0]);
    release();
    await apply;
    expect(await Promise.all(asks)).toEqual([1, 1, 1]);
    expect(await poll.pollOnce()).toBe(2);
    expect(polls).toBe(2);
  });

  it('polls every pollNs of the clock once started, and not after stop()', async () => {
    const clock = new VirtualClock();
    let polls = 0;
    const poll = new EventPoll({ backend: {}, clock, pollNs: 10e6, serial: chain(), poll: async () => ++polls, closed: () => false });
    clock.advance(50e6);
    await tick();
    expect(polls).toBe(0);
    poll.start();
    poll.start(); // once: a second start adds no timer
    for (let i = 0; i < 3; i++) {
      clock.advance(10e6);
      await tick();
    }
    expect(polls).toBe(3);
    poll.stop();
    clock.advance(100e6);
    await tick();
    expect(polls).toBe(3);
    expect(clock.pending()).toBe(0);
  });

  it('drains at once on a backend notification, ignores them once closed, and unsubscribes on stop()', async () => {
    const listeners = new Set<() => void>();
    const backend = {
      onEventsPending: (fn: () => void) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    let closed = false;
    let polls = 0;
    const poll = new EventPoll({ backend, clock: new VirtualClock(), pollNs: 1e9, serial: chain(), poll: async () => ++polls, closed: () => closed });
    poll.start();
    expect(listeners.size).toBe(1);
    for (const l of listeners) l();
    await tick();
    expect(polls).toBe(1);
    closed = true;
    for (const l of listeners) l();
    await tick();
    expect(polls).toBe(1);
    poll.stop();
    expect(listeners.size).toBe(0);
  });

  it('does not start once the manager is closed', () => {
    const clock = new VirtualClock();
    const poll = new EventPoll({ backend: {}, clock, pollNs: 10e6, serial: chain(), poll: async () => 0, closed: () => true });
    poll.start();
    expect(clock.pending()).toBe(0);
  });
});
