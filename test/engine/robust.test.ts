import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import { MAID_A } from './helpers.js';

describe('engine robustness', () => {
  it('never throws on arbitrary CFM frames at any level and opcode, from either side', () => {
    const net = new SimNetwork();
    const sw = new SimSwitch(net, 'sw', ['p1', 'p2']);
    const mep = sw.addMep({ key: 'm', mepId: 1, remoteMepIds: [2], level: 3, interval: 4, vlan: 0, maid: MAID_A, port: 'p1', direction: 'down' });
    sw.addMep({ key: 'u', mepId: 5, remoteMepIds: [6], level: 5, interval: 4, vlan: 0, maid: MAID_A, port: 'p2', direction: 'up' });
    sw.addMip({ key: 'mip', level: 4, vlan: 0, port: 'p1' });
    const header = (level: number, opcode: number, dst: number[]) => [...dst, 2, 0, 0, 0, 0, 9, 0x89, 0x02, (level << 5), opcode];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom([1, 0x80, 0xc2, 0, 0, 0x33], [1, 0x80, 0xc2, 0, 0, 0x3b], [...Array.from(mep.macBytes)]),
        fc.constantFrom('p1', 'p2'), fc.constantFrom('wire' as const, 'relay' as const),
        (level, opcode, body, dst, port, from) => {
          const f = Uint8Array.from([...header(level, opcode, [...dst]), ...body]);
          expect(() => sw.engine.process(port, from, f)).not.toThrow();
          net.runMs(1);
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
    expect(() => net.runMs(10_000)).not.toThrow();
  });
});
