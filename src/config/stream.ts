/**
 * The streaming loader (issue 11 item 25: validation memory near the file size). The whole-document
 * loader held the text, then the raw tree (several times the text), then the model; this one never
 * holds the text or the raw tree whole:
 *  1. split-json.ts / split-yaml.ts find the entries of the big lists (SPLIT_LISTS: maintenance
 *     domains, groups, MIPs, CPU-protection bindings) in windows of the text;
 *  2. the skeleton (the document with those lists emptied) is parsed and checked against the whole
 *     schema;
 *  3. the entries are parsed one at a time, checked against their list's item schema, built into
 *     the model (builder.ts) and dropped, in the order normalize needs (every domain before the
 *     groups, whose md-id/ma-id leafrefs need them) whatever the order in the file;
 *  4. the finished model gets the semantic checks (checks.ts).
 * The same parsers, depth limit, duplicate-key checks and schema run on every piece, and the lists
 * split carry no constraint of their own (only `type: array` and `items`), so a document passes
 * here exactly when it passes whole, with the same model. This path answers only for a config
 * without any issue: at the first problem (or a document it cannot split) it returns undefined and
 * the caller runs the whole-document loader, which reports every issue with its pointer and
 * location as before.
 */
import { createRequire } from 'node:module';
import { CORE_SCHEMA, load as loadYamlData } from 'js-yaml';
import { schemaIssues, schemaValidAt } from './ajv.js';
import { ModelBuilder } from './builder.js';
import { checkModel } from './checks.js';
import { jsonChecksPass, MAX_DEPTH, scanJson } from './json-scan.js';
import type { Association, CfmModel, LocalMep } from './model.js';
import type { RawConfig } from './raw.js';
import { deeperThan, YAML_LIBRARY_ONLY } from './source.js';
import type { ConfigFormat } from './source.js';
import { splitJson } from './split-json.js';
import { splitYaml } from './split-yaml.js';
import { stringSource } from './text-source.js';
import type { SplitText, TextSource } from './text-source.js';

const SCHEMA = 'cfm-config.schema.json';

/** The item schema of each split list (the lists themselves are `{type: array, items: ...}`). */
export const ITEM_SCHEMA: Readonly<Record<string, string>> = {
  'maintenance-domain': '/$defs/domain',
  'maintenance-group': '/$defs/group',
  mip: '/$defs/mip',
  binding: '/$defs/cpuProtection/properties/binding/items',
};

/** Depth of a split list's entries in the document (root -> container -> list -> entry). */
const ENTRY_DEPTH = 3;

export interface StreamOptions {
  format: ConfigFormat;
  fileName: string;
  baseDir?: string;
}

/**
 * Validate-only (validate.ts): each MEP goes to `onMep` instead of into the model, and `valid`
 * gets the model without MEPs for the rules about them (before checkModel, which then has none).
 */
export interface StreamHooks {
  onMep: (m: LocalMep, a: Association, maIndex: number) => void;
  valid: (model: CfmModel) => boolean;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One JSON or YAML piece as data, or undefined when it has any problem (the whole parse will report it). */
function parsePiece(text: string, opts: StreamOptions, depth0: number): unknown {
  try {
    if (opts.format === 'json') {
      const data: unknown = JSON.parse(text);
      const pass = jsonChecksPass(text, depth0) ?? scanJson(text, opts.fileName, { check: true, depth0 }).issues.length === 0;
      return pass ? data : undefined;
    }
    if (YAML_LIBRARY_ONLY.test(text)) return undefined;
    const data: unknown = loadYamlData(text, { schema: CORE_SCHEMA });
    // a YAML entry is parsed as the one-item sequence it is written as: one level more
    return deeperThan(data, MAX_DEPTH - depth0 + (depth0 ? 1 : 0)) ? undefined : data;
  } catch {
    return undefined;
  }
}

function pieceText(src: TextSource, ranges: number[]): string {
  let s = '';
  for (let k = 0; k < ranges.length; k += 2) s += src.text(ranges[k], ranges[k + 1]);
  return s;
}

/** The skeleton as data with each split list as [] (undefined when it does not parse or fit). */
function skeletonOf(src: TextSource, split: SplitText, opts: StreamOptions): RawConfig | undefined {
  const data = parsePiece(pieceText(src, split.skeleton), opts, 0);
  if (!isObj(data)) return undefined;
  for (const path of split.lists.keys()) {
    const [top, sub] = path.split('/');
    const container = data[top];
    if (!isObj(container) || !Object.prototype.hasOwnProperty.call(container, sub)) return undefined;
    const v = container[sub];
    // JSON keeps the emptied list's brackets; a YAML key whose entries were taken is null
    if (opts.format === 'json' ? !(Array.isArray(v) && v.length === 0) : v !== null) return undefined;
    container[sub] = [];
  }
  return data as RawConfig;
}

/** Domain entries longer than this have their associations parsed one at a time. */
const SUBSPLIT_CHARS = 1 << 16;

/** The lists split within one maintenance-domain entry, under the wrapper key `d` (see domainPieces). */
const DOMAIN_LISTS: Readonly<Record<string, readonly string[]>> = { d: ['maintenance-association'] };

/** Thrown from inside the builder when an association cut out of a domain does not parse or fit. */
const PIECE_FAILED = Symbol('piece failed');

/**
 * A long maintenance-domain entry cut into its own text and its associations' (issue 11 item 25,
 * second pass): a domain of thousands of associations parsed whole was a tree of tens of MB that
 * lived long enough to reach V8's old space, the peak of validating a big file. The entry is
 * wrapped as the value of a key (`{"d": entry}`; for YAML `d:` then the entry with its `- `
 * turned into spaces: the same mapping) so that the splitters find its `maintenance-association`
 * list as they find the lists of a document. Undefined when it does not split; the entry is then
 * parsed whole as before.
 */
export function domainPieces(text: string, opts: StreamOptions): { src: TextSource; split: SplitText } | undefined {
  let wrapped: string;
  if (opts.format === 'json') wrapped = `{"d":${text}}`;
  else {
    const dash = /^( *)- /.exec(text); // the entry's indicator: its first line (the splitter cut there)
    if (!dash) return undefined;
    const at = dash.index + dash[1].length;
    wrapped = `d:\n${text.slice(0, at)} ${text.slice(at + 1)}`;
  }
  const src = stringSource(wrapped);
  const split = opts.format === 'json' ? splitJson(src, DOMAIN_LISTS) : splitYaml(src, DOMAIN_LISTS);
  return split?.lists.has('d/maintenance-association') ? { src, split } : undefined;
}

/**
 * A long maintenance-domain entry in pieces: its own text with the association list empty, checked
 * against the domain schema, and the associations parsed, checked against their schema and handed
 * to the builder one at a time as it asks for them (the list carries no rule of its own: `{type:
 * array, items: association}`), so each one's tree dies young. Undefined at any problem.
 */
function splitDomainEntry({ src, split }: { src: TextSource; split: SplitText }, opts: StreamOptions): Obj | undefined {
  // the wrapper stands where the list holding the entry stands: one level above it
  const data = parsePiece(pieceText(src, split.skeleton), opts, opts.format === 'json' ? ENTRY_DEPTH - 1 : ENTRY_DEPTH);
  const d = isObj(data) ? data.d : undefined;
  if (!isObj(d) || Object.keys(data as Obj).length !== 1 || !Object.prototype.hasOwnProperty.call(d, 'maintenance-association')) return undefined;
  const v = d['maintenance-association'];
  if (opts.format === 'json' ? !(Array.isArray(v) && v.length === 0) : v !== null) return undefined;
  d['maintenance-association'] = [];
  if (!schemaValidAt(SCHEMA, ITEM_SCHEMA['maintenance-domain'], d)) return undefined;
  const ranges = split.lists.get('d/maintenance-association')!;
  /** The builder calls forEach once (builder.ts domain()): each association parsed as it is reached. */
  const lazy = {
    forEach(fn: (a: unknown, j: number) => void): void {
      for (let k = 0, j = 0; k < ranges.length; k += 2, j++) {
        let a = parsePiece(src.text(ranges[k], ranges[k + 1]), opts, ENTRY_DEPTH + 2);
        if (opts.format === 'yaml') a = Array.isArray(a) && a.length === 1 ? a[0] : undefined;
        if (a === undefined || !schemaValidAt(SCHEMA, '/$defs/association', a)) throw PIECE_FAILED;
        fn(a, j);
      }
    },
  };
  d['maintenance-association'] = lazy;
  return d;
}

/**
 * Load and validate from a source in pieces; undefined when the text is not split (flow style, no
 * big list, anything unusual) or has any issue: the caller then loads the whole document.
 */
export function streamLoad(src: TextSource, opts: StreamOptions, hooks?: StreamHooks): CfmModel | undefined {
  const split = opts.format === 'json' ? splitJson(src) : splitYaml(src);
  if (!split) return undefined;
  const skel = skeletonOf(src, split, opts);
  if (!skel || schemaIssues(SCHEMA, skel).length) return undefined;
  const cfmKey = skel.cfm ? 'cfm' : 'ieee802-dot1q-cfm:cfm';
  for (const path of split.lists.keys()) {
    if (!path.startsWith(`${cfmKey}/`) && !path.startsWith('cpu-protection/')) return undefined; // both cfm keys: an issue
  }
  const b = new ModelBuilder(skel, { ...(opts.baseDir !== undefined ? { baseDir: opts.baseDir } : {}), pointers: false, ...(hooks ? { onMep: hooks.onMep } : {}) });
  /** Each entry of a list: from the split text one at a time, else from the skeleton; false at a problem. */
  const each = <T>(top: string, sub: string, fromSkeleton: T[] | undefined, fn: (x: T, i: number) => void): boolean => {
    const ranges = split.lists.get(`${top}/${sub}`);
    if (!ranges) {
      (fromSkeleton ?? []).forEach(fn);
      return true;
    }
    for (let k = 0, i = 0; k < ranges.length; k += 2, i++) {
      const text = src.text(ranges[k], ranges[k + 1]);
      // (YAML only: JSON.parse of a whole domain measured no worse than its associations one by one)
      const pieces = sub === 'maintenance-domain' && opts.format === 'yaml' && text.length > SUBSPLIT_CHARS ? domainPieces(text, opts) : undefined;
      let entry: unknown;
      if (pieces) entry = splitDomainEntry(pieces, opts); // (schema-checked in its pieces)
      else {
        entry = parsePiece(text, opts, ENTRY_DEPTH);
        if (opts.format === 'yaml') entry = Array.isArray(entry) && entry.length === 1 ? entry[0] : undefined;
        if (entry !== undefined && !schemaValidAt(SCHEMA, ITEM_SCHEMA[sub], entry)) return false;
      }
      if (entry === undefined) return false;
      try {
        fn(entry as T, i);
      } catch (err) {
        if (err === PIECE_FAILED) return false;
        throw err;
      }
    }
    return true;
  };
  const cfm = skel[cfmKey] ?? {};
  const cp = skel['cpu-protection'] ?? {};
  const ok = each(cfmKey, 'maintenance-domain', cfm['maintenance-domain'], (d, i) => b.domain(d, i)) &&
    each(cfmKey, 'maintenance-group', cfm['maintenance-group'], (g, i) => b.group(g, i)) &&
    each(cfmKey, 'mip', cfm.mip, (m, i) => b.mip(m, i));
  if (!ok) return undefined;
  (cp.policy ?? []).forEach((p, i) => b.policy(p, i));
  if (!each('cpu-protection', 'binding', cp.binding, (x, i) => b.binding(x, i))) return undefined;
  (skel['debug-tags'] ?? []).forEach((t, i) => b.debugTag(t, i));
  const n = b.finish();
  if (n.issues.length || (hooks && !hooks.valid(n.model)) || checkModel(n.model, () => '').length) return undefined;
  return n.model;
}
