import { describe, expect, it } from 'vitest';
import { encodeMaid } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch, type TxRecord } from '../../src/sim/index.js';
import { cfmOffset, macAt } from '../../src/engine/wire.js';
import type { FaultEvent } from '../../src/engine/index.js';

const maid = (md: string, ma: string) => encodeMaid({ md: { format: 4, name: md }, ma: { format: 2, name: ma } });

/**
 * Seed 001, figure 1/4: customer (level 7) CE to CE, provider (level 3) PE to PE with a MIP in
 * the core, operators (level 0) on each core link. ce1 - pe1 - p - pe2 - ce2.
 */
function seed001() {
  const net = new SimNetwork();
  const ce1 = new SimSwitch(net, 'ce1', ['lan', 'up']);
  const pe1 = new SimSwitch(net, 'pe1', ['uni', 'nni']);
  const p = new SimSwitch(net, 'p', ['a', 'b']);
  const pe2 = new SimSwitch(net, 'pe2', ['nni', 'uni']);
  const ce2 = new SimSwitch(net, 'ce2', ['up', 'lan']);
  net.connect('ce1:up', 'pe1:uni');
  net.connect('pe1:nni', 'p:a');
  net.connect('p:b', 'pe2:nni');
  net.connect('pe2:uni', 'ce2:up');
  const events: FaultEvent[] = [];
  for (const sw of [ce1, pe1, p, pe2, ce2]) sw.engine.onEvent((e) => events.push(e));
  const c = { level: 7, interval: 4 as const, vlan: 0, maid: maid('Customer_Domain', 'C1') };
  ce1.addMep({ ...c, key: 'cust/71', mepId: 71, remoteMepIds: [72], port: 'up', direction: 'down' });
  ce2.addMep({ ...c, key: 'cust/72', mepId: 72, remoteMepIds: [71], port: 'up', direction: 'down' });
  const pr = { level: 3, interval: 4 as const, vlan: 0, maid: maid('Provider_Domain', 'MA_VPLS_50') };
  pe1.addMep({ ...pr, key: 'prov/31', mepId: 31, remoteMepIds: [32], port: 'uni', direction: 'up' });
  pe2.addMep({ ...pr, key: 'prov/32', mepId: 32, remoteMepIds: [31], port: 'uni', direction: 'up' });
  p.addMip({ key: 'p/a/3', level: 3, vlan: 0, port: 'a' });
  p.addMip({ key: 'p/b/3', level: 3, vlan: 0, port: 'b' });
  const o1 = { level: 0, interval: 3 as const, vlan: 0, maid: maid('Operator1', 'OP1') };
  pe1.addMep({ ...o1, key: 'op1/1', mepId: 1, remoteMepIds: [2], port: 'nni', direction: 'down' });
  p.addMep({ ...o1, key: 'op1/2', mepId: 2, remoteMepIds: [1], port: 'a', direction: 'down' });
  const o2 = { level: 0, interval: 3 as const, vlan: 0, maid: maid('Operator2', 'OP2') };
  p.addMep({ ...o2, key: 'op2/3', mepId: 3, remoteMepIds: [4], port: 'b', direction: 'down' });
  pe2.addMep({ ...o2, key: 'op2/4', mepId: 4, remoteMepIds: [3], port: 'nni', direction: 'down' });
  const seen: Array<{ link: string; level: number; node: string; src: string }> = [];
  net.tap((r: TxRecord) => {
    const off = cfmOffset(r.frame);
    if (off >= 0 && r.fate === 'sent') seen.push({ link: net.link(`${r.node}:${r.port}`).name, level: r.frame[off] >> 5, node: r.node, src: macAt(r.frame, 6) });
  });
  return { net, ce1, pe1, p, pe2, ce2, events, seen };
}

describe('nested maintenance domains (seed 001)', () => {
  it('every MEP sees its peers and nothing else: no defects anywhere', () => {
    const { net, ce1, pe1, p, pe2, ce2, events } = seed001();
    net.runMs(10_000);
    for (const sw of [ce1, pe1, p, pe2, ce2]) {
      for (const s of sw.engine.statusAll()) {
        expect(s.defects, s.key).toBe(0);
        expect(s.remotes.every((r) => r.state === 'ok'), s.key).toBe(true);
      }
    }
    expect(events.filter((e) => e.type === 'defect')).toEqual([]);
    // the MIP recorded provider CCMs in the bridge's MIP CCM database
    expect(p.engine.mip('p/a/3').counters.ccmsSeen).toBeGreaterThan(0);
  });

  it('CCMs of each level cross exactly their own domain', () => {
    const { net, seen, p, pe1, pe2 } = seed001();
    net.runMs(5_000);
    const levelsOn = (link: string) => [...new Set(seen.filter((s) => s.link === link).map((s) => s.level))].sort();
    // customer link segments carry only customer frames
    expect(levelsOn('ce1:up-pe1:uni')).toEqual([7]);
    expect(levelsOn('pe2:uni-ce2:up')).toEqual([7]);
    // core links carry customer (transparent), provider and their own operator level
    expect(levelsOn('pe1:nni-p:a')).toEqual([0, 3, 7]);
    expect(levelsOn('p:b-pe2:nni')).toEqual([0, 3, 7]);
    // operator 1's frames never go past P, operator 2's never before it
    const src0 = (link: string) => [...new Set(seen.filter((x) => x.link === link && x.level === 0).map((x) => x.src))].sort();
    expect(src0('p:b-pe2:nni')).toEqual([p.portMac('b'), pe2.portMac('nni')].sort());
    expect(src0('pe1:nni-p:a')).toEqual([pe1.portMac('nni'), p.portMac('a')].sort());
  });

  it('a lower-level frame never leaks upward into a higher domain', () => {
    const { net, pe1, seen } = seed001();
    net.runMs(2_000);
    // a rogue operator-level (0) CCM from CE1 towards the provider: PE1's provider up MEP
    // (level 3, passive side towards CE1) drops it; it never reaches the core
    const before = seen.length;
    const rogue = pe1.engine; // the frame enters pe1:uni from the wire
    const bytes = new Uint8Array([1, 0x80, 0xc2, 0, 0, 0x30, 2, 0, 0, 0, 0, 9, 0x89, 0x02, 0x00, 1, 4, 70, ...new Array(70).fill(0), 0]);
    expect(rogue.process('uni', 'wire', bytes)).toBe(false);
    // and a customer frame passes the same stack
    const cust = bytes.slice();
    cust[14] = 7 << 5;
    expect(rogue.process('uni', 'wire', cust)).toBe(true);
    net.runMs(1_000);
    expect(seen.slice(before).some((s) => s.link === 'ce1:up-pe1:uni' && s.level !== 7)).toBe(false);
  });
});
