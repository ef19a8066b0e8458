/**
 * The configuration component: load a YAML/JSON config (IEEE 802.1Qcx YANG names), validate it
 * (JSON Schema + semantic rules) and hand out the normalized model; export a model back.
 *
 *   const { model, errors } = loadConfig('examples/demo.yaml');
 *   if (!model) for (const e of errors) console.error(formatIssue(e));
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { yamlLib } from './yaml-lib.js';
import { schemaIssues } from './ajv.js';
import { checkModel } from './checks.js';
import { ConfigError } from './errors.js';
import { exportDocument } from './export.js';
import type { CfmModel, ConfigIssue } from './model.js';
import { normalize } from './normalize.js';
import type { RawConfig } from './raw.js';
import { formatFromName, locator, parseData } from './source.js';
import { streamLoad } from './stream.js';
import { MepValidator } from './validate.js';
import type { ModelCounts } from './validate.js';
import { fileSource, stringSource } from './text-source.js';
import type { TextSource } from './text-source.js';
import type { ParsedData } from './source.js';
import type { ConfigFormat } from './source.js';

export type * from './model.js';
export { DEFAULT_SWITCH } from './model.js';
export { ConfigError, formatIssue } from './errors.js';
export { parseNumberSet, formatNumberSet } from './ranges.js';
export type { ConfigFormat } from './source.js';

export interface LoadResult {
  /** The model, or null when there is any error (never hand a half-valid model to a backend). */
  model: CfmModel | null;
  errors: ConfigIssue[];
}

export interface ParseOptions {
  /** 'yaml' or 'json'; default from fileName's extension (YAML when unknown). */
  format?: ConfigFormat;
  /** Used in locations ("file:line:column") and messages. */
  fileName?: string;
  /**
   * Default true: a valid text is parsed one list entry at a time (stream.ts, memory near the
   * text size); false parses the whole document at once (the same result; tests compare the two).
   */
  stream?: boolean;
}

/** Parse and validate config text. */
export function parseConfig(text: string, opts: ParseOptions = {}): LoadResult {
  const fileName = opts.fileName ?? '<input>';
  const format = opts.format ?? formatFromName(opts.fileName);
  if (opts.stream !== false) {
    const streamed = streamLoad(stringSource(text), { format, fileName, ...(fileName !== '<input>' ? { baseDir: dirname(fileName) } : {}) });
    if (streamed) return { model: streamed, errors: [] };
  }
  return validateParsed(parseData(text, fileName, format), { ...opts, fileName, format }, () => text);
}

/** Read and validate a config file (.yaml/.yml/.json); `stream: false` as in parseConfig. */
export function loadConfig(path: string, opts: { stream?: boolean } = {}): LoadResult {
  const format = formatFromName(path);
  const streamed = opts.stream === false ? undefined : streamFile(path, format);
  if (streamed) return { model: streamed, errors: [] };
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { model: null, errors: [{ pointer: '', rule: 'file', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  const parsed = parseData(text, path, format);
  text = undefined; // out of reach from here on: validation holds the data, not the text
  // Issue locations read the file again: only a config with issues pays for it.
  return validateParsed(parsed, { fileName: path, format }, () => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  });
}

/**
 * A valid config file loaded in pieces (stream.ts: never the whole text or raw tree in memory);
 * undefined when it cannot be read that way or has any issue (the whole-document loader reports them).
 */
function streamFile(path: string, format: ConfigFormat): CfmModel | undefined {
  let src: TextSource;
  try {
    src = fileSource(path);
  } catch {
    return undefined; // the whole-document loader says why it cannot be read
  }
  try {
    return streamLoad(src, { format, fileName: path, baseDir: dirname(path) });
  } catch {
    return undefined; // a read error midway: the whole-document loader reports it
  } finally {
    src.close();
  }
}

/**
 * Schema, normalize and semantic checks of parsed data. normalize() consumes the raw tree as it
 * builds the model, so the raw data and the model are not both whole at once (issue 11 item 25).
 */
function validateParsed(parsed: ParsedData, opts: ParseOptions & { fileName: string; format: ConfigFormat }, text: () => string): LoadResult {
  const { fileName, format } = opts;
  if (parsed.issues.length) return { model: null, errors: parsed.issues };
  let data: unknown = parsed.data ?? {};
  parsed.data = undefined;
  if (format === 'json' && (typeof data !== 'object' || Array.isArray(data))) {
    return { model: null, errors: [{ pointer: '', rule: 'schema.type', message: 'a config is a JSON object', location: `${fileName}:1:1` }] };
  }
  const errors = schemaIssues('cfm-config.schema.json', data);
  if (errors.length === 0) {
    const built = buildModel(data as RawConfig, fileName);
    if (built.model) return built;
    errors.push(...built.errors);
  }
  data = undefined; // before the text is read again for locations
  if (parsed.unlocatable) return { model: null, errors };
  const locs = locator(text(), fileName, format)(errors.map((e) => e.pointer));
  errors.forEach((e, i) => {
    const loc = locs[i];
    if (loc) e.location = loc;
  });
  return { model: null, errors };
}

/** Normalize (consuming the raw tree) and check; the model only when there is no issue. */
function buildModel(raw: RawConfig, fileName: string): LoadResult {
  const n = normalize(raw, { ...(fileName !== '<input>' ? { baseDir: dirname(fileName) } : {}), consume: true });
  const errors = [...n.issues, ...checkModel(n.model, (o) => n.pointers.get(o) ?? '')];
  return { model: errors.length ? null : n.model, errors };
}

export interface ValidateResult {
  valid: boolean;
  /** Every issue (with pointer and location) when not valid; as loadConfig gives them. */
  errors: ConfigIssue[];
  /** summarize() of the model loadConfig would give, when valid. */
  summary?: string;
}

/**
 * Validate a config file without keeping its model (validate.ts: peak memory about the file
 * size); the same answer, issues and summary as loadConfig. A config with an issue, or one the
 * validate-only path does not handle, is loaded instead, which reports every issue.
 */
export function validateConfig(path: string): ValidateResult {
  const format = formatFromName(path);
  const v = new MepValidator();
  let model: CfmModel | undefined;
  let src: TextSource | undefined;
  try {
    src = fileSource(path);
    model = streamLoad(src, { format, fileName: path, baseDir: dirname(path) }, v);
  } catch {
    model = undefined; // not readable, or a read error midway: the loader reports it
  } finally {
    src?.close();
  }
  if (model) {
    const associations = model.domains.reduce((s, d) => s + d.associations.length, 0);
    return { valid: true, errors: [], summary: summaryText({ domains: model.domains.length, associations, meps: v.meps, enabledMeps: v.enabledMeps, mips: model.mips.length, switches: model.switches.length }) };
  }
  // Declined: the streaming loader may still take it whole; otherwise it has an issue or does not
  // split, and the streaming loader would give up on it again: the whole-document loader at once.
  const r = loadConfig(path, v.declined ? {} : { stream: false });
  return r.model ? { valid: true, errors: [], summary: summarize(r.model) } : { valid: false, errors: r.errors };
}

/** loadConfig that throws a ConfigError (with every issue) instead of returning errors. */
export function loadConfigOrThrow(path: string): CfmModel {
  const r = loadConfig(path);
  if (!r.model) throw new ConfigError(r.errors, path);
  return r.model;
}

/** Semantic validation of a model built in code; pointers refer to the exportConfig layout. */
export function validateModel(model: CfmModel): ConfigIssue[] {
  const { pointers } = exportDocument(model);
  return checkModel(model, (o) => pointers.get(o) ?? '');
}

/** The config document for a model (plain object in the file shape; YAML/JSON stringify it). */
export function exportConfig(model: CfmModel): object {
  return exportDocument(model).doc;
}

/** A model written as YAML or JSON text. */
export function exportConfigText(model: CfmModel, format: ConfigFormat = 'yaml'): string {
  const doc = exportDocument(model).doc;
  return format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : yamlLib().stringify(doc, { lineWidth: 0 });
}

/** One-line summary: "3 domains, 4 associations, 6 MEPs (5 enabled), 2 MIPs, 2 switches". */
export function summarize(model: CfmModel): string {
  const assocs = model.domains.flatMap((d) => d.associations);
  const meps = assocs.flatMap((a) => a.meps);
  const enabledMeps = meps.filter((m) => m.enabled).length;
  return summaryText({ domains: model.domains.length, associations: assocs.length, meps: meps.length, enabledMeps, mips: model.mips.length, switches: model.switches.length });
}

function summaryText(c: ModelCounts): string {
  return `${c.domains} domains, ${c.associations} associations, ${c.meps} MEPs (${c.enabledMeps} enabled), ${c.mips} MIPs` +
    (c.switches > 1 ? `, ${c.switches} switches` : '');
}
