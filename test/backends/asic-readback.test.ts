/**
 * The ASIC binding's read-back cache (configuration generation, docs/vendor-abi.md "Optional
 * calls") and the transmit sequence seed, on the mock ASIC:
 * - listVoes after this handle's own writes costs no full read-back and equals one;
 * - a change by anyone else (a second handle on the same ASIC, a call that bypassed the wrapper)
 *   is seen at the next listVoes;
 * - VoeSpec.initialSeq is the sequence number of the VOE's first CCM, VoeStatus.txSeq the next.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend, type MockAsicOptions } from '../../src/backends/mock/index.js';
import type { VoeSpec, VoeState } from '../../src/backends/types.js';
import { intervalNs } from '../../src/common/interval.js';
import { parseCfm, testMaid } from './frames.js';

const open: MockAsicBackend[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

function mock(opts: MockAsicOptions = {}): MockAsicBackend {
  const b = new MockAsicBackend({ ports: 4, portVoes: 8, serviceVoes: 16, policers: 2, ...opts });
  open.push(b);
  return b;
}

function spec(mepId: number, over: Partial<VoeSpec> = {}): VoeSpec {
  return {
    key: `md/ma${mepId}/mep${mepId}`, port: 'swp1', direction: 'down', level: 4, vlan: 10 + mepId,
    unicastMac: `02:00:00:00:00:${mepId.toString(16).padStart(2, '0')}`, mepId, maid: testMaid(`ma${mepId}`),
    interval: 4, priority: 7, peers: [100 + mepId], ccmTx: true, ccmRx: true, seqUpdate: true, rdi: false,
    portStatusTlv: 0, interfaceStatusTlv: 0, ...over,
  };
}

/** Comparable form of a read-back (MAID bytes as a plain array). */
const plain = (l: VoeState[]) => l.map((v) => ({ handle: v.handle, spec: { ...v.spec, maid: [...v.spec.maid], peers: [...v.spec.peers] } }));

/** A full read-back, bypassing the cache. */
async function fresh(b: MockAsicBackend): Promise<VoeState[]> {
  b.device.invalidate();
  return b.listVoes();
}

describe('ASIC read-back cache (configuration generation)', () => {
  it('the mock has the optional calls', () => {
    const b = mock();
    expect(b.device.lib.generation).not.toBeNull();
    expect(b.device.lib.txSeq).not.toBeNull();
    expect(b.capabilities().txSeqSeed).toBe(true);
  });

  it('own writes keep the cache exact: no full read-back, same result as one', async () => {
    const b = mock();
    await b.listVoes(); // the first read-back fills the cache
    const reads = b.device.fullReads;
    const h1 = await b.createVoe(spec(1));
    const h2 = await b.createVoe(spec(2, { direction: 'up', level: 6 }));
    const h3 = await b.createVoe(spec(3, { vlan: 0 }));
    await b.updateVoe(h1, spec(1, { interval: 3, peers: [7] }));
    await b.updateVoe(h2, spec(2, { key: 'md/renamed', unicastMac: '02:00:00:00:00:99', level: 6, direction: 'up' }));
    await b.setRdi(h3, true);
    await b.deleteVoe(h1);
    b.setPortPuntAll('swp2', true);
    await b.setPolicer(0, { port: '*', vlan: 0, levels: [], opcodes: [1], ratePps: 10 });
    await expect(b.createVoe(spec(4, { level: 9 }))).rejects.toThrow(); // refused: changes nothing
    const h5 = await b.createVoe(spec(5));
    const cached = await b.listVoes();
    expect(b.device.fullReads).toBe(reads);
    expect(cached.map((v) => v.handle)).toEqual([h2, h3, h5].sort((x, y) => x - y));
    expect(plain(cached)).toEqual(plain(await fresh(b)));
    expect(b.device.fullReads).toBe(reads + 1);
  });

  it('a change by a second handle on the same ASIC is seen (cache invalidated)', async () => {
    const name = `gen-two-${Math.random()}`;
    const b1 = mock({ instance: name });
    const b2 = mock({ instance: name });
    const h1 = await b1.createVoe(spec(1));
    expect((await b1.listVoes()).map((v) => v.spec.key)).toEqual(['md/ma1/mep1']);
    const reads = b1.device.fullReads;

    const h2 = await b2.createVoe(spec(2));
    expect((await b1.listVoes()).map((v) => [v.handle, v.spec.key])).toEqual([[h1, 'md/ma1/mep1'], [h2, 'md/ma2/mep2']]);
    expect(b1.device.fullReads).toBe(reads + 1);

    await b2.updateVoe(h1, spec(1, { interval: 2 }));
    expect((await b1.listVoes()).find((v) => v.handle === h1)!.spec.interval).toBe(2);
    await b2.setRdi(h2, true);
    expect((await b1.listVoes()).find((v) => v.handle === h2)!.spec.rdi).toBe(true);
    await b2.deleteVoe(h1);
    expect((await b1.listVoes()).map((v) => v.handle)).toEqual([h2]);
    // own write and a foreign one between two reads: still seen
    await b1.updateVoe(h2, spec(2, { priority: 3 }));
    await b2.createVoe(spec(3));
    expect(plain(await b1.listVoes())).toEqual(plain(await b2.listVoes()));
    expect(plain(await b1.listVoes())).toEqual(plain(await fresh(b1)));
  });

  it('a change that did not go through the wrapper (like a failed call with side effects) is seen', async () => {
    const b = mock();
    const h = await b.createVoe(spec(1));
    await b.listVoes();
    expect(b.device.raw('voeFree', h)).toBe(0); // behind the cache's back
    expect(await b.listVoes()).toEqual([]);
  });

  it('without the optional calls every listVoes is a full read-back (per VOE)', async () => {
    const b = mock();
    const h = await b.createVoe(spec(1));
    const lib = b.device.lib;
    const saved = lib.generation;
    lib.generation = null; // what a shim without cfm_asic_config_generation looks like
    try {
      const reads = b.device.fullReads;
      const l = await b.listVoes();
      expect(l.map((v) => v.handle)).toEqual([h]);
      await b.listVoes();
      expect(b.device.fullReads).toBe(reads + 2);
      lib.generation = saved;
      expect(plain(l)).toEqual(plain(await fresh(b)));
    } finally {
      lib.generation = saved;
    }
  });
});

describe('changes since a generation (voeChanges, journal of own writes)', () => {
  it('answers only the VOEs this handle wrote, with no full read-back; the journal spans many writes', async () => {
    const b = mock({ serviceVoes: 64 });
    const hs: number[] = [];
    for (let i = 1; i <= 20; i++) hs.push(await b.createVoe(spec(i)));
    const base = await b.voeChanges(null);
    expect(base.full).toBe(true);
    const reads = b.device.fullReads;
    await b.updateVoe(hs[3], spec(4, { priority: 2 }));
    await b.setRdi(hs[7], true);
    await b.deleteVoe(hs[9]);
    const c = await b.voeChanges(base.token);
    expect(c.full).toBe(false);
    if (c.full) return;
    expect(c.changed.map((v) => v.handle).sort((x, y) => x - y)).toEqual([hs[3], hs[7]]);
    expect(c.removed).toEqual([hs[9]]);
    expect(plain(c.changed.sort((x, y) => x.handle - y.handle))).toEqual(plain((await fresh(b)).filter((v) => v.handle === hs[3] || v.handle === hs[7])));
    expect(b.device.fullReads).toBe(reads + 1); // only the fresh() above
    // 5,000 own writes later the journal has been trimmed: an old token gets a full answer
    const t = (await b.voeChanges(c.token)).token;
    for (let i = 0; i < 2500; i++) await b.setRdi(hs[0], i % 2 === 0);
    for (let i = 0; i < 2500; i++) await b.setRdi(hs[1], i % 2 === 0);
    const old = await b.voeChanges(t);
    expect(old.full).toBe(true);
    const recent = await b.voeChanges(old.token);
    expect(recent).toMatchObject({ full: false, changed: [], removed: [] });
  });

  it('a write by another handle makes the answer full', async () => {
    const name = `gen-changes-${Math.random()}`;
    const b1 = mock({ instance: name });
    const b2 = mock({ instance: name });
    await b1.createVoe(spec(1));
    const t = (await b1.voeChanges(null)).token;
    await b2.createVoe(spec(2));
    const c = await b1.voeChanges(t);
    expect(c.full).toBe(true);
    if (c.full) expect(c.voes.map((v) => v.spec.key)).toEqual(['md/ma1/mep1', 'md/ma2/mep2']);
  });
});

describe('transmit sequence number seed (cfm_voe_tx_seq_set/get)', () => {
  it('the first CCM carries initialSeq and txSeq reads the next one; an update keeps it', async () => {
    const b = mock();
    const wire: number[] = [];
    b.onWireTransmit((_p, f) => {
      const c = parseCfm(f);
      if (c && c.opcode === 1) wire.push(c.seq);
    });
    const h = await b.createVoe({ ...spec(1), initialSeq: 0xfffffffe });
    b.advance(1); // the first CCM goes out right away (at 1 ns: 0 means "off" in the mock)
    expect(wire).toEqual([0xfffffffe]);
    b.advance(2 * intervalNs(4));
    expect(wire).toEqual([0xfffffffe, 0xffffffff, 0]); // wraps like the engine (uint32)
    expect((await b.readStatus(h)).txSeq).toBe(1);
    await b.updateVoe(h, spec(1, { peers: [5] })); // reconfiguration keeps the sequence
    b.advance(intervalNs(4));
    expect(wire.at(-1)).toBe(1);
    // initialSeq is not configuration: it is not read back
    expect((await b.listVoes())[0].spec.initialSeq).toBeUndefined();
  });

  it('a VOE without initialSeq starts at 1', async () => {
    const b = mock();
    const h = await b.createVoe(spec(1));
    expect((await b.readStatus(h)).txSeq).toBe(1);
  });
});
