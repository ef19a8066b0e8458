/**
 * VOE table entries as the binding reads them back and caches them: plain copies of the ABI
 * structs, frozen once shared (an entry is replaced, never changed, when its VOE changes).
 */
import type { RawCcConf, RawVoeConf } from './abi.js';

/** One VOE's configuration as read back (cc null: allocated, never CC-configured). */
export interface VoeEntry {
  handle: number;
  conf: RawVoeConf;
  cc: RawCcConf | null;
}


export function copyConf(c: RawVoeConf): RawVoeConf {
  return { ...c, unicast_mac: Array.from(c.unicast_mac), reserved: Array.from(c.reserved) };
}

export function copyCc(c: RawCcConf): RawCcConf {
  return { ...c, maid: Array.from(c.maid), peers: c.peers.slice() };
}

/** Replace the entry with the same handle in a handle-sorted array (binary search). */
export function replaceSorted(sorted: VoeEntry[], e: VoeEntry): void {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].handle === e.handle) {
      sorted[mid] = e;
      return;
    }
    if (sorted[mid].handle < e.handle) lo = mid + 1;
    else hi = mid - 1;
  }
}

/* Entries are shared read-only (the objects are frozen; the byte and peer arrays are not:
 * frozen arrays fall off V8's fast paths, e.g. new Uint8Array(frozenArray) is ~10x slower). */
export function freezeEntry(e: VoeEntry): VoeEntry {
  Object.freeze(e.conf);
  if (e.cc) Object.freeze(e.cc);
  return Object.freeze(e);
}
