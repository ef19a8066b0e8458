/**
 * `cfm` imports only the command module(s) its command line names (src/cli/commands/index.ts),
 * for start-up time (docs/linux.md "Start-up"). Checked here: each module's `commands` list is
 * what it really registers; a program built for one command defines that command exactly as the
 * full program does (options, arguments, subcommands, help texts); and what a launch of
 * `cfm status` and `cfm run` really imports (a child process with a module-load hook) leaves
 * out the ASIC bindings, telemetry, the yaml library and ajv's compiler.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandModules, modulesFor } from '../../src/cli/commands/index.js';
import { buildProgram } from '../../src/cli/main.js';
import { PACKAGE_ROOT } from '../../src/config/ajv.js';

/** Everything a user sees of a command: names, arguments, options, descriptions, subcommands. */
function shape(c: Command): unknown {
  return {
    name: c.name(),
    aliases: c.aliases(),
    description: c.description(),
    usage: c.usage(),
    args: c.registeredArguments.map((a) => [a.name(), a.required, a.variadic, a.description, a.defaultValue]),
    options: c.options.map((o) => [o.flags, o.description, o.defaultValue, o.negate]),
    help: c.helpInformation(),
    commands: c.commands.map(shape),
  };
}

describe('lazy command modules', () => {
  it("each module's list is exactly the top-level commands it registers", async () => {
    for (const m of commandModules) {
      const p = new Command();
      (await m.load()).register(p);
      expect(p.commands.map((c) => c.name()).sort(), m.commands.join(',')).toEqual([...m.commands].sort());
    }
  });

  it('a program built for one command defines it exactly as the full program does', async () => {
    const full = await buildProgram([]);
    const names = full.commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(25);
    for (const name of names) {
      const some = await buildProgram(['node', 'cfm', name, '--help']);
      expect(some.commands.length, name).toBeLessThan(full.commands.length);
      expect(shape(some.commands.find((c) => c.name() === name)!), name).toEqual(shape(full.commands.find((c) => c.name() === name)!));
    }
  });

  it('no command, an option first, help and a misspelt command load every module', () => {
    for (const argv of [['node', 'cfm'], ['node', 'cfm', '--help'], ['node', 'cfm', 'help', 'run'], ['node', 'cfm', 'stauts'], ['node', 'cfm', '-V']]) {
      expect(modulesFor(argv)).toBe(commandModules);
    }
    expect(modulesFor(['node', 'cfm', 'profile', 'detect']).length).toBe(2); // config.ts and kernel.ts both add to it
  });
});

const run = promisify(execFile);

/** The files a launch imports up to the command's registration (src via tsx, a load hook listing them). */
async function importedBy(command: string): Promise<string[]> {
  const hook = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function load(u, c, n) { if (u.startsWith("file:")) process._rawDebug("LOADED " + u); return n(u, c); }'));`)}`;
  const code = `const m = await import('./src/cli/main.ts'); await m.buildProgram(['node', 'cfm', ${JSON.stringify(command)}]);`;
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', code], { cwd: PACKAGE_ROOT });
  return stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7).replace(`file://${PACKAGE_ROOT}`, ''));
}

describe('what a launch imports', () => {
  it('cfm status: the control-socket client only', async () => {
    const files = await importedBy('status');
    expect(files).toContain('src/offload/control.ts');
    expect(files.filter((f) => /node_modules\/(koffi|prom-client|net-snmp|yaml|js-yaml|ajv)\/|src\/(backends|engine\/mep|sim|telemetry\/(prom|agentx|mib)|config\/generated)/.test(f))).toEqual([]);
    expect(files.length).toBeLessThan(40);
  });

  it('cfm run: the software run, without the ASIC bindings, telemetry servers, yaml library or ajv compiler', async () => {
    const files = await importedBy('run');
    expect(files).toContain('src/offload/run/software-run.ts');
    expect(files).toContain('src/config/generated/cfm-config.schema.ts');
    expect(files.filter((f) => /node_modules\/(koffi|prom-client|net-snmp|yaml)\/|node_modules\/ajv\/dist\/(ajv|2020|core)\.js|src\/(backends\/(asic-binding\/(?!status\.ts)|mock|vendor|linux-bridge)|telemetry\/(prom|metrics-server|agentx|mib)|sim\/)/.test(f))).toEqual([]);
  });
});
