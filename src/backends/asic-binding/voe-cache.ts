/**
 * The binding's cached read-back of the VOE table: the entries at configuration generation
 * `gen`, kept in step with this handle's own successful writes (each moves the device's
 * generation by exactly one), plus a journal of those writes (handle and the generation it
 * produced) so a caller holding an earlier generation can be told which VOEs changed instead of
 * reading all of them. Whether the cache still describes the device is decided by the device's
 * generation (AsicDevice compares before using it); any write the cache cannot follow empties it.
 */
import { replaceSorted, type VoeEntry } from './voe-entry.js';

/** Journal entries kept; callers with an older generation get a full read-back. */
const JOURNAL_MAX = 4096;

/** Every VOE, or the VOEs changed and removed since a generation. */
export type EntryChanges =
  | { gen: bigint | null; full: true; entries: readonly VoeEntry[] }
  | { gen: bigint; full: false; changed: VoeEntry[]; removed: number[] };

export class VoeCache {
  private voes: Map<number, VoeEntry> | null = null;
  private sorted: VoeEntry[] | null = null;
  gen = 0n;
  /** The journal holds every VOE write after this generation. */
  private journalBase = 0n;
  private journalHandles: number[] = [];
  private journalGens: bigint[] = [];

  get valid(): boolean {
    return this.voes !== null;
  }

  get size(): number {
    return this.voes?.size ?? 0;
  }

  /** A fresh full read-back at generation `gen` (entries ascending by handle, frozen). */
  reset(gen: bigint, entries: VoeEntry[]): VoeEntry[] {
    this.voes = new Map(entries.map((e) => [e.handle, e]));
    this.sorted = entries;
    this.gen = gen;
    this.journalBase = gen;
    this.journalHandles = [];
    this.journalGens = [];
    return entries;
  }

  clear(): void {
    this.voes = null;
    this.sorted = null;
  }

  /** The entries ascending by handle (a copy: the cache's own array changes with the next write). */
  snapshot(): VoeEntry[] {
    if (this.sorted === null) this.sorted = [...this.voes!.values()].sort((a, b) => a.handle - b.handle);
    return this.sorted.slice();
  }

  /** Whether the journal covers every VOE write after generation `since`. */
  canTell(since: bigint): boolean {
    return this.voes !== null && since >= this.journalBase && since <= this.gen;
  }

  /** The VOEs written after `since` (canTell(since) must hold), newest state of each. */
  changesSince(since: bigint): EntryChanges {
    const seen = new Set<number>();
    const changed: VoeEntry[] = [];
    const removed: number[] = [];
    for (let j = this.journalGens.length - 1; j >= 0 && this.journalGens[j] > since; j--) {
      const h = this.journalHandles[j];
      if (seen.has(h)) continue;
      seen.add(h);
      const e = this.voes!.get(h);
      if (e) changed.push(e);
      else removed.push(h);
    }
    return { gen: this.gen, full: false, changed, removed };
  }

  /** One own successful write that changed no VOE (port flags, policers, tx seq). */
  bump(): void {
    if (this.voes !== null) this.gen += 1n;
  }

  /**
   * One own successful write to VOE `handle`: `next` gets the cached entry and returns the new
   * one (frozen by the caller), null when the VOE is gone, or undefined when the cache cannot
   * follow (then the next snapshot reads everything back).
   */
  put(handle: number, next: (old: VoeEntry | undefined) => VoeEntry | null | undefined, freeze: (e: VoeEntry) => VoeEntry): void {
    const voes = this.voes;
    if (voes === null) return;
    this.gen += 1n;
    this.journalHandles.push(handle);
    this.journalGens.push(this.gen);
    if (this.journalHandles.length > JOURNAL_MAX) {
      const drop = JOURNAL_MAX >> 1;
      this.journalBase = this.journalGens[drop - 1];
      this.journalHandles.splice(0, drop);
      this.journalGens.splice(0, drop);
    }
    const old = voes.get(handle);
    const e = next(old);
    if (e === undefined) {
      this.clear();
    } else if (e === null) {
      voes.delete(handle);
      this.sorted = null;
    } else {
      const frozen = freeze(e);
      voes.set(handle, frozen);
      if (!old) this.sorted = null; // a new VOE: re-sort at the next snapshot
      else if (this.sorted !== null) replaceSorted(this.sorted, frozen);
    }
  }
}
