/**
 * Compaction of a freshly built model (issue 11 item 25: validation memory near the file size).
 * What a heap snapshot of a loaded 8,192-MEP model showed, and what this pass undoes:
 *  - strings that keep the whole config text alive: js-yaml cuts scalars out of the text, and V8
 *    keeps a cut of 13+ characters as a *slice* of the text, so one `dns-like-name` in the model
 *    retained the 4 MB text for the life of the model;
 *  - one string per occurrence of a repeated value ('up', 'down', port names, switch names:
 *    thousands of copies of the same few strings) and keys built by template literals, which V8
 *    keeps as trees of concatenations (a node per `+`);
 *  - arrays built with push(): V8 grows an empty array to 17 slots at the first push, so a
 *    two-MEP MEP list, a one-MEP association and a one-peer remote list took 152 bytes each.
 * Every string becomes one flat copy shared by all its occurrences and the pushed arrays exact-size
 * copies; objects keep their identity (the pointer map and the model's own cross references use it).
 */

/** A flat string of its own: no slice of, and no concatenation over, another string. */
function ownCopy(s: string): string {
  // JSON.parse builds a new sequential string; slice()/concat may return views of the original.
  return JSON.parse(JSON.stringify(s)) as string;
}

export class Compactor {
  private readonly strings = new Map<string, string>();

  string(s: string): string {
    let v = this.strings.get(s);
    if (v === undefined) {
      v = ownCopy(s);
      this.strings.set(v, v);
    }
    return v;
  }

  /** A flat copy of a string that occurs once (a key, a name): not kept in the map. */
  own(s: string): string {
    return ownCopy(s);
  }

  /** Forget the shared strings (they stay where they were put): the map is as big as the model's distinct strings. */
  release(): void {
    this.strings.clear();
  }

  /**
   * Give every string under `root` (a tree: the model has no cycles) one shared flat copy, in
   * place; iterative. An object reached twice (a board shared by switches) is just walked twice.
   * Arrays are made exact-size where normalize builds them (fit()): copying them here would need
   * a map of every array to keep shared ones shared.
   */
  compact<T extends object>(root: T): T {
    const stack: object[] = [root];
    while (stack.length) {
      const o = stack.pop()!;
      if (Array.isArray(o)) {
        for (let i = 0; i < o.length; i++) {
          const v: unknown = o[i];
          if (typeof v === 'string') o[i] = this.string(v);
          else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) stack.push(v);
        }
      } else {
        const r = o as Record<string, unknown>;
        for (const k in r) {
          const v = r[k];
          if (typeof v === 'string') r[k] = this.string(v);
          else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) stack.push(v);
        }
      }
    }
    return root;
  }
}

/** An exact-size copy of an array built by push() (V8 leaves spare capacity: 17 slots after one push). */
export function fit<T>(a: T[]): T[] {
  return a.slice();
}

/** Sort in place unless already in order: same result (the sort is stable), but V8's sort allocates even for one or two items. */
export function sortIfNeeded<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  for (let i = 1; i < a.length; i++) if (cmp(a[i - 1], a[i]) > 0) return a.sort(cmp);
  return a;
}
