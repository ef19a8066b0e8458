/**
 * status() during a slow apply (issue 16 item 1): on a board whose vendor calls take 2 ms, an
 * apply of many VOEs takes a while; status() answers without waiting for it, from the state the
 * manager last knew, and says an apply is under way and at which step. No timing asserts: the
 * order in which the promises settle is the test (bench/slow-sdk.bench.ts measures the latency).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import { VirtualClock } from '../../src/common/clock.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { formatStatus, type ManagerStatus } from '../../src/offload/status.js';
import type { ApplyProgress } from '../../src/offload/reconciler.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';

const open: OffloadManager[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) {
    await m.close({ clearHardware: true });
    await m.backend.close();
  }
});

const PORTS = ['swp1', 'swp2', 'swp3', 'swp4'];

function slowManager(): OffloadManager {
  const backend = new MockAsicBackend({ ports: PORTS, portVoes: 4, serviceVoes: 64, latencyUs: 2000, instance: `status-apply-${Math.random()}` });
  expect(backend.calls).toBe('async');
  const profile = mkProfile({ name: 'slow-board', ports: PORTS, portCount: 4, voes: { port: 4, service: 64, up: 0, down: null, sharedTotal: null, perPort: null }, vlanMep: true, ccmTx: 'hardware' });
  const m = new OffloadManager({ backend, profile, clock: new VirtualClock() });
  open.push(m);
  return m;
}

/** n service MEPs on swp2 (VLAN 100 + i), hardware-capable. */
function meps(n: number) {
  return Array.from({ length: n }, (_, i) => mkMep({ mepId: i + 1, port: 'swp2', vlan: 100 + i, associationId: `ma${i + 1}` }));
}

/** Which of two promises settles first (both are awaited). */
async function first<A, B>(a: Promise<A>, b: Promise<B>): Promise<'a' | 'b'> {
  let winner: 'a' | 'b' | null = null;
  const mark = (w: 'a' | 'b') => () => {
    winner ??= w;
  };
  await Promise.all([a.then(mark('a'), mark('a')), b.then(mark('b'), mark('b'))]);
  return winner!;
}

describe('status() during a slow apply (issue 16)', () => {
  it('answers before the apply finishes, from the last-known state, saying an apply runs and where', async () => {
    const m = slowManager();
    await m.apply(mkModel(meps(2)));
    const idle = await m.status();
    expect(idle.apply).toBeUndefined();
    expect(idle.meps.map((r) => r.placement)).toEqual(['hardware', 'hardware']);

    const apply = m.apply(mkModel(meps(24))); // 22 creates: 44+ calls of 2 ms
    const status = m.status();
    expect(await first(status, apply)).toBe('a');
    const st = await status;
    expect(st.apply).toMatchObject({ inProgress: true, kind: 'apply', queued: 1 });
    // the MEPs as they were: the two applied, with their last read-back (counters, peers)
    expect(st.meps.map((r) => r.key)).toEqual(idle.meps.map((r) => r.key));
    expect(st.meps.map((r) => ({ key: r.key, placement: r.placement, handle: r.handle, remotes: r.remotes.map((x) => x.mepId) })))
      .toEqual(idle.meps.map((r) => ({ key: r.key, placement: r.placement, handle: r.handle, remotes: r.remotes.map((x) => x.mepId) })));
    expect(st.apply!.hardwareReadAtNs).not.toBeNull();
    expect(formatStatus(st)).toMatch(/^apply in progress \(/m);

    await apply;
    const after = await m.status();
    expect(after.apply).toBeUndefined();
    expect(after.meps).toHaveLength(24);
    expect(formatStatus(after)).not.toMatch(/in progress/);
  });

  it('follows the steps: VOE operations done/total during an apply, kind change during a change, nothing once settled', async () => {
    const m = slowManager();
    await m.apply(mkModel(meps(4)));
    const seen: ManagerStatus[] = [];
    let asked: Promise<void> | null = null;
    const onProgress = (p: ApplyProgress) => {
      if (p.done === 1 && !asked) asked = m.status().then((s) => void seen.push(s));
    };
    // three MEPs change their interval: three in-place updates
    const changed = meps(4).map((x, i) => (i < 3 ? { ...x, interval: 3 as const } : x));
    const change = m.apply(mkModel(changed), { onProgress });
    await change;
    await asked;
    expect(seen).toHaveLength(1);
    expect(seen[0].apply).toMatchObject({ inProgress: true, kind: 'apply', step: 'VOE operations', done: 1, total: 3 });

    const c = m.change({ meps: [{ key: 'md1/ma4/4', enabled: false }] });
    const during = await m.status();
    expect(during.apply).toMatchObject({ inProgress: true, kind: 'change' });
    await c;
    expect((await m.status()).apply).toBeUndefined();
  });

  it('event polls asked during an apply wait as one (not one per timer tick)', async () => {
    const m = slowManager();
    await m.apply(mkModel(meps(2)));
    const apply = m.apply(mkModel(meps(10)));
    const p1 = m.pollOnce();
    expect(m.pollOnce()).toBe(p1);
    expect(m.pollOnce()).toBe(p1);
    await apply;
    await p1;
    const p2 = m.pollOnce();
    expect(p2).not.toBe(p1);
    await p2;
  });

  it('a status asked while an apply waits behind another one counts both', async () => {
    const m = slowManager();
    const a1 = m.apply(mkModel(meps(6)));
    const a2 = m.apply(mkModel(meps(8)));
    const st = await m.status();
    expect(st.apply).toMatchObject({ inProgress: true, queued: 2 });
    expect(formatStatus(st)).toMatch(/2 queued/);
    await Promise.all([a1, a2]);
    expect((await m.status()).meps).toHaveLength(8);
  });
});
