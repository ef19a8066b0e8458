/**
 * Finds the entries of a YAML config's big lists (SPLIT_LISTS) from its lines alone (issue 11
 * item 25), for block-style documents: a top-level block mapping whose `cfm` (or
 * `cpu-protection`) value is a block mapping, and whose `maintenance-domain` (etc.) value is a
 * block sequence. An entry is the lines from one `- ` at the sequence's indentation to the next;
 * only the first characters of each line are looked at (indentation, a dash, a plain key).
 * Anything else at those levels (flow style, quoted or complex keys, document markers,
 * directives, tabs in indentation) returns undefined, and the loader parses the whole document
 * as before. Anchors and aliases between entries never get here (the loader sends any alias to
 * the yaml library). The loader then checks the result: the skeleton parses with `null` at each
 * split key and each entry parses alone as a one-item sequence, or it falls back to the whole parse.
 */
import { SPLIT_LISTS, WINDOW } from './text-source.js';
import type { SplitText, TextSource } from './text-source.js';

/** Characters of a line looked at: enough for any key the splitter acts on. */
const HEAD = 256;

/** `key:` or `key: rest` with a plain key (YAML 1.2 7.3.3) such as `cfm`, `ieee802-dot1q-cfm:cfm`, `$schema`. */
const KEY_LINE = /^([A-Za-z0-9_$][\w$./-]*(?::[\w$./-]+)*)[ \t]*:(?:[ \t]+(.*))?$/;

/** A block sequence entry indicator: `-` then white space or the end of the line (YAML 1.2 8.2.1). */
function isDash(h: string): boolean {
  return h === '-' || h.startsWith('- ') || h.startsWith('-\t');
}

/** The key of a key line and whether its value is a block on the next lines (nothing but a comment after the colon). */
function keyLine(h: string): { key: string; block: boolean } | undefined {
  const m = KEY_LINE.exec(h);
  if (!m) return undefined;
  const rest = (m[2] ?? '').trim();
  return { key: m[1], block: rest === '' || rest.startsWith('#') };
}

/** Calls fn(start offset, first HEAD characters without the line break) for each line; false from fn stops. */
function eachLine(src: TextSource, fn: (start: number, head: string) => boolean): boolean {
  let head = '';
  let start = 0;
  let partial = false;
  const done = (h: string): boolean => fn(start, h.endsWith('\r') ? h.slice(0, -1) : h);
  for (let from = 0; from < src.size; from += WINDOW) {
    const w = src.window(from, WINDOW);
    let i = 0;
    while (i < w.length) {
      const nl = w.indexOf('\n', i);
      const end = nl < 0 ? w.length : nl;
      if (!partial) {
        start = from + i;
        head = '';
      }
      if (head.length < HEAD) head += w.slice(i, Math.min(end, i + HEAD - head.length));
      if (nl < 0) {
        partial = true;
        break;
      }
      partial = false;
      if (!done(head)) return false;
      i = nl + 1;
    }
  }
  return partial ? done(head) : true;
}

/** `lists`: which lists to split (by top key, then key); a maintenance domain's own associations for stream.ts. */
export function splitYaml(src: TextSource, splitLists: Readonly<Record<string, readonly string[]>> = SPLIT_LISTS): SplitText | undefined {
  const skeleton: number[] = [];
  const lists = new Map<string, number[]>();
  let skelFrom = 0;
  /** 'map': a top key whose block mapping holds split lists; 'other': any other top-level value. */
  let top: { key: string; mode: 'map' | 'other'; indent?: number } = { key: '', mode: 'other' };
  /** The last key at the second level has its value on the next lines. */
  let subBlock = false;
  /** A split list's key line was just seen: its path, waiting for the first entry. */
  let pending: string | undefined;
  let list: { path: string; entries: number[]; indent: number; entryStart: number } | undefined;
  const line = (start: number, h: string): boolean => {
    let n = 0;
    while (n < h.length && h.charCodeAt(n) === 0x20) n++;
    const body = h.slice(n);
    if (body.startsWith('\t')) return body.trim() === ''; // tab indentation: only blank lines pass
    if (body === '' || body.startsWith('#')) return true; // blank or comment: wherever it falls
    if (list) {
      if (n > list.indent) return true;
      if (n === list.indent && isDash(body)) {
        list.entries.push(list.entryStart, start);
        list.entryStart = start;
        return true;
      }
      list.entries.push(list.entryStart, start);
      skelFrom = start;
      list = undefined;
    }
    if (pending !== undefined) {
      const path = pending;
      pending = undefined;
      if (isDash(body) && n >= (top.indent ?? 0)) {
        if (lists.has(path)) return false; // a duplicate key: the whole parse reports it
        list = { path, entries: [], indent: n, entryStart: start };
        lists.set(path, list.entries);
        skeleton.push(skelFrom, start);
        return true;
      }
    }
    if (n === 0) {
      if (isDash(body)) return top.mode === 'other'; // an indentless sequence under a top-level key
      const k = keyLine(body);
      if (!k) return false;
      top = { key: k.key, mode: k.block && Object.prototype.hasOwnProperty.call(splitLists, k.key) ? 'map' : 'other' };
      subBlock = false;
      return true;
    }
    if (top.mode === 'other') return true;
    if (top.indent === undefined) {
      if (isDash(body)) {
        top.mode = 'other'; // a sequence, not a mapping: nothing to split
        return true;
      }
      top.indent = n;
    }
    if (n > top.indent) return true;
    if (n < top.indent) return false;
    if (isDash(body)) return subBlock; // an indentless sequence under a key not split (`policy:` then `- ...`)
    const k = keyLine(body);
    if (!k) return false;
    subBlock = k.block;
    if (k.block && splitLists[top.key].includes(k.key)) pending = `${top.key}/${k.key}`;
    return true;
  };
  if (!eachLine(src, line)) return undefined;
  if (list) {
    list.entries.push(list.entryStart, src.size);
    skelFrom = src.size;
  }
  if (lists.size === 0) return undefined;
  skeleton.push(skelFrom, src.size);
  return { skeleton, lists };
}
