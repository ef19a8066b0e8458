/**
 * `cfm sim SCENARIO.yaml [--json] [--quiet]`: run a scenario in virtual time (docs/sim.md) and
 * print the timeline (fault events, steps, results, expectations) and the final MEP status.
 * --json prints one JSON object per line instead (fault events in the engine's event shape,
 * step records with type step/result/expect, then {"type":"status"} and {"type":"summary"}).
 * Exit 1 when an expectation fails; bad scenario or config -> message on stderr, exit 1.
 */
import type { Command } from 'commander';
import { formatEvent } from '../../engine/events.js';
import { formatRecord, loadScenario, runScenario, statusTable, type ScenarioRecord } from '../../sim/scenario.js';

function jsonReplacer(_k: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v;
}

export function register(program: Command): void {
  program
    .command('sim')
    .description('run a network simulation scenario in virtual time (examples/scenarios/*.yaml)')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--json', 'print events and results as JSON lines')
    .option('--quiet', 'print only failures and the summary')
    .action((file: string, opts: { json?: boolean; quiet?: boolean }) => {
      const sc = loadScenario(file);
      const out = (s: string): void => {
        process.stdout.write(s + '\n');
      };
      const onRecord = (r: ScenarioRecord): void => {
        if (opts.quiet) return;
        out(opts.json ? JSON.stringify(r, jsonReplacer) : formatRecord(r, formatEvent));
      };
      if (!opts.json && !opts.quiet) out(`# ${sc.name} (${sc.switches.length} switches, ${sc.links.length} links, ${sc.steps.length} steps, ${sc.durationNs / 1e9} s)`);
      const res = runScenario(sc, { onRecord });
      // expectations, and step results judged against their expect-* options
      const passed = res.records.filter((r) => 'type' in r && (r.type === 'expect' || r.type === 'result') && (r as { ok?: boolean }).ok === true).length;
      if (opts.json) {
        out(JSON.stringify({ type: 'status', atNs: res.endNs, meps: res.status }, jsonReplacer));
        out(JSON.stringify({ type: 'summary', ok: res.failures.length === 0, expectationsPassed: passed, failures: res.failures }));
      } else {
        if (!opts.quiet) out(`\nfinal status at ${res.endNs / 1e9} s:\n${statusTable(res.status)}`);
        for (const f of res.failures) process.stderr.write(`FAILED ${f}\n`);
        out(res.failures.length ? `${res.failures.length} expectation(s) failed, ${passed} passed` : `all ${passed} expectation(s) passed`);
      }
      process.exitCode = res.failures.length ? 1 : 0;
    });
}
