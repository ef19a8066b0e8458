/**
 * One iterative pass over JSON text that JSON.parse has already accepted: what JSON.parse does not
 * say, without building a second tree (memory stays near the text's size).
 *  - duplicate object keys (RFC 8259 4: names "SHOULD be unique"; JSON.parse keeps the last one
 *    silently, so `"md-level": 3, "md-level": 5` would mean level 5): a `syntax` issue;
 *  - nesting deeper than MAX_DEPTH: a `syntax` issue at that depth (a config is about 8 deep;
 *    thousands of nested `[` made recursive consumers overflow the stack);
 *  - the offsets of a set of JSON pointers (issue locations), nearest existing ancestor.
 * No recursion anywhere: the nesting is an explicit stack.
 */
import type { LineCounter } from 'yaml';
import { yamlLib } from './yaml-lib.js';
import type { ConfigIssue } from './model.js';
import { pointerOf, pointerSegments } from './source.js';

/** Deepest nesting of objects and arrays accepted in a config or profile document. */
export const MAX_DEPTH = 64;

interface TrieNode {
  next: Map<string, TrieNode>;
  /** Text offset where this path was found (-1: not found). */
  at: number;
}

interface Frame {
  obj: boolean;
  /** Keys seen so far (objects only, only while checking). */
  keys: Map<string, number> | null;
  /** Current member key / item index. */
  key: string;
  index: number;
  expectKey: boolean;
  trie: TrieNode | null;
}

export interface JsonScanOptions {
  /** Report duplicate keys and excess depth (the load-time checks). */
  check?: boolean;
  /** Pointers to find. */
  pointers?: string[];
  /** Nesting depth of the text's root in its document (a list entry scanned alone: 3). */
  depth0?: number;
}

export interface JsonScan {
  issues: ConfigIssue[];
  /** Offset of each requested pointer (nearest existing ancestor), -1 when not even the root exists. */
  offsets: number[];
}

function newTrie(): TrieNode {
  return { next: new Map(), at: -1 };
}

/** Offset just past the closing quote of the string starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    j += c === 0x5c ? 2 : 1;
  }
}

function segOf(f: Frame): string {
  return f.obj ? f.key : String(f.index);
}

export function scanJson(text: string, fileName: string, opts: JsonScanOptions): JsonScan {
  const check = opts.check === true;
  const depth0 = opts.depth0 ?? 0;
  const root = newTrie();
  for (const p of opts.pointers ?? []) {
    let n = root;
    for (const s of pointerSegments(p)) {
      let c = n.next.get(s);
      if (!c) n.next.set(s, (c = newTrie()));
      n = c;
    }
  }
  const issues: ConfigIssue[] = [];
  let lines: LineCounter | undefined;
  const where = (offset: number): string => {
    if (!lines) {
      lines = new (yamlLib().LineCounter)();
      lines.addNewLine(0);
      for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lines.addNewLine(k + 1);
    }
    const p = lines.linePos(offset);
    return `${fileName}:${p.line}:${p.col}`;
  };
  const stack: Frame[] = [];
  const pathHere = (): string => pointerOf(stack.map(segOf));
  /** The trie node of the value about to start (and note where it starts). */
  const enter = (at: number): TrieNode | null => {
    const top = stack[stack.length - 1];
    const node = top ? (top.trie?.next.get(segOf(top)) ?? null) : root;
    if (node && node.at < 0) node.at = at;
    return node;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a) { i++; continue; }
    const top = stack[stack.length - 1];
    if (c === 0x2c) { // ','
      if (top.obj) top.expectKey = true;
      else top.index++;
      i++;
      continue;
    }
    if (c === 0x7d || c === 0x5d) { stack.pop(); i++; continue; } // '}' ']'
    if (c === 0x22 && top?.obj && top.expectKey) {
      const end = stringEnd(text, i);
      const raw = text.slice(i + 1, end - 1);
      const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
      top.key = key;
      top.expectKey = false;
      // an object member is located at its key, as in YAML
      if (top.trie) {
        const node = top.trie.next.get(key);
        if (node && node.at < 0) node.at = i;
      }
      if (top.keys) {
        const first = top.keys.get(key);
        if (first !== undefined) {
          issues.push({
            pointer: pathHere(), location: where(i), rule: 'syntax',
            message: `duplicate key '${key.length > 64 ? key.slice(0, 64) + '...' : key}' (first at ${where(first)})`,
            hint: 'each key once per object: a JSON parser would silently keep only the last value',
          });
        } else top.keys.set(key, i);
      }
      i = end;
      continue;
    }
    const node = top && top.obj ? (top.trie?.next.get(top.key) ?? null) : enter(i);
    if (c === 0x7b || c === 0x5b) { // '{' '['
      if (check && stack.length + depth0 >= MAX_DEPTH) {
        issues.push({
          pointer: pathHere(), location: where(i), rule: 'syntax',
          message: `nested more than ${MAX_DEPTH} levels deep`,
          hint: 'a configuration is a few levels deep; look for a stray run of brackets here',
        });
        break;
      }
      stack.push({ obj: c === 0x7b, keys: check && c === 0x7b ? new Map() : null, key: '', index: 0, expectKey: c === 0x7b, trie: node });
      i++;
      continue;
    }
    if (c === 0x22) { i = stringEnd(text, i); continue; }
    // number, true, false, null
    i++;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
      i++;
    }
  }
  const offsets = (opts.pointers ?? []).map((p) => {
    let node = root;
    let at = root.at;
    for (const s of pointerSegments(p)) {
      const c = node.next.get(s);
      if (!c || c.at < 0) break;
      node = c;
      at = c.at;
    }
    return at;
  });
  return { issues, offsets };
}

/** "file:line:column" for text offsets (one line table for all of them). */
export function locationsOf(text: string, fileName: string, offsets: number[]): Array<string | undefined> {
  if (!offsets.some((o) => o >= 0)) return offsets.map(() => undefined);
  const lc = new (yamlLib().LineCounter)();
  lc.addNewLine(0);
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lc.addNewLine(k + 1);
  return offsets.map((o) => {
    if (o < 0) return undefined;
    const p = lc.linePos(o);
    return `${fileName}:${p.line}:${p.col}`;
  });
}

/**
 * The load-time checks of scanJson (no duplicate key, no nesting past MAX_DEPTH) for a text that
 * JSON.parse accepted, without allocating per object or key: the streaming loader runs it on
 * every list entry, and scanJson's maps and key strings were most of what a large config's
 * validation allocated. Keys are compared as text ranges. `undefined` when it cannot tell (a key
 * with an escape: the same key can be written two ways) and scanJson must decide.
 */
export function jsonChecksPass(text: string, depth0: number): boolean | undefined {
  // Start and end of every key of the open objects (keys[0..top)), and where each open
  // container's keys begin (-1: an array): reused buffers, grown when a text needs more.
  let top = 0;
  let depth = 0;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // '"'
      let j = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(j);
        if (d === 0x22) break;
        if (d === 0x5c) {
          escaped = true;
          j += 2;
        } else j++;
      }
      if (expectKey) {
        if (escaped) return undefined;
        const len = j - i - 1;
        for (let k = bases[depth - 1]; k < top; k += 2) {
          if (keyRanges[k + 1] - keyRanges[k] === len && sameRange(text, keyRanges[k], i + 1, len)) return false;
        }
        if (top + 2 > keyRanges.length) keyRanges = grow(keyRanges);
        keyRanges[top++] = i + 1;
        keyRanges[top++] = j;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) { // '{' '['
      if (depth + depth0 >= MAX_DEPTH) return false;
      if (depth + 1 > bases.length) bases = grow(bases);
      bases[depth++] = c === 0x7b ? top : -1;
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) { // '}' ']'
      const b = bases[--depth];
      if (b >= 0) top = b;
      expectKey = false;
    } else if (c === 0x2c) expectKey = bases[depth - 1] >= 0; // ','
  }
  return true;
}

let keyRanges: Int32Array = new Int32Array(1024);
let bases: Int32Array = new Int32Array(MAX_DEPTH + 1);

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function sameRange(text: string, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}
