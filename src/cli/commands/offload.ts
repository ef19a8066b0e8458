/**
 * Offload commands (the offload manager, src/offload):
 *   cfm plan CONFIG [--profile NAME] [--switch S] [--backend SPEC] [--json]   per-MEP placement with reasons
 *   cfm apply CONFIG [--profile NAME] --backend mock|vendor:PATH [--state FILE] [--dry-run] [--allow-delete-all] [--follow]
 *   cfm status [--socket PATH] | [--backend mock --state FILE]      MEPs, placement, remotes, defects
 *   cfm monitor [--socket PATH] [-j|--json]                         one line per fault event (JSON lines with -j)
 *   cfm demo [--json]                                               two mock switches, link cut, restore
 * status/monitor talk to the manager of `cfm apply --follow` (or `cfm run`) over its control
 * socket (src/offload/control.ts).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { CfmError, UsageError } from '../../common/errors.js';
import { checkSocketPath, configFileArg, outputFileArg, profileFileArg } from './args.js';
import { assertSocketFree, controlCall, controlMonitor, controlRequest, defaultSocketPath, oamHandlers, serveControl } from '../../offload/control.js';
// offload/api.js (the ASIC bindings), ./kernel.js, offload/demo.js and offload/dry-run.js are
// imported by the commands that use them: `cfm status` and `cfm monitor` start with the control
// socket client alone (start-up, docs/linux.md).
import type { DryRunAnswer } from '../../offload/dry-run.js';
import { resolve as resolvePath } from 'node:path';
import type { BackendCapabilities } from '../../backends/types.js';
import type { CfmModel } from '../../config/model.js';
import { formatPlan, planToJson, table, voeSpecToJson } from '../../offload/format.js';
import { modelSwitches } from '../../offload/planner.js';
import { formatStatus, type ManagerStatus } from '../../offload/status.js';
import { checkTelemetryOptions, startTelemetry, type TelemetryOptions } from '../../telemetry/start.js';
import type { PlanPolicy } from '../../offload/types.js';
import { intervalName } from '../../common/interval.js';
import { stateDir } from '../../debug/state.js';
import { textFileSink } from '../../debug/sinks.js';
import { monitorLine, type StampedFaultEvent } from '../../offload/event-stamp.js';
import { mockPortNames } from '../../offload/ports.js';

interface PolicyOpts {
  reserve?: string;
  prefer?: string;
}

function policyOf(o: PolicyOpts): Partial<PlanPolicy> {
  const p: Partial<PlanPolicy> = {};
  if (o.reserve !== undefined) {
    const n = Number(o.reserve);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--reserve must be a non-negative integer, not '${o.reserve}'`);
    p.reserveVoes = n;
  }
  if (o.prefer !== undefined) {
    if (o.prefer !== 'hardware' && o.prefer !== 'software') throw new UsageError(`--prefer must be hardware or software, not '${o.prefer}'`);
    p.prefer = o.prefer;
  }
  return p;
}

/** `cfm plan --backend`: open the backend, read its capabilities, close it (nothing is written). */
async function liveCapabilities(spec: string, model: CfmModel, sw: string, o: { profile?: string; vendorArgs?: string; state?: string }): Promise<BackendCapabilities> {
  const [{ openBackend, resolveProfile }, { openPlanBackend }] = await Promise.all([import('../../offload/api.js'), import('./kernel.js')]);
  const backend = await openPlanBackend(spec, () => openBackend(spec, { profile: resolveProfile(o.profile, model, sw), statePath: o.state, vendorArgs: o.vendorArgs }));
  try {
    return backend.capabilities();
  } finally {
    await backend.close();
  }
}

/**
 * A persisted mock as `cfm apply --backend mock --state F` opened it: the same profile and port
 * names (from the config when given), or the mock refuses the state file (EVERSION).
 */
async function openPersistedMock(state: string, o: { profile?: string; config?: string; switch?: string }) {
  const { loadModel, openBackend, pickSwitch, resolveProfile } = await import('../../offload/api.js');
  const model = o.config ? loadModel(o.config) : undefined;
  const sw = model ? pickSwitch(model, o.switch) : undefined;
  const profile = resolveProfile(o.profile, model, sw);
  const portNames = model && sw ? mockPortNames(model, sw, profile) : undefined;
  try {
    return openBackend('mock', { profile, statePath: state, ...(portNames ? { portNames } : {}) });
  } catch (e) {
    if (e instanceof CfmError && /EVERSION/.test(e.message)) {
      throw new CfmError('BACKEND', `mock state file ${state} was written by a mock with other options (ports, tables) than profile ${profile.name}${o.config ? ` and ${o.config}` : ''}: give the --config (or --profile) it was applied with`);
    }
    throw e;
  }
}

let stdoutClosed = false;
/** `cfm demo --json | head` closes the pipe early: stop writing instead of crashing on EPIPE. */
function guardStdout(onClose?: () => void): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
    onClose?.();
  });
}
const out = (s: string) => {
  if (!stdoutClosed) process.stdout.write(s + '\n');
};

export function register(program: Command): void {
  program
    .command('plan')
    .description('plan a config: per MEP hardware or software, with the reason for every software placement')
    .argument('<config>', 'config file (YAML/JSON)')
    .option('--profile <name>', 'hardware profile name or file (default: the board profile in the config, else mock-default)')
    .option('--switch <name>', 'switch of the config (default: every switch)')
    .option('--reserve <n>', 'keep N VOEs free')
    .option('--prefer <where>', 'hardware (default) or software')
    .option('--backend <spec>', "plan against a live backend's capabilities: mock | vendor:PATH | linux-bridge[:BRIDGE] (default: the profile alone)")
    .option('--vendor-args <args>', 'open string for a vendor shim')
    .option('--state <file>', 'mock: the ASIC state file')
    .option('--json', 'print the plan as JSON')
    .action(async (config: string, o: { profile?: string; switch?: string; json?: boolean; backend?: string; vendorArgs?: string; state?: string } & PolicyOpts) => {
      const { loadModel, pickSwitch, planConfig, resolveProfile } = await import('../../offload/api.js');
      const model = loadModel(configFileArg(config));
      if (o.profile !== undefined) profileFileArg(o.profile);
      const switches = o.switch ? [pickSwitch(model, o.switch)] : modelSwitches(model).length ? modelSwitches(model) : ['default'];
      if (o.backend && switches.length > 1) throw new UsageError(`--backend plans one switch: choose one with --switch (switches: ${switches.join(', ')})`);
      const caps = o.backend ? await liveCapabilities(o.backend, model, switches[0], o) : undefined;
      const plans = switches.map((sw) => planConfig(model, resolveProfile(o.profile, model, sw), { switch: sw, policy: policyOf(o), capabilities: caps }));
      if (o.json) out(JSON.stringify(plans.length === 1 ? planToJson(plans[0]) : plans.map(planToJson), null, 2));
      else out(plans.map(formatPlan).join('\n\n'));
      process.exitCode = plans.some((p) => p.violations.length) ? 1 : 0;
    });

  program
    .command('apply')
    .description('plan a config and program the backend (all-or-nothing, rolled back on failure); software MEPs run while the process does')
    .argument('<config>', 'config file (YAML/JSON)')
    .option('--profile <name>', 'hardware profile name or file')
    .option('--backend <spec>', 'mock | vendor:PATH | linux-bridge[:BRIDGE]', 'mock')
    .option('--vendor-args <args>', 'open string for a vendor shim')
    .option('--state <file>', 'mock: keep the ASIC state in FILE')
    .option('--switch <name>', 'switch of the config')
    .option('--reserve <n>', 'keep N VOEs free')
    .option('--prefer <where>', 'hardware (default) or software')
    .option('--dry-run', 'print the exact operations against the live state and change nothing')
    .option('--allow-delete-all', 'let an apply delete every VOE (an empty config, or one without any MEP of the VOEs)')
    .option('--follow', 'keep running: software MEPs, hardware events, control socket for status/monitor')
    .option('--socket <path>', 'control socket path (with --follow; with --dry-run: diff against the manager serving it)')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--json', 'print the apply report as JSON')
    .option('--metrics <[addr:]port>', 'with --follow: serve Prometheus metrics on ADDR:PORT (ADDR default 127.0.0.1; docs/telemetry.md)')
    .option('--agentx [socket]', 'with --follow: serve the IEEE8021-CFM-MIB through an AgentX master (default /var/agentx/master)')
    .option('--debug-log <file>', 'with --follow: append debug decodes of tagged MEPs/MIPs (cfm debug tag) to FILE')
    .action(async (config: string, o: { profile?: string; backend: string; vendorArgs?: string; state?: string; switch?: string; follow?: boolean; socket?: string; progress?: boolean; json?: boolean; dryRun?: boolean; allowDeleteAll?: boolean; debugLog?: string } & PolicyOpts & TelemetryOptions) => {
      if (o.dryRun && o.follow) throw new UsageError('--dry-run changes nothing: it cannot --follow');
      configFileArg(config);
      if (o.profile !== undefined) profileFileArg(o.profile);
      if (o.dryRun && o.socket) {
        // against the live state of the manager serving --socket (it reads the config itself)
        const a = (await controlCall(o.socket, { cmd: 'dry-run', config: resolvePath(config) })) as DryRunAnswer;
        out(o.json ? JSON.stringify(a.json, null, 2) : a.text);
        process.exitCode = a.refused ? 1 : 0;
        return;
      }
      if (o.follow) {
        checkSocketPath(o.socket ?? defaultSocketPath());
        await assertSocketFree(o.socket ?? defaultSocketPath()); // before the backend is touched
      }
      if ((o.metrics !== undefined || o.agentx !== undefined) && !o.follow) throw new UsageError('--metrics and --agentx need --follow (telemetry runs while the manager does)');
      if (o.debugLog !== undefined && !o.follow) throw new UsageError('--debug-log needs --follow (decoding runs while the manager does)');
      if (o.debugLog !== undefined) outputFileArg('--debug-log', o.debugLog);
      checkTelemetryOptions(o);
      const [{ loadModel }, { openApplySwitch }, { dryRunApply, dryRunHandler, dryRunToJson, formatDryRun }] =
        await Promise.all([import('../../offload/api.js'), import('./kernel.js'), import('../../offload/dry-run.js')]);
      const sw = await openApplySwitch({
        config, profile: o.profile, backend: o.backend, switch: o.switch, statePath: o.state, vendorArgs: o.vendorArgs, policy: policyOf(o), follow: o.follow,
        // a following manager re-reads `cfm debug tag`s from the state dir, as `cfm run` does
        ...(o.follow ? { opsStateDir: stateDir() } : {}),
        ...(o.debugLog !== undefined ? { debugSink: textFileSink(o.debugLog) } : {}),
      });
      if (o.dryRun) {
        try {
          const d = await dryRunApply(sw.manager, sw.model, { allowDeleteAll: o.allowDeleteAll });
          out(o.json ? JSON.stringify(dryRunToJson(d), null, 2) : formatDryRun(d));
          process.exitCode = d.refused ? 1 : 0;
        } finally {
          await sw.close();
        }
        return;
      }
      const showProgress = o.progress === true || process.stderr.isTTY === true;
      let rep;
      try {
        rep = await sw.apply({
          allowDeleteAll: o.allowDeleteAll,
          onProgress: showProgress ? (p) => process.stderr.write(`\rapply: ${p.done}/${p.total} ${p.op.kind} ${p.op.key}\x1b[K${p.done === p.total ? '\n' : ''}`) : undefined,
        });
      } catch (e) {
        await sw.close();
        throw e;
      }
      if (o.json) {
        out(JSON.stringify({ ...rep, plan: planToJson(rep.plan), ops: rep.ops.map((op) => ({ kind: op.kind, key: op.key })) }, null, 2));
      } else {
        out(formatPlan(rep.plan));
        out('');
        const counts = ['delete', 'update', 'create'].map((k) => `${rep.ops.filter((x) => x.kind === k).length} ${k}`).join(', ');
        out(`applied on ${sw.name} (${sw.backend.kind}): ${counts}, ${rep.adopted.length} adopted unchanged; ${rep.softwareStarted.length} software MEP(s) started`);
        for (const m of rep.moves) out(`moved ${m.key} to ${m.to}${m.seq !== undefined ? ` (continuing at seq ${m.seq})` : ''}`);
      }
      if (!o.follow) {
        const sw1 = rep.plan.meps.filter((m) => m.ccm === 'software').length;
        if (sw1 && !o.json) out(`note: ${sw1} software MEP(s) run only while a manager runs: use --follow (or 'cfm run')`);
        await sw.close();
        return;
      }
      const path = o.socket ?? defaultSocketPath();
      let server;
      try {
        server = await serveControl(path, {
          status: () => sw.status(),
          plan: async () => planToJson(sw.plan()),
          subscribe: (fn) => sw.onFault(fn),
          ...oamHandlers(sw.manager), // loopback, linktrace, change (docs/oam-cli.md)
          dryRun: dryRunHandler(sw.manager, loadModel),
        });
      } catch (e) {
        await sw.close(); // else its timers keep the process alive after the error line
        throw e;
      }
      const telemetry = await startTelemetry(sw.manager, { metrics: o.metrics, agentx: o.agentx });
      process.stderr.write(`cfm: managing ${sw.name}; control socket ${path}; Ctrl-C to stop (hardware MEPs keep running)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await telemetry.close();
      await server.close();
      await sw.close();
    });

  program
    .command('status')
    .description('MEPs, placement, remote MEPs, defects and counters of the running manager (or of a persisted mock)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('--backend <spec>', "read a persisted mock directly when no manager runs ('mock' with --state)")
    .option('--state <file>', 'mock state file')
    .option('--profile <name>', 'profile the mock was opened with (default: the config\'s board profile, else mock-default)')
    .option('--config <file>', 'config the mock state was applied with (its board ports and profile)')
    .option('--switch <name>', 'switch of the config')
    .option('-j, --json', 'print as JSON')
    .action(async (o: { socket?: string; backend?: string; state?: string; profile?: string; config?: string; switch?: string; json?: boolean }) => {
      if (o.backend !== undefined && o.backend !== 'mock') throw new UsageError(`status reads only a persisted mock directly (--backend mock --state FILE), not '${o.backend}'`);
      if (o.backend === 'mock' && !o.state) throw new UsageError('--backend mock needs --state FILE');
      let st: ManagerStatus | null = null;
      try {
        st = (await controlRequest(o.socket ?? defaultSocketPath(), 'status')) as ManagerStatus;
      } catch (e) {
        if (!o.state) throw e;
      }
      if (st) {
        out(o.json ? JSON.stringify(st, null, 2) : formatStatus(st));
        return;
      }
      // no manager: the hardware part, read back from the persisted mock (which must exist:
      // opening a missing one would show an empty table, as if nothing were programmed)
      if (!o.state || !existsSync(o.state)) throw new CfmError('BACKEND', `no manager on ${o.socket ?? defaultSocketPath()} and no mock state file ${o.state}`);
      const backend = await openPersistedMock(o.state, o);
      try {
        const rows = [];
        for (const v of await backend.listVoes()) {
          const s = await backend.readStatus(v.handle);
          rows.push({ handle: v.handle, spec: voeSpecToJson(v.spec), peers: s.peers, counters: s.counters });
        }
        if (o.json) out(JSON.stringify({ backend: 'mock', state: o.state, manager: null, voes: rows }, null, 2));
        else {
          out(`mock ASIC state ${o.state} (no manager running: hardware MEPs only)`);
          out(table(['VOE', 'MEP', 'port', 'interval', 'remote MEPs', 'CCM tx/rx'], rows.map((r) => [
            `#${r.handle}`, r.spec.key, r.spec.port + (r.spec.vlan ? `.${r.spec.vlan}` : ''), intervalName(r.spec.interval),
            r.peers.map((p) => `${p.mepId}:${p.loc ? 'LOC' : p.seen ? 'ok' : 'start'}${p.rdi ? '+rdi' : ''}`).join(' ') || '-',
            `${r.counters.ccmTx}/${r.counters.ccmRxValid}`,
          ])));
        }
      } finally {
        await backend.close();
      }
    });

  program
    .command('monitor')
    .description('print fault events of the running manager as they happen, one line each: wall-clock time, device time, MEP, what (Ctrl-C to stop)')
    .option('--socket <path>', 'control socket of the running manager')
    .option('-j, --json', 'one JSON object per line (iproute2 monitor -j)')
    .action(async (o: { socket?: string; json?: boolean }) => {
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      guardStdout(() => ac.abort());
      const path = o.socket ?? defaultSocketPath();
      await controlMonitor(path, (e) => out(o.json ? JSON.stringify(e) : monitorLine(e as StampedFaultEvent)), ac.signal);
      // the manager went away (stopped, or crashed): say so and fail, so a script watching
      // `cfm monitor` is not left believing no more faults happen (Ctrl-C or a closed pipe: exit 0)
      if (!ac.signal.aborted) throw new CfmError('UNSUPPORTED', `the manager on ${path} stopped; no more events`);
    });

  program
    .command('demo')
    .description('two mock-ASIC switches in the simulator: plan, CCM sessions, fiber break (RDI), cable cut, restore; exit 0 if every expected event happened')
    .option('--config <file>', 'demo config with two switches (default examples/demo.yaml)')
    .option('--json', 'print the fault events as JSON lines (the check summary goes to stderr)')
    .action(async (o: { config?: string; json?: boolean }) => {
      guardStdout();
      const { runDemo } = await import('../../offload/demo.js');
      const r = await runDemo({
        configPath: o.config,
        print: o.json ? undefined : out,
        onEvent: o.json ? (e) => out(JSON.stringify(e)) : undefined,
      });
      if (o.json) process.stderr.write(`${r.ok ? 'demo ok' : 'demo FAILED'}: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} checks passed\n`);
      process.exitCode = r.ok ? 0 : 1;
    });
}
