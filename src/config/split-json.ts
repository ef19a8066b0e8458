/**
 * Finds the entries of a JSON config's big lists (SPLIT_LISTS) without parsing it (issue 11
 * item 25): one pass over windows of the text that follows strings, escapes and bracket depth,
 * and notes where each entry of `cfm.maintenance-domain` (and the other split lists) starts and
 * ends, so the streaming loader can JSON.parse one entry at a time.
 * It checks only what the cut relies on: each entry is an object and entries are separated by
 * one comma and JSON whitespace (RFC 8259 2). Everything else is left to JSON.parse of the
 * skeleton (the text with those lists emptied) and of each entry; whatever does not fit returns
 * undefined and the loader parses the whole document instead.
 */
import { SPLIT_LISTS, WINDOW } from './text-source.js';
import type { SplitText, TextSource } from './text-source.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON whitespace (RFC 8259 2): space, tab, line feed, carriage return. */
function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

const enum At { Start, InEntry, AfterEntry, AfterComma }

/** `lists`: which lists to split (by top key, then key); a maintenance domain's own associations for stream.ts. */
export function splitJson(src: TextSource, splitLists: Readonly<Record<string, readonly string[]>> = SPLIT_LISTS): SplitText | undefined {
  const skeleton: number[] = [];
  const lists = new Map<string, number[]>();
  let skelFrom = 0;
  let depth = 0;
  /** Whether the container at depth 1 and 2 is an object, and its current key. */
  const isObj = [false, false, false];
  const key: Array<string | null> = [null, null, null];
  let expectKey = false;
  let inStr = false;
  let esc = false;
  let capture: string | null = null;
  let list: number[] | null = null;
  let state = At.Start;
  let entryStart = 0;
  for (let from = 0; from < src.size; from += WINDOW) {
    const w = src.window(from, WINDOW);
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      if (inStr) {
        if (esc) esc = false;
        else if (c === BACKSLASH) {
          esc = true;
          capture = null; // an escaped key never names a split list (the skeleton keeps it whole)
        } else if (c === QUOTE) {
          inStr = false;
          if (capture !== null) {
            key[depth] = capture;
            capture = null;
          }
        } else if (capture !== null) {
          if (capture.length < 64) capture += w[i];
          else capture = null;
        }
        continue;
      }
      if (list && depth === 3) {
        // between the entries of a split list
        if (isWs(c)) continue;
        if (c === 0x7b && (state === At.Start || state === At.AfterComma)) { // '{'
          entryStart = from + i;
          state = At.InEntry;
          depth++;
        } else if (c === 0x2c && state === At.AfterEntry) state = At.AfterComma;
        else if (c === 0x5d && (state === At.Start || state === At.AfterEntry)) { // ']'
          skelFrom = from + i;
          list = null;
          depth--;
          expectKey = false;
        } else return undefined;
        continue;
      }
      if (c === QUOTE) {
        inStr = true;
        capture = depth >= 1 && depth <= 2 && isObj[depth] && expectKey ? '' : null;
        if (capture !== null) key[depth] = null;
        expectKey = false; // a key or a value: what follows is ':' or ',' / '}'
      } else if (c === 0x7b || c === 0x5b) { // '{' '['
        depth++;
        if (depth <= 2) {
          isObj[depth] = c === 0x7b;
          key[depth] = null;
          expectKey = c === 0x7b;
        } else if (depth === 3 && c === 0x5b && !list && isObj[1] && isObj[2]) {
          const top = key[1];
          const sub = key[2];
          const names = top !== null && Object.prototype.hasOwnProperty.call(splitLists, top) ? splitLists[top] : undefined;
          if (names && sub !== null && names.includes(sub)) {
            const path = `${top}/${sub}`;
            if (lists.has(path)) return undefined; // a duplicate key: the whole parse reports it
            list = [];
            lists.set(path, list);
            state = At.Start;
            skeleton.push(skelFrom, from + i + 1);
          }
        }
      } else if (c === 0x7d || c === 0x5d) { // '}' ']'
        depth--;
        if (depth <= 2) expectKey = false;
        if (list && depth === 3) {
          list.push(entryStart, from + i + 1);
          state = At.AfterEntry;
        }
        if (depth < 0) return undefined;
      } else if (c === 0x2c && depth <= 2 && isObj[depth]) expectKey = true; // ','
    }
  }
  if (list || inStr || lists.size === 0) return undefined;
  skeleton.push(skelFrom, src.size);
  return { skeleton, lists };
}
