/**
 * The software MEPs' per-port counts (src/offload/software-meps.ts SoftwareMeps) that make the
 * CPU path of a change O(changed MEPs): after any sequence of starts, stops and replacements,
 * SoftwareMeps.portsAfter gives the same punt ports and up-MEP relay ports as the walk over every
 * software MEP it replaces (the running MEPs outside the change, then the change's MEPs as
 * planned), for changes of a few keys and for a full apply's every key.
 */
import { describe, expect, it } from 'vitest';
import type { LocalMep } from '../../src/config/model.js';
import { SoftwareMeps, type PuntMep } from '../../src/offload/software-meps.js';
import { mkMep } from './fixtures.js';

const PORTS = ['swp1', 'swp2', 'swp3', 'swp4', 'swp5'];

/** A deterministic pseudo-random sequence (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMep(r: () => number, id: number): LocalMep {
  return mkMep({ mepId: id, port: PORTS[Math.floor(r() * PORTS.length)]!, direction: r() < 0.3 ? 'up' : 'down', enabled: r() < 0.8 });
}

/** What CpuSide.puntPortsFor and setSoftwareMeps read of a MEP list: its ports and its enabled up MEPs' ports. */
function portsOf(meps: Iterable<PuntMep>): { ports: string[]; up: string[] } {
  const ports = new Set<string>();
  const up = new Set<string>();
  for (const m of meps) {
    ports.add(m.port);
    if (m.direction === 'up' && m.enabled) up.add(m.port);
  }
  return { ports: [...ports].sort(), up: [...up].sort() };
}

/** The walk the index replaces (commit-write.ts before): running MEPs outside `keys`, then `keys` as planned. */
function walk(sw: ReadonlyMap<string, LocalMep>, keys: ReadonlySet<string>, wantSw: (k: string) => LocalMep | undefined): LocalMep[] {
  const out: LocalMep[] = [];
  for (const [k, m] of sw) if (!keys.has(k)) out.push(m);
  for (const k of keys) {
    const m = wantSw(k);
    if (m) out.push(m);
  }
  return out;
}

describe('SoftwareMeps: per-port counts for the CPU path of a change', () => {
  it('gives the same punt and relay ports as a walk over every software MEP, through 2,000 random changes', () => {
    const r = rng(17);
    const sw = new SoftwareMeps();
    const plain = new Map<string, LocalMep>();
    const KEYS = 40;
    const keyOf = (i: number) => `md1/ma${i}/1`;
    for (let step = 0; step < 2000; step++) {
      // a change of 1..4 keys (or, now and then, a full apply: every key), planned at random
      const keys = new Set<string>();
      if (step % 97 === 0) for (let i = 0; i < KEYS; i++) keys.add(keyOf(i));
      else for (let n = 1 + Math.floor(r() * 4); n > 0; n--) keys.add(keyOf(Math.floor(r() * KEYS)));
      const planned = new Map<string, LocalMep | undefined>();
      for (const k of keys) planned.set(k, r() < 0.6 ? { ...randomMep(r, 1), key: k } : undefined);
      const wantSw = (k: string) => planned.get(k);
      expect(portsOf(sw.portsAfter(keys, wantSw))).toEqual(portsOf(walk(plain, keys, wantSw)));
      // then run it: the index follows the map's sets and deletes
      for (const k of keys) {
        const want = planned.get(k);
        if (want) {
          sw.set(k, want);
          plain.set(k, want);
        } else {
          expect(sw.delete(k)).toBe(plain.delete(k));
        }
      }
      expect(portsOf(sw.ports())).toEqual(portsOf(plain.values()));
      expect(sw.size).toBe(plain.size);
    }
    expect(plain.size).toBeGreaterThan(0);
    sw.clear();
    expect(sw.ports()).toEqual([]);
  });

  it('a port with an enabled up MEP gives an up entry; one whose up MEP leaves falls back to its down MEPs', () => {
    const sw = new SoftwareMeps();
    const down = mkMep({ mepId: 1, port: 'swp1', key: 'a' });
    const up = mkMep({ mepId: 2, port: 'swp1', direction: 'up', key: 'b' });
    sw.set('a', down).set('b', up);
    expect(sw.ports()).toEqual([{ port: 'swp1', direction: 'up', enabled: true }]);
    expect(sw.portsAfter(['b'], () => undefined)).toEqual([{ port: 'swp1', direction: 'down', enabled: true }]);
    expect(sw.portsAfter(['a', 'b'], () => undefined)).toEqual([]);
    // replacing a MEP by a disabled copy of itself: no enabled up MEP left
    sw.set('b', { ...up, enabled: false });
    expect(sw.ports()).toEqual([{ port: 'swp1', direction: 'down', enabled: true }]);
  });
});
