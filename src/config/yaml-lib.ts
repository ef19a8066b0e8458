/**
 * The yaml library (its node tree, line counter and writer), loaded at its first use. Loading a
 * valid config never needs it: js-yaml parses the data, and the yaml node tree only locates
 * issues (source.ts, json-scan.ts) or writes an export. Importing its ~60 CommonJS files cost
 * 40-60 ms at every launch of `cfm run` on a 2-vCPU VM (start-up, docs/linux.md).
 */
import { createRequire } from 'node:module';

type YamlLib = typeof import('yaml');
let lib: YamlLib | undefined;

export function yamlLib(): YamlLib {
  return (lib ??= createRequire(import.meta.url)('yaml') as YamlLib);
}
