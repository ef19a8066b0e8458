/**
 * ConfigError: the typed error for bad configuration. It carries every issue found (not just
 * the first), each with a JSON pointer, a file:line:column when known, the rule and a hint.
 */
import { CfmError } from '../common/errors.js';
import type { ConfigIssue } from './model.js';

export class ConfigError extends CfmError {
  readonly issues: ConfigIssue[];
  readonly fileName?: string;
  constructor(issues: ConfigIssue[], fileName?: string) {
    const where = fileName ? `${fileName}: ` : '';
    const first = issues[0] ? `: ${formatIssue(issues[0])}` : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('CONFIG', `${where}invalid configuration, ${issues.length} problem(s)${first}${more}`);
    this.name = 'ConfigError';
    this.issues = issues;
    if (fileName !== undefined) this.fileName = fileName;
  }
}

/** One line per issue: "file:3:7 /cfm/maintenance-domain/0/md-level: must be <= 7 [schema.maximum] (hint: ...)". */
export function formatIssue(i: ConfigIssue): string {
  const loc = i.location ? `${i.location} ` : '';
  const ptr = i.pointer === '' ? '(document)' : i.pointer;
  const hint = i.hint ? ` (hint: ${i.hint})` : '';
  return `${loc}${ptr}: ${i.message} [${i.rule}]${hint}`;
}
