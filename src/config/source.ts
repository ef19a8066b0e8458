/**
 * Parse a config text (YAML or JSON) into plain data while keeping the YAML node tree, so any
 * JSON pointer can be turned back into "file:line:column". JSON is parsed by the same YAML 1.2
 * parser (JSON is a subset of YAML 1.2), so JSON inputs get positions too.
 */
import { CORE_SCHEMA, YAMLException, load as loadYamlData } from 'js-yaml';
import type { Document, Node } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import { Compactor } from './compact.js';
import { locationsOf, MAX_DEPTH, scanJson } from './json-scan.js';
import type { ConfigIssue } from './model.js';

export type ConfigFormat = 'yaml' | 'json';

export interface ParsedSource {
  /** The document as plain JS data (undefined when it could not be parsed). */
  data: unknown;
  /** "file:line:column" of the node a JSON pointer designates (nearest existing ancestor). */
  locate(pointer: string): string | undefined;
  /** locate() for many pointers at once (one pass over a JSON text). */
  locateMany(pointers: string[]): Array<string | undefined>;
  /** Syntax errors (YAML/JSON), each with a location. */
  issues: ConfigIssue[];
}

/** RFC 6901 pointer segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function pointerOf(segments: Array<string | number>): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function formatFromName(fileName: string | undefined): ConfigFormat {
  return fileName && /\.json$/i.test(fileName) ? 'json' : 'yaml';
}

/**
 * JSON goes through JSON.parse (fast, strict), then one iterative scan of the text for what
 * JSON.parse lets pass (duplicate keys, excess nesting: json-scan.ts). Locations of issues come
 * from another scan for just their pointers: no second tree, so memory stays near the text size.
 */
export function parseSource(text: string, fileName = '<input>', format: ConfigFormat = formatFromName(fileName)): ParsedSource {
  const { data, issues } = parseData(text, fileName, format);
  const locateMany = locator(text, fileName, format);
  return { data, issues, locate: (p) => locateMany([p])[0], locateMany };
}

/** Parsed data and syntax issues; `unlocatable`: a big YAML text whose pointers get no line:column. */
export interface ParsedData { data: unknown; issues: ConfigIssue[]; unlocatable?: boolean }

/** The data and syntax issues of a text, holding no reference to it (the caller may drop the text). */
export function parseData(text: string, fileName = '<input>', format: ConfigFormat = formatFromName(fileName)): ParsedData {
  if (format === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      const msg = (err as Error).message;
      const m = /position (\d+)/.exec(msg);
      const [location] = locationsOf(text, fileName, [m ? Number(m[1]) : 0]);
      const issue: ConfigIssue = { pointer: '', rule: 'syntax', message: `JSON: ${cut(msg, 200)}`, hint: 'fix the JSON syntax at this position' };
      if (location) issue.location = location;
      return { data: undefined, issues: [issue] };
    }
    const { issues } = scanJson(text, fileName, { check: true });
    return { data: issues.length ? undefined : data, issues };
  }
  const light = parseYamlData(text, fileName);
  if (light) return text.length > BIG_YAML_CHARS ? { ...light, unlocatable: true } : light;
  const { data, issues } = parseYaml(text, fileName);
  return { data, issues };
}

/**
 * "file:line:column" of many JSON pointers in a text (nearest existing ancestor; undefined for a
 * YAML text over BIG_YAML_CHARS): one scan of a JSON text, or the yaml library's node tree, built
 * only now that an issue needs a location.
 */
export function locator(text: string, fileName: string, format: ConfigFormat): (pointers: string[]) => Array<string | undefined> {
  if (format === 'json') return (pointers) => locationsOf(text, fileName, scanJson(text, fileName, { pointers }).offsets);
  if (text.length > BIG_YAML_CHARS && !YAML_LIBRARY_ONLY.test(text)) return (ps) => ps.map(() => undefined);
  let full: ParsedSource | undefined;
  return (ps) => (full ??= parseYaml(text, fileName)).locateMany(ps);
}

/**
 * Texts for the yaml library only: an alias (`*name`) where a node may start (the yaml library
 * bounds alias expansion, maxAliasCount), or a YAML 1.1 binary number (`0b101`), which js-yaml's
 * core schema reads as a number and YAML 1.2 as a string.
 */
export const YAML_LIBRARY_ONLY = /(?:^|[\s[{,])(?:\*[^\s\]},]|[-+]?0b[01_])/m;

/**
 * YAML texts longer than this get no yaml-library node tree at all (70x the text: 4 MB of YAML
 * would take about 300 MB more): their issues carry pointers but no line:column, except syntax
 * errors, which js-yaml locates itself.
 */
export const BIG_YAML_CHARS = 4 << 20;

/**
 * The light path for YAML (issue 11 item 25): js-yaml builds plain data directly (YAML 1.2 core
 * schema, duplicate keys rejected), a few times the text size, where the yaml library's CST and
 * node tree took 60-80x. The node tree is built only when an issue needs a location (never for
 * a text over BIG_YAML_CHARS). Anything the light path does not take (a syntax error, a
 * duplicate key, aliases, nesting past MAX_DEPTH) goes to the yaml library, whose errors carry
 * positions and pointers; a big text's syntax error is js-yaml's own, with its position.
 */
function parseYamlData(text: string, fileName: string): { data: unknown; issues: ConfigIssue[] } | undefined {
  if (YAML_LIBRARY_ONLY.test(text)) return undefined;
  const big = text.length > BIG_YAML_CHARS;
  let data: unknown;
  try {
    data = loadYamlData(text, { schema: CORE_SCHEMA, filename: fileName });
  } catch (e) {
    // RangeError (deep nesting) included: the yaml library reports it with a pointer
    if (!big || !(e instanceof YAMLException)) return undefined;
    return { data: undefined, issues: [bigSyntaxIssue(e, text, fileName)] };
  }
  if (deeperThan(data, MAX_DEPTH)) return undefined;
  // js-yaml's scalars of 13+ characters are slices of the text (V8 keeps a slice's parent whole):
  // own, shared copies let the text go now, and a repeated value ('up', a port) is stored once.
  if (data !== null && typeof data === 'object') new Compactor().compact(data);
  return { data, issues: [] };
}

/** js-yaml's syntax error in a big text, at its line:column; a duplicate key named. */
function bigSyntaxIssue(e: YAMLException, text: string, fileName: string): ConfigIssue {
  const mark = e.mark as { line: number; column: number; position: number } | undefined;
  const issue: ConfigIssue = { pointer: '', rule: 'syntax', message: cut(e.reason, 200), hint: 'fix the YAML syntax at this position' };
  if (mark) issue.location = `${fileName}:${mark.line + 1}:${mark.column + 1}`;
  if (/duplicated mapping key/.test(e.reason) && mark) {
    const key = /^[^:\n]*/.exec(text.slice(mark.position, mark.position + 256))?.[0].trim() ?? '';
    issue.message = `duplicate key '${cut(key.replace(/^["']|["']$/g, ''), 64)}'`;
    issue.hint = 'each key once per mapping: which value was meant is ambiguous';
  }
  return issue;
}

/** Whether plain data nests objects/arrays deeper than `max` (iterative). */
export function deeperThan(data: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[data, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v as object)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return false;
}

/** A message-sized piece of a long text. */
function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length} characters)`;
}

function parseYaml(text: string, fileName: string): ParsedSource {
  const { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } = yamlLib();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const where = (offset: number): string => {
    const p = lineCounter.linePos(offset);
    return `${fileName}:${p.line}:${p.col}`;
  };
  // Nesting beyond MAX_DEPTH first: the parser's own stack overflow (RESOURCE_EXHAUSTION) has no
  // pointer, and the rest of the document would overflow every recursive consumer after it.
  const deep = tooDeep(doc, where);
  // The first few syntax errors say where it went wrong; the rest are usually echoes.
  const issues: ConfigIssue[] = deep ? [deep] : doc.errors.slice(0, 5).map((e) => {
    const issue: ConfigIssue = {
      pointer: '',
      location: where(e.pos[0]),
      rule: 'syntax',
      message: cut(e.message.split('\n')[0], 200),
      hint: 'fix the YAML/JSON syntax at this position',
    };
    if (e.code === 'DUPLICATE_KEY') {
      const { path, key } = pathToKey(doc, e.pos[0]);
      issue.pointer = pointerOf(path);
      issue.message = `duplicate key '${cut(key, 64)}'`;
      issue.hint = 'each key once per mapping: which value was meant is ambiguous';
    }
    return issue;
  });
  const locate = (pointer: string): string | undefined => {
    let node: unknown = doc.contents;
    let at: number | undefined = rangeStart(node);
    for (const seg of pointerSegments(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) break;
        // Point at the key: that is where an operator looks for a property.
        at = rangeStart(pair.key) ?? at;
        node = pair.value;
        if (node == null) break;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item == null) break;
        node = item;
        at = rangeStart(node) ?? at;
      } else {
        break;
      }
    }
    return at === undefined ? undefined : where(at);
  };
  let data: unknown;
  if (issues.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      issues.push({ pointer: '', rule: 'syntax', message: (err as Error).message, location: `${fileName}:1:1` });
    }
  }
  return { data, locate, locateMany: (ps) => ps.map(locate), issues };
}

/** The first node nested deeper than MAX_DEPTH, as a `syntax` issue (iterative walk). */
function tooDeep(doc: Document, where: (offset: number) => string): ConfigIssue | undefined {
  const { isMap, isScalar, isSeq } = yamlLib();
  const stack: Array<{ node: unknown; path: Array<string | number> }> = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (path.length >= MAX_DEPTH) {
      const at = rangeStart(node);
      const issue: ConfigIssue = {
        pointer: pointerOf(path), rule: 'syntax', message: `nested more than ${MAX_DEPTH} levels deep`,
        hint: 'a configuration is a few levels deep; look for a stray run of brackets or indentation here',
      };
      if (at !== undefined) issue.location = where(at);
      return issue;
    }
    if (isMap(node)) {
      for (const p of node.items) stack.push({ node: p.value, path: [...path, isScalar(p.key) ? String(p.key.value) : '?'] });
    } else {
      node.items.forEach((x, i) => stack.push({ node: x, path: [...path, i] }));
    }
  }
  return undefined;
}

/** JSON pointer segments of the map key starting at `offset`, and the key's text. */
function pathToKey(doc: Document, offset: number): { path: Array<string | number>; key: string } {
  const { isMap, isScalar, isSeq } = yamlLib();
  const path: Array<string | number> = [];
  let node: unknown = doc.contents;
  const inside = (n: unknown) => {
    const r = (n as Node | null | undefined)?.range;
    return r != null && r[0] <= offset && offset < r[2];
  };
  for (;;) {
    if (isMap(node)) {
      const hit = node.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
      if (hit) {
        const key = String((hit.key as { value: unknown }).value);
        return { path: [...path, key], key };
      }
      const pair = node.items.find((p) => inside(p.value) || inside(p.key));
      if (!pair || !inside(pair.value)) break;
      path.push(isScalar(pair.key) ? String(pair.key.value) : '?');
      node = pair.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((x) => inside(x));
      if (i < 0) break;
      path.push(i);
      node = node.items[i];
    } else break;
  }
  return { path, key: '?' };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}
