/**
 * Config and profile commands:
 *   cfm validate FILE [--json] [--quiet]      validate a config; one-line summary, exit 0 / issues, exit 1
 *   cfm config export FILE [--json]           print the normalized config (all defaults explicit)
 *   cfm config generate-sp [--meps N]         synthetic service-provider config (examples/sp-1000-meps.yaml)
 *   cfm profile list                          shipped hardware profiles
 *   cfm profile show NAME|FILE [--json]       capability table of a profile
 *   cfm profile validate FILE                 validate an integrator's profile (issues with JSON pointers)
 * `profile` is a shared group: other modules (kernel: `profile detect`) add subcommands to it
 * through profileCommand().
 */
import type { Command } from 'commander';
import { exportConfigText, formatIssue, loadConfig, validateConfig } from '../../config/index.js';
import type { ConfigIssue } from '../../config/index.js';
import { generateSpConfigYaml, MAX_SP_MEPS } from '../../config/generate.js';
import { UsageError } from '../../common/errors.js';
import { configFileArg, profileFileArg } from './args.js';
import { listProfiles, loadProfile, validateProfileFile } from '../../profiles/index.js';
import { formatProfile } from '../../profiles/table.js';

function printIssues(issues: ConfigIssue[], file: string, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ file, valid: false, errors: issues }, null, 2) + '\n');
    return;
  }
  for (const i of issues) process.stderr.write(formatIssue(i) + '\n');
  process.stderr.write(`${file}: ${issues.length} problem(s)\n`);
}

/** The `profile` command group (created on first use, shared with other modules). */
export function profileCommand(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'profile');
  return existing ?? program.command('profile').description('hardware profiles (hw-profiles/*.json)');
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('validate a CFM configuration (YAML or JSON)')
    .argument('<file>', 'config file')
    .option('--json', 'print the result as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      // validate-only: no model kept (src/config/validate.ts), the same issues and summary as loadConfig
      const r = validateConfig(file);
      if (!r.valid) {
        printIssues(r.errors, file, opts.json === true);
        process.exitCode = 1;
        return;
      }
      const summary = r.summary ?? '';
      if (opts.json) process.stdout.write(JSON.stringify({ file, valid: true, summary }) + '\n');
      else process.stdout.write(`${file}: valid: ${summary}\n`);
      process.exitCode = 0;
    });

  const config = program.command('config').description('configuration tools');
  config
    .command('generate-sp')
    .description('print a synthetic service-provider config (YAML) with N local MEPs')
    .option('--meps <n>', 'local MEPs (two per EVC)', '1000')
    .action((opts: { meps: string }) => {
      const meps = Number(opts.meps);
      if (!/^\d+$/.test(opts.meps.trim()) || !Number.isInteger(meps) || meps < 2) throw new UsageError(`--meps must be an integer 2..${MAX_SP_MEPS}, not '${opts.meps}'`);
      if (meps > MAX_SP_MEPS) {
        throw new UsageError(`--meps ${meps}: at most ${MAX_SP_MEPS} MEPs (one VLAN 1..4094 per EVC, two MEPs per EVC, a second up MEP in multipoint EVCs); for more, write several switches`);
      }
      process.stdout.write(generateSpConfigYaml({ meps }));
      process.exitCode = 0;
    });
  config
    .command('export')
    .description('print the normalized configuration (every default explicit)')
    .argument('<file>', 'config file')
    .option('--json', 'JSON instead of YAML')
    .action((file: string, opts: { json?: boolean }) => {
      const r = loadConfig(configFileArg(file));
      if (!r.model) {
        printIssues(r.errors, file, false);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(exportConfigText(r.model, opts.json ? 'json' : 'yaml'));
      process.exitCode = 0;
    });

  const profile = profileCommand(program);
  profile
    .command('list')
    .description('list the shipped hardware profiles')
    .option('--json', 'JSON output: [{name, description} | {name, error}]')
    .action((o: { json?: boolean }) => {
      const rows: Array<{ name: string; description?: string; error?: string }> = [];
      for (const name of listProfiles()) {
        try {
          rows.push({ name, description: loadProfile(name).description });
        } catch (err) {
          rows.push({ name, error: (err as Error).message });
        }
      }
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else for (const r of rows) process.stdout.write(`${r.name.padEnd(14)} ${r.description ?? `INVALID: ${r.error}`}\n`);
      process.exitCode = 0;
    });
  profile
    .command('show')
    .description('show what a profile can do in hardware')
    .argument('<name>', 'profile name (see `cfm profile list`) or path to a profile JSON')
    .option('--json', 'print the typed profile as JSON')
    .action((name: string, opts: { json?: boolean }) => {
      const p = loadProfile(profileFileArg(name));
      if (opts.json) {
        process.stdout.write(JSON.stringify(p, (_k, v: unknown) => (v === Number.POSITIVE_INFINITY ? 'many' : v), 2) + '\n');
      } else process.stdout.write(formatProfile(p) + '\n');
      process.exitCode = 0;
    });
  profile
    .command('validate')
    .description('validate a hardware profile JSON file against schema/hw-profile.schema.json and the profile rules')
    .argument('<file>', 'profile JSON')
    .option('--json', 'print the result as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const issues = validateProfileFile(profileFileArg(file, true));
      if (issues.length) {
        printIssues(issues, file, opts.json === true);
        process.exitCode = 1;
        return;
      }
      const p = loadProfile(file);
      if (opts.json) process.stdout.write(JSON.stringify({ file, valid: true, name: p.name }) + '\n');
      else process.stdout.write(`${file}: valid profile '${p.name}' (${p.vendor} ${p.family})\n`);
      process.exitCode = 0;
    });
}
