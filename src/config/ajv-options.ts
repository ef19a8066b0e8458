/**
 * What the schema validators are compiled with, shared by the build-time generator
 * (scripts/gen-validators.ts, ajv standalone code into src/config/generated/) and the run-time
 * fallback in ajv.ts: the same options and the same sub-schemas give the same errors either way.
 * Kept apart from ajv.ts so that the generator never imports the code it regenerates.
 */
import type { ValidateFunction } from 'ajv';

/** Options of every Ajv2020 instance (draft 2020-12; all errors, each with its schema and data). */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true } as const;

/**
 * The shipped schemas (schema/<file>) precompiled at build time, each with the parts (JSON
 * pointers into it) that get a validator of their own: the streaming loader checks one list
 * entry at a time with them (src/config/stream.ts ITEM_SCHEMA, plus an association). A pointer
 * not listed still works, compiled at run time (slower start-up, same errors).
 */
export const PRECOMPILED: Readonly<Record<string, readonly string[]>> = {
  'cfm-config.schema.json': ['/$defs/domain', '/$defs/association', '/$defs/group', '/$defs/mip', '/$defs/cpuProtection/properties/binding/items'],
  'hw-profile.schema.json': [],
};

/** The file of a schema's precompiled validators: cfm-config.schema.json -> cfm-config.schema.ts. */
export function generatedFileOf(schemaFile: string): string {
  return schemaFile.replace(/\.json$/, '.ts');
}

/** What src/config/generated/<file>.ts exports for one schema. */
export interface GeneratedSchema {
  /** SHA-256 (hex) of schema/<file> as it was compiled: a different file is compiled at run time instead. */
  readonly SCHEMA_SHA256: string;
  /** The validators by JSON pointer into the schema: '' is the whole file, then PRECOMPILED's. */
  readonly validators: Readonly<Record<string, ValidateFunction>>;
}
