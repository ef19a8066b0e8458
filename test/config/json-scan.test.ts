/**
 * The JSON scan (src/config/json-scan.ts) that finds issue locations without a YAML node tree:
 * for any JSON document and any pointer in it, the same "line:column" as the YAML parser's tree
 * (JSON is YAML 1.2), which the loader used before (issue 11 item 25).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChecksPass, scanJson, locationsOf } from '../../src/config/json-scan.js';
import { parseSource, pointerOf } from '../../src/config/source.js';

/** Every JSON pointer of a value (objects: members, arrays: items), plus one that does not exist under each container. */
function pointers(v: unknown, path: Array<string | number> = [], out: string[] = []): string[] {
  out.push(pointerOf(path));
  if (Array.isArray(v)) {
    v.forEach((x, i) => pointers(x, [...path, i], out));
    out.push(pointerOf([...path, v.length, 'missing']));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) pointers(x, [...path, k], out);
    out.push(pointerOf([...path, 'no such key']));
  }
  return out;
}

describe('scanJson locations', () => {
  it('match the YAML tree for random documents and layouts (property)', () => {
    const keyish = fc.string({ unit: fc.constantFrom('a', 'b', '/', '~', '"', '\\', 'é', ' ', '{', ']'), maxLength: 4 });
    const doc = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), keyish, tie('arr'), tie('obj')),
      arr: fc.array(tie('value'), { maxLength: 4 }),
      obj: fc.dictionary(keyish, tie('value'), { maxKeys: 4 }),
    })).obj;
    fc.assert(fc.property(doc, fc.constantFrom(0, 1, 2, '\t'), (d, indent) => {
      const text = JSON.stringify(d, null, indent);
      const ps = pointers(d);
      const viaYaml = parseSource(text, 'f.json', 'yaml');
      expect(viaYaml.issues).toEqual([]);
      const viaScan = locationsOf(text, 'f.json', scanJson(text, 'f.json', { pointers: ps }).offsets);
      expect(viaScan).toEqual(ps.map((p) => viaYaml.locate(p)));
    }), { numRuns: 300 });
  });

  it('duplicate keys are found at any depth, escapes decoded', () => {
    const r = scanJson('{"a": [{"x": 1}, {"x": 1, "y": {"k": 1, "\\u006b": 2}}]}', 'd.json', { check: true });
    expect(r.issues.map((i) => i.pointer)).toEqual(['/a/1/y/k']);
  });

  it('jsonChecksPass (the streaming loader\'s allocation-free check) agrees with scanJson, or defers on an escaped key', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const cases: Array<[string, number]> = [
      ['{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2, "b": 3}]}', 0],
      ['{"a": 1, "b": 2, "a": 3}', 0],
      ['{"x": {"ab": 1, "ba": 2, "ab": 3}}', 0],
      ['{"x": [{"k": 1}, {"k": 2}], "k": {"k": {"k": 1}}}', 3],
      ['{"s": "a \\" quoted, \\"s\\": 1", "t": 2}', 0],
      [`{"d": ${deep(63)}}`, 0],
      [`{"d": ${deep(64)}}`, 0],
      [`{"d": ${deep(60)}}`, 3],
      [`{"d": ${deep(61)}}`, 3],
    ];
    const outcomes = new Set<boolean>();
    for (const [text, depth0] of cases) {
      JSON.parse(text);
      const scan = scanJson(text, 'e.json', { check: true, depth0 }).issues.length === 0;
      outcomes.add(scan);
      expect({ text: text.slice(0, 40), depth0, pass: jsonChecksPass(text, depth0) }).toEqual({ text: text.slice(0, 40), depth0, pass: scan });
    }
    expect(outcomes.size).toBe(2);
    expect(jsonChecksPass('{"k": 1, "\\u006b": 2}', 0)).toBeUndefined();
  });
});
