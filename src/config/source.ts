/**
 * Parse a config text (YAML or JSON) into plain data while keeping the YAML node tree, so any
 * JSON pointer can be turned back into "file:line:column". JSON is parsed by the same YAML 1.2
 * parser (JSON is a subset of YAML 1.2), so JSON inputs get positions too.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import type { ConfigIssue } from './model.js';

export type ConfigFormat = 'yaml' | 'json';

export interface ParsedSource {
  /** The document as plain JS data (undefined when it could not be parsed). */
  data: unknown;
  /** "file:line:column" of the node a JSON pointer designates (nearest existing ancestor). */
  locate(pointer: string): string | undefined;
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
 * JSON goes through JSON.parse (fast, strict); its YAML node tree, needed only to locate issues,
 * is built on the first locate() call. YAML is parsed once with positions.
 */
export function parseSource(text: string, fileName = '<input>', format: ConfigFormat = formatFromName(fileName)): ParsedSource {
  if (format === 'json') {
    try {
      const data: unknown = JSON.parse(text);
      let lazy: ParsedSource | undefined;
      return { data, issues: [], locate: (ptr) => (lazy ??= parseYaml(text, fileName)).locate(ptr) };
    } catch (err) {
      const msg = (err as Error).message;
      const m = /position (\d+)/.exec(msg);
      const lc = new LineCounter();
      let o = 0;
      for (const line of text.split('\n')) { lc.addNewLine(o); o += line.length + 1; }
      const pos = lc.linePos(m ? Number(m[1]) : 0);
      return { data: undefined, locate: () => undefined, issues: [{ pointer: '', location: `${fileName}:${pos.line}:${pos.col}`, rule: 'syntax', message: `JSON: ${msg}`, hint: 'fix the JSON syntax at this position' }] };
    }
  }
  return parseYaml(text, fileName);
}

function parseYaml(text: string, fileName: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const where = (offset: number): string => {
    const p = lineCounter.linePos(offset);
    return `${fileName}:${p.line}:${p.col}`;
  };
  // The first few syntax errors say where it went wrong; the rest are usually echoes.
  const issues: ConfigIssue[] = doc.errors.slice(0, 5).map((e) => ({
    pointer: '',
    location: where(e.pos[0]),
    rule: 'syntax',
    message: e.message.split('\n')[0],
    hint: 'fix the YAML/JSON syntax at this position',
  }));
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
  return { data, locate, issues };
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as Node | null | undefined)?.range;
  return r ? r[0] : undefined;
}
