/**
 * A config text read in pieces (issue 11 item 25): the streaming loader scans it in windows and
 * decodes one list entry at a time, so a file is never whole in memory. Offsets are code units of
 * the source: bytes of a file, UTF-16 units of a string given by the caller (parseConfig).
 * A window maps each byte of a file to one character (latin1): the structure the splitters look
 * for (brackets, quotes, commas, colons, spaces, newlines, keys) is ASCII, and a UTF-8 multi-byte
 * sequence never contains an ASCII byte, so offsets found in a window are byte offsets. Entries
 * are cut at ASCII characters only, so decoding each one as UTF-8 gives what decoding the whole
 * file would.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface TextSource {
  /** Length in code units. */
  readonly size: number;
  /** Code units [from, from + length) as a string of one character per unit (may be shorter at the end). */
  window(from: number, length: number): string;
  /** The text of [start, end), decoded. */
  text(start: number, end: number): string;
  close(): void;
}

/** Bytes read at once, both for windows and for entries (an entry within the cached block costs no read). */
const BLOCK = 1 << 16;

export function stringSource(s: string): TextSource {
  return {
    size: s.length,
    window: (from, length) => s.slice(from, from + length),
    text: (start, end) => s.slice(start, end),
    close: () => {},
  };
}

/** A file read through one reused block buffer; throws the fs error when it cannot be opened. */
export function fileSource(path: string): TextSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    size = st.size;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  const block = Buffer.allocUnsafe(BLOCK);
  let blockAt = -1;
  let blockLen = 0;
  const fill = (buf: Buffer, at: number, len: number): number => {
    let got = 0;
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, at + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  };
  /** Bytes [start, end): from the cached block when inside it, else the block is refilled there. */
  const bytes = (start: number, end: number): Buffer => {
    if (end - start > BLOCK) {
      const b = Buffer.allocUnsafe(end - start);
      return b.subarray(0, fill(b, start, end - start));
    }
    if (blockAt < 0 || start < blockAt || end > blockAt + blockLen) {
      blockAt = start;
      blockLen = fill(block, start, Math.min(BLOCK, size - start));
    }
    return block.subarray(start - blockAt, Math.min(end, blockAt + blockLen) - blockAt);
  };
  let closed = false;
  return {
    size,
    window: (from, length) => bytes(from, Math.min(size, from + length)).toString('latin1'),
    text: (start, end) => bytes(start, end).toString('utf8'),
    close: () => {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

/**
 * Where a text's big lists are (issue 11 item 25): for each list, its path (e.g.
 * `cfm/maintenance-domain`) and the [start, end) of every entry; `skeleton`: the [start, end)
 * pieces of everything else, whose concatenation is the document with those lists empty.
 */
export interface SplitText {
  skeleton: number[];
  lists: Map<string, number[]>;
}

/** The lists split into entries: one maintenance domain (with its associations), group, MIP or binding at a time. */
export const SPLIT_LISTS: Readonly<Record<string, readonly string[]>> = {
  cfm: ['maintenance-domain', 'maintenance-group', 'mip'],
  'ieee802-dot1q-cfm:cfm': ['maintenance-domain', 'maintenance-group', 'mip'],
  'cpu-protection': ['binding'],
};

/** Windows scanned at once by the splitters. */
export const WINDOW = 1 << 16;
