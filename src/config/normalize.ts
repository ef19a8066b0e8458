/**
 * Schema-valid raw config -> normalized model. Fills every YANG default, resolves references
 * (maintenance-group md-id/ma-id, defer values), encodes each MAID and expands ranges. Problems
 * that stop an object from being built (unknown md-id, bad MA name, MAID over 48 bytes) become
 * issues here; everything checkable on the finished model is in checks.ts. `pointers` records
 * where each model object came from, so checks can point back into the file.
 * The work is the ModelBuilder's (builder.ts, one list entry at a time; the objects themselves are
 * built in items.ts); this feeds it a whole raw tree.
 */
import { ModelBuilder } from './builder.js';
import type { Normalized } from './builder.js';
import type { RawConfig } from './raw.js';

export type { Normalized, PointerMap } from './builder.js';
export { bindingKey, mipKey, normMac } from './items.js';

export interface NormalizeOptions {
  /** Directory of the config file: a board profile given as a relative path is found from here. */
  baseDir?: string;
  /**
   * Let go of each raw domain, group, MIP and binding once its model objects are built (the
   * entry in the raw array becomes undefined): the raw tree and the model are then never both
   * whole in memory. For data nobody reads after normalizing (the loader's own parse).
   */
  consume?: boolean;
}

export function normalize(raw: RawConfig, opts: NormalizeOptions = {}): Normalized {
  const b = new ModelBuilder(raw, opts.baseDir !== undefined ? { baseDir: opts.baseDir } : {});
  const each = <T>(list: T[] | undefined, fn: (x: T, i: number) => void): void => {
    (list ?? []).forEach((x, i) => {
      fn(x, i);
      if (opts.consume) (list as unknown[])[i] = undefined;
    });
  };
  const cfm = raw.cfm ?? raw['ieee802-dot1q-cfm:cfm'] ?? {};
  each(cfm['maintenance-domain'], (d, i) => b.domain(d, i));
  each(cfm['maintenance-group'], (g, i) => b.group(g, i));
  each(cfm.mip, (m, i) => b.mip(m, i));
  const cp = raw['cpu-protection'] ?? {};
  (cp.policy ?? []).forEach((p, i) => b.policy(p, i));
  each(cp.binding, (x, i) => b.binding(x, i));
  (raw['debug-tags'] ?? []).forEach((t, i) => b.debugTag(t, i));
  return b.finish();
}
