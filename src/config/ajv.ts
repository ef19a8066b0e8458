/**
 * JSON Schema (draft 2020-12) validation with ajv for the shipped schemas in schema/, turning
 * ajv's errors into ConfigIssues (JSON pointer, rule "schema.<keyword>", message, hint).
 * Shared by the config loader and the hardware-profile loader.
 *
 * The validators are precompiled at build time (ajv standalone code in generated/, made by
 * scripts/gen-validators.ts): compiling the config schema cost 175-230 ms at every launch. A
 * schema file that differs from the one compiled (its SHA-256), or a part of it not precompiled,
 * is compiled here at run time with the same options (ajv-options.ts): same errors, slower start.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ConfigIssue } from './model.js';
import { AJV_OPTIONS } from './ajv-options.js';
import { GENERATED } from './generated/index.js';

/** Package root (works from src/config and from dist/config: both are two levels deep). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function schemaPath(file: string): string {
  return join(PACKAGE_ROOT, 'schema', file);
}

const cache = new Map<string, ValidateFunction>();
/** Run-time compilers, per schema file (only for a schema or part not precompiled). */
const compilers = new Map<string, { ajv: Ajv2020; id: string }>();
/** Per schema file: its precompiled validators when they were made from this very file, else null. */
const precompiled = new Map<string, Readonly<Record<string, ValidateFunction>> | null>();

function precompiledFor(file: string): Readonly<Record<string, ValidateFunction>> | null {
  let p = precompiled.get(file);
  if (p === undefined) {
    const gen = GENERATED[file];
    p = gen && createHash('sha256').update(readFileSync(schemaPath(file))).digest('hex') === gen.SCHEMA_SHA256 ? gen.validators : null;
    precompiled.set(file, p);
  }
  return p;
}

/** ajv itself, loaded only when something must be compiled at run time (~40 ms to import). */
function compilerFor(file: string): { ajv: Ajv2020; id: string } {
  let c = compilers.get(file);
  if (!c) {
    const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const schema = JSON.parse(readFileSync(schemaPath(file), 'utf8')) as { $id?: string };
    const id = schema.$id ?? file;
    const ajv = new Ajv(AJV_OPTIONS);
    if (schema.$id) ajv.addSchema(schema);
    else ajv.addSchema(schema, id);
    c = { ajv, id };
    compilers.set(file, c);
  }
  return c;
}

/**
 * The validator of schema/<file> at `pointer` ('' = the whole file): precompiled when it can be,
 * else ajv's getSchema(`$id#pointer`) (the same sub-schema the generator exported).
 */
function validatorAt(file: string, pointer: string): ValidateFunction {
  const key = `${file}#${pointer}`;
  let v = cache.get(key);
  if (!v) {
    v = precompiledFor(file)?.[pointer];
    if (!v) {
      const { ajv, id } = compilerFor(file);
      v = ajv.getSchema(pointer ? `${id}#${pointer}` : id);
      if (!v) throw new Error(`no ${pointer} in schema/${file}`);
    }
    cache.set(key, v);
  }
  return v;
}

/** Validate `data` against schema/<file>; [] when valid. */
export function schemaIssues(file: string, data: unknown): ConfigIssue[] {
  const validate = validatorAt(file, '');
  if (validate(data)) return [];
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const issue = toIssue(e);
    const k = `${issue.pointer}|${issue.rule}|${issue.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(issue);
  }
  return out;
}

/**
 * Whether `data` is valid against a part of schema/<file> (a JSON pointer into it, such as
 * `/$defs/domain`): the streaming loader checks one list entry at a time with the same rules.
 */
export function schemaValidAt(file: string, pointer: string, data: unknown): boolean {
  return validatorAt(file, pointer)(data) === true;
}

/** Longest value echoed in a message, in characters. */
export const ECHO_MAX = 64;

/**
 * A value as a message shows it, bounded: short scalars as JSON, a long string cut to ECHO_MAX
 * characters with its length, arrays and objects by their size (a 3 MB value in an error line
 * helps no one, and stringifying a deeply nested one overflows the stack).
 */
export function preview(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length} item(s)`;
  if (v !== null && typeof v === 'object') return `an object with ${Object.keys(v).length} key(s)`;
  if (typeof v === 'string' && v.length > ECHO_MAX) return `${JSON.stringify(v.slice(0, ECHO_MAX))}... (${v.length} characters)`;
  return JSON.stringify(v) ?? String(v);
}

/** A name for a message, quoted up to ECHO_MAX characters: 'name' or 'long...' (N characters). */
function cutText(s: string): string {
  return s.length <= ECHO_MAX ? `${s}'` : `${s.slice(0, ECHO_MAX)}...' (${s.length} characters)`;
}

function esc(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function toIssue(e: ErrorObject): ConfigIssue {
  const issue = baseIssue(e);
  if (issue.hint === undefined) {
    // Fall back on the schema's own description of the value, else a generic hint.
    const desc = (e.parentSchema as { description?: string } | undefined)?.description;
    const p = e.params as Record<string, unknown>;
    issue.hint = desc ?? (e.keyword === 'maximum' || e.keyword === 'minimum' ? `use a value ${String(p.comparison)} ${String(p.limit)}`
      : e.keyword === 'type' ? `write a ${String(p.type).replace(/,/g, ' or ')}`
      : e.keyword === 'pattern' ? 'see the schema (schema/*.schema.json) for the allowed form'
      : e.keyword === 'maxItems' ? `at most ${String(p.limit)} items` : 'see docs/config.md');
  }
  return issue;
}

function baseIssue(e: ErrorObject): ConfigIssue {
  const rule = `schema.${e.keyword}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { pointer: e.instancePath, rule, message: `missing required property '${String(p.missingProperty)}'`, hint: `add '${String(p.missingProperty)}'` };
    case 'additionalProperties': {
      const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        pointer: `${e.instancePath}/${esc(String(p.additionalProperty))}`,
        rule,
        message: `unknown property '${cutText(String(p.additionalProperty))}`,
        hint: props.length ? `allowed here: ${props.join(', ')}` : 'remove it',
      };
    }
    case 'enum':
      return { pointer: e.instancePath, rule, message: `${preview(e.data)} is not allowed`, hint: `use one of: ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}` };
    case 'type':
      return { pointer: e.instancePath, rule, message: `${preview(e.data)} must be ${String(p.type).replace(/,/g, ' or ')}` };
    case 'minimum':
    case 'maximum':
      return { pointer: e.instancePath, rule, message: `${preview(e.data)} must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'pattern':
      return { pointer: e.instancePath, rule, message: `${preview(e.data)} does not match ${String(p.pattern)}` };
    default:
      return { pointer: e.instancePath, rule, message: `${e.data === undefined ? '' : preview(e.data) + ' '}${e.message ?? 'is invalid'}` };
  }
}
