import { afterEach, describe, expect, it } from 'vitest';
import { MockAsicBackend } from '../../src/backends/mock/backend.js';
import type { Backend, VoeSpec } from '../../src/backends/types.js';
import { ApplyError, diffVoes, reconcile } from '../../src/offload/reconciler.js';
import { voeSpecOf } from '../../src/offload/voe-spec.js';
import { voeSpecToJson } from '../../src/offload/format.js';
import { mkMep } from './fixtures.js';

const open: MockAsicBackend[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

function mock(): MockAsicBackend {
  const b = new MockAsicBackend({ ports: 8, portVoes: 8, serviceVoes: 16 });
  open.push(b);
  return b;
}

function spec(mepId: number, port: string, over: Partial<VoeSpec> = {}): VoeSpec {
  return { ...voeSpecOf(mkMep({ mepId, port })), ...over };
}

/** Read-back state keyed by VoeSpec.key (handles may differ after a rollback re-create). */
async function snapshot(b: Backend): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const v of await b.listVoes()) out[v.spec.key] = voeSpecToJson(v.spec);
  return out;
}

const OLD = [spec(1, 'swp1'), spec(2, 'swp2'), spec(3, 'swp3'), spec(4, 'swp4')];
const NEW = [
  spec(1, 'swp1'),                       // unchanged (adopted)
  spec(2, 'swp2', { interval: 3 }),      // update in place
  // 3 deleted
  spec(4, 'swp5'),                       // port change: delete + create
  spec(5, 'swp6', { vlan: 100 }),        // create (service VOE)
  spec(6, 'swp7'),                       // create
];

describe('reconciler on the mock ASIC', () => {
  it('applies ordered operations, then an unchanged re-apply is zero operations', async () => {
    const b = mock();
    const first = await reconcile(b, OLD);
    expect(first.ops.map((o) => o.kind)).toEqual(['create', 'create', 'create', 'create']);
    const r = await reconcile(b, NEW);
    expect(r.ops.map((o) => `${o.kind} ${o.key}`)).toEqual([
      'delete md1/ma1/3', 'delete md1/ma1/4', 'update md1/ma1/2', 'create md1/ma1/4', 'create md1/ma1/5', 'create md1/ma1/6',
    ]);
    expect(r.adopted).toEqual(['md1/ma1/1']);
    expect(await snapshot(b)).toEqual(Object.fromEntries(NEW.map((s) => [s.key, voeSpecToJson(s)])));
    const again = await reconcile(b, NEW);
    expect(again.ops).toEqual([]);
    expect(again.adopted).toHaveLength(5);
  });

  it('one change gives one operation and keeps the VOE handle', async () => {
    const b = mock();
    await reconcile(b, OLD);
    const before = await b.listVoes();
    const changed = OLD.map((s) => (s.key === 'md1/ma1/3' ? { ...s, peers: [77] } : s));
    const r = await reconcile(b, changed);
    expect(r.ops).toHaveLength(1);
    expect(r.ops[0]).toMatchObject({ kind: 'update', key: 'md1/ma1/3' });
    expect(r.handles.get('md1/ma1/3')).toBe(before.find((v) => v.spec.key === 'md1/ma1/3')!.handle);
  });

  it('deletes duplicate VOEs of one key (left by a crashed tool)', async () => {
    const b = mock();
    await b.createVoe(spec(1, 'swp1'));
    await b.createVoe(spec(1, 'swp1', { level: 4 }));
    const d = diffVoes([spec(1, 'swp1')], await b.listVoes());
    expect(d.ops.map((o) => o.kind)).toEqual(['delete']);
    expect(d.adopted).toEqual(['md1/ma1/1']);
  });

  it('a failure at any step k leaves exactly the old or the new state, never half', async () => {
    const b = mock();
    await reconcile(b, OLD);
    const oldState = await snapshot(b);
    const newState = Object.fromEntries(NEW.map((s) => [s.key, voeSpecToJson(s)]));
    let sawFailure = 0;
    let sawSuccess = false;
    for (let k = 1; k <= 80 && !sawSuccess; k++) {
      b.failCall(k, 'EIO');
      let failed = false;
      try {
        await reconcile(b, NEW);
      } catch (e) {
        failed = true;
        if (e instanceof ApplyError) expect(e.rolledBack).toBe(true);
        expect((e as Error).message).toMatch(/EIO|failed/);
      }
      b.failCall(0, 'EIO');
      const now = await snapshot(b);
      if (failed) {
        sawFailure++;
        expect(now, `after a failure at call ${k}`).toEqual(oldState);
      } else {
        expect(now).toEqual(newState);
        sawSuccess = true;
      }
    }
    expect(sawSuccess).toBe(true);
    expect(sawFailure).toBeGreaterThan(10); // every ABI call of the apply was hit once
  });
});

describe('rollback verdict (issue 16 item 3)', () => {
  /**
   * The mock with undo calls that fail: after the apply's own failure (the k-th call), the first
   * `undoFailures` VOE deletes of the rollback fail too (the mock's fail-the-next-call).
   */
  function failingUndo(b: MockAsicBackend, undoFailures: number): { backend: Backend; failApplyAt(k: number): void } {
    let armed = false;
    let left = undoFailures;
    const backend = new Proxy(b, {
      get(target, prop, recv) {
        if (prop === 'deleteVoe') {
          return async (h: number) => {
            if (armed && left > 0) {
              left--;
              target.failCall(1, 'EIO');
            }
            return target.deleteVoe(h);
          };
        }
        if (prop === 'createVoe') {
          return async (s: VoeSpec) => {
            try {
              return await target.createVoe(s);
            } catch (e) {
              armed = true; // the apply failed: what follows is the rollback
              throw e;
            }
          };
        }
        const v: unknown = Reflect.get(target, prop, recv);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Backend;
    return { backend, failApplyAt: (k) => b.failCall(k, 'EIO') };
  }

  const CREATES = [spec(1, 'swp1'), spec(2, 'swp2'), spec(3, 'swp3'), spec(4, 'swp4')];

  for (const undoFailures of [1, 2, 3]) {
    it(`undo calls that fail ${undoFailures}x and succeed on a later attempt: rolled back, the failures named as retried`, async () => {
      const b = mock();
      const { backend, failApplyAt } = failingUndo(b, undoFailures);
      const oldState = await snapshot(b);
      // the 3rd create fails: two VOEs to delete, the first undo delete(s) fail
      let err: unknown;
      const creates = CREATES.map((s) => s.key);
      const wrapped = new Proxy(backend, {
        get(t, prop, recv) {
          if (prop === 'createVoe') {
            return async (s: VoeSpec) => {
              if (s.key === creates[2]) failApplyAt(1);
              return t.createVoe(s);
            };
          }
          return Reflect.get(t, prop, recv) as unknown;
        },
      });
      try {
        await reconcile(wrapped, CREATES);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApplyError);
      const ae = err as ApplyError;
      expect(await snapshot(b)).toEqual(oldState);
      expect(ae.rolledBack, ae.message).toBe(true);
      expect(ae.message).toMatch(/rolled back \(\d+ undo operations?, after \d+ failed undo calls? retried: delete md1\/ma1\/\d: .*EIO/);
      expect(ae.message).not.toMatch(/incomplete/);
    });
  }

  it('an undo that never succeeds is reported incomplete, naming what is left', async () => {
    const b = mock();
    const { backend } = failingUndo(b, 1000);
    const wrapped = new Proxy(backend, {
      get(t, prop, recv) {
        if (prop === 'createVoe') {
          return async (s: VoeSpec) => {
            if (s.key === CREATES[2].key) b.failCall(1, 'EIO');
            return t.createVoe(s);
          };
        }
        return Reflect.get(t, prop, recv) as unknown;
      },
    });
    const err = await reconcile(wrapped, CREATES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyError);
    expect((err as ApplyError).rolledBack).toBe(false);
    expect((err as Error).message).toMatch(/rollback incomplete, hardware state unknown: delete md1\/ma1\/\d: .*EIO/);
    expect(Object.keys(await snapshot(b)).length).toBeGreaterThan(0); // really not restored
  });
});
