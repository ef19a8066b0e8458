import { describe, expect, it } from 'vitest';
import { movesOf, seedFromEngine } from '../../src/offload/handover.js';
import type { ReconcileOp } from '../../src/offload/reconciler.js';
import { voeSpecOf } from '../../src/offload/voe-spec.js';
import { mkMep } from './fixtures.js';

const create = (mepId: number, seqUpdate = true): ReconcileOp => {
  const spec = { ...voeSpecOf(mkMep({ mepId })), seqUpdate };
  return { kind: 'create', key: spec.key, spec };
};

describe('sequence number handover between software and hardware (802.1Q 20.10)', () => {
  it('seeds the new VOE of a stopped software MEP with the engine sequence number when the backend can', () => {
    const ops = [create(1), create(2), create(3, false)];
    const stopped = new Map([['md1/ma1/1', 41], ['md1/ma1/3', 7]]);
    const seeded = seedFromEngine(ops, stopped, true);
    expect([...seeded]).toEqual([['md1/ma1/1', 41]]);
    const spec = (i: number) => (ops[i].kind === 'create' ? ops[i].spec : null);
    expect(spec(0)?.initialSeq).toBe(41);
    expect(spec(1)?.initialSeq).toBeUndefined(); // not a software MEP before
    expect(spec(2)?.initialSeq).toBeUndefined(); // sends 0 (seqUpdate off): nothing to continue
  });

  it('leaves the VOEs unseeded (they restart at 1) when the backend cannot seed', () => {
    const ops = [create(1)];
    expect(seedFromEngine(ops, new Map([['md1/ma1/1', 41]]), false).size).toBe(0);
    expect(ops[0].kind === 'create' && ops[0].spec.initialSeq).toBeUndefined();
  });

  it('lists a move for each MEP that changed sides, with the sequence number it continued with', () => {
    const moves = movesOf({
      started: ['a', 'b'], // 'b' is new in software: no VOE before, not a move
      hadVoe: (k) => k === 'a',
      seqFromHw: new Map([['a', 100]]),
      stoppedSeq: new Map([['c', 5], ['d', 6], ['e', 9]]),
      isHw: (k) => k === 'c' || k === 'd', // 'e' left the config
      seeded: new Map([['c', 5]]),
    });
    expect(moves).toEqual([
      { key: 'a', to: 'software', seq: 100 },
      { key: 'c', to: 'hardware', seq: 5 },
      { key: 'd', to: 'hardware' },
    ]);
  });
});
