/**
 * The backend's VOEs by key and by handle, refreshed by reading back (Backend.voeChanges when
 * the backend offers it: only what changed since the last refresh; else listVoes). The index is
 * never updated from what the manager believes it did, only from read-backs, so the reconciler
 * still diffs desired against actual state.
 */
import type { Backend, VoeState } from '../backends/types.js';

export type Refresh = { full: true } | { full: false; keys: Set<string> };

export class VoeIndex {
  private byHandle = new Map<number, VoeState>();
  private byKey = new Map<string, VoeState[]>();
  private token: bigint | null = null;

  /** Read back. `full`: everything was read (diff everything); else the keys whose VOEs changed. */
  async refresh(backend: Backend): Promise<Refresh> {
    if (!backend.voeChanges) {
      this.rebuild(await backend.listVoes(), null);
      return { full: true };
    }
    const c = await backend.voeChanges(this.token);
    if (c.full) {
      this.rebuild(c.voes, c.token);
      return { full: true };
    }
    const keys = new Set<string>();
    for (const h of c.removed) {
      const old = this.byHandle.get(h);
      if (old) keys.add(this.drop(old));
    }
    for (const v of c.changed) {
      const old = this.byHandle.get(v.handle);
      if (old) keys.add(this.drop(old));
      this.add(v);
      keys.add(v.spec.key);
    }
    this.token = c.token;
    return { full: false, keys };
  }

  /** The next refresh reads everything (after a failed apply, or when in doubt). */
  forget(): void {
    this.token = null;
  }

  /** Every VOE (read back at the last refresh). */
  all(): VoeState[] {
    return [...this.byHandle.values()];
  }

  /** The VOEs with `key`, ascending by handle (more than one only after a crash elsewhere). */
  of(key: string): readonly VoeState[] {
    return this.byKey.get(key) ?? [];
  }

  private rebuild(voes: readonly VoeState[], token: bigint | null): void {
    this.byHandle = new Map();
    this.byKey = new Map();
    for (const v of voes) this.add(v);
    this.token = token;
  }

  private add(v: VoeState): void {
    this.byHandle.set(v.handle, v);
    const list = this.byKey.get(v.spec.key);
    if (!list) this.byKey.set(v.spec.key, [v]);
    else {
      list.push(v);
      list.sort((a, b) => a.handle - b.handle);
    }
  }

  private drop(v: VoeState): string {
    this.byHandle.delete(v.handle);
    const key = v.spec.key;
    const list = this.byKey.get(key);
    if (list) {
      const rest = list.filter((x) => x.handle !== v.handle);
      if (rest.length) this.byKey.set(key, rest);
      else this.byKey.delete(key);
    }
    return key;
  }
}
