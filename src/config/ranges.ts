/**
 * Number sets written as ranges, as operators type them for CPU protection (seed 002:
 * `level 5-7 opcode 3,5`, `opcode 0-255`): a number, a list of numbers, or "a-b,c,d-e".
 */

/** Expand to a sorted, de-duplicated list; a string error when malformed or out of [min, max]. */
export function parseNumberSet(input: number | string | number[], min: number, max: number): number[] | string {
  const out = new Set<number>();
  const add = (n: number): string | undefined => {
    if (!Number.isInteger(n) || n < min || n > max) return `${n} is outside ${min}..${max}`;
    out.add(n);
    return undefined;
  };
  if (typeof input === 'number') {
    const e = add(input);
    if (e) return e;
  } else if (Array.isArray(input)) {
    for (const n of input) {
      const e = add(n);
      if (e) return e;
    }
  } else {
    for (const part of input.split(',')) {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
      if (!m) return `'${part.trim()}' is not a number or a range a-b`;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) return `range ${lo}-${hi} is backwards`;
      if (lo < min || hi > max) return `${part.trim()} is outside ${min}..${max}`;
      for (let n = lo; n <= hi; n++) out.add(n);
    }
  }
  if (out.size === 0) return 'empty set';
  return [...out].sort((a, b) => a - b);
}

/** Compact form of a sorted set: [0,1,2,5] -> "0-2,5"; a single value stays a number. */
export function formatNumberSet(values: number[]): string | number {
  if (values.length === 1) return values[0];
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(j === i ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
