/**
 * `cfm run CONFIG --backend software`: run the config's MEPs on Linux interfaces in the
 * foreground until SIGINT/SIGTERM or --duration; --json prints one JSON line per fault event and
 * a final status line ({"type":"status", ...}). `cfm status` / `cfm monitor` reach the running
 * process over the offload manager's control socket.
 */
import type { Command } from 'commander';
import { UsageError } from '../../common/errors.js';
import { checkSocketPath, configFileArg, outputFileArg } from './args.js';
import { formatSourcedEvent } from '../../offload/event-stamp.js';
import { assertSocketFree, defaultSocketPath, oamHandlers, serveControl, type ControlServer } from '../../offload/control.js';
import type { ManagerStatus } from '../../offload/status.js';
import { startSoftwareRun } from '../../offload/run/software-run.js';
import { checkTelemetryOptions, startTelemetry } from '../../telemetry/start.js';
import { DATAPATH_CHOICES, type DatapathChoice } from '../../backends/software/bpf-rx.js';

function isDatapathChoice(s: string): s is DatapathChoice {
  return (DATAPATH_CHOICES as readonly string[]).includes(s);
}

interface RunOpts {
  backend: string;
  switch?: string;
  netns?: string;
  duration?: string;
  json?: boolean;
  socket?: string | false;
  realtime?: boolean;
  datapath?: string;
  bpfCapacity?: string;
  debugLog?: string;
  metrics?: string;
  agentx?: string | boolean;
}

function parseDuration(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const v = Number(s);
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`--duration '${s}' is not a positive number of seconds`);
  return v;
}

function statusText(st: ManagerStatus): string {
  const dp = st.datapaths?.map((d) => `${d.port} ${d.datapath}`).join(', ');
  const lines = [`switch ${st.switch} (backend ${st.backend}${dp ? `, datapath ${dp}` : ''})`];
  for (const m of st.meps) {
    lines.push(`  ${m.key} mep ${m.mepId} on ${m.port}${m.vlan ? ` vlan ${m.vlan}` : ''} level ${m.level} ${m.interval} ${m.placement}` +
      `  defects: ${m.defects.length ? m.defects.join(',') : 'none'}  tx ${m.counters.ccmTx} rx ${m.counters.ccmRxValid}`);
    for (const r of m.remotes) lines.push(`    remote ${r.mepId}: ${r.state}${r.rdi ? ' RDI' : ''}${r.mac ? ` ${r.mac}` : ''}`);
  }
  return lines.join('\n');
}

async function run(config: string, o: RunOpts): Promise<void> {
  if (o.backend !== 'software') {
    throw new UsageError(`cfm run drives the software backend only (--backend software); for '${o.backend}' use cfm apply`);
  }
  configFileArg(config);
  if (o.debugLog !== undefined) outputFileArg('--debug-log', o.debugLog);
  const durationS = parseDuration(o.duration);
  const datapath = o.datapath ?? 'auto';
  if (!isDatapathChoice(datapath)) throw new UsageError(`--datapath '${datapath}' is not one of ${DATAPATH_CHOICES.join(', ')}`);
  if (o.bpfCapacity !== undefined && !/^[1-9]\d*$/.test(o.bpfCapacity)) throw new UsageError(`--bpf-capacity '${o.bpfCapacity}' is not a whole number of MEPs (1..8192)`);
  checkTelemetryOptions(o);
  const out = (s: string) => process.stdout.write(s + '\n');
  const socketPath = o.socket === false ? null : o.socket ?? defaultSocketPath();
  if (socketPath) {
    checkSocketPath(socketPath);
    await assertSocketFree(socketPath); // before any interface is opened or CCM sent
  }
  const handle = await startSoftwareRun({
    config,
    switch: o.switch,
    netns: o.netns,
    socketPath: null, // served below, with the OAM handlers
    realtime: o.realtime,
    datapath,
    bpfCapacity: o.bpfCapacity === undefined ? undefined : Number(o.bpfCapacity),
    debugLog: o.debugLog,
    onFault: (e) => out(o.json ? JSON.stringify(e) : formatSourcedEvent(e)),
    onTxStatus: (e) => process.stderr.write(`cfm run: ${e.key}: CCM transmit ${e.ok ? 'recovered' : `failing (${e.code}: ${e.message ?? ''})`}\n`),
  });
  // Control socket: status/plan/monitor plus loopback, linktrace and change (docs/oam-cli.md).
  let control: ControlServer | null = null;
  try {
    if (socketPath) {
      control = await serveControl(socketPath, {
        status: () => handle.status(),
        plan: async () => handle.report.plan,
        subscribe: (fn) => handle.manager.onFault(fn),
        ...oamHandlers(handle.manager),
        // Imported at the first dry-run request: api.js brings the ASIC bindings (koffi), which a
        // software run never needs (start-up, docs/linux.md).
        dryRun: async (cfg) => {
          const [{ dryRunHandler }, { loadModel }] = await Promise.all([import('../../offload/dry-run.js'), import('../../offload/api.js')]);
          return dryRunHandler(handle.manager, loadModel)(cfg);
        },
      });
    }
  } catch (e) {
    await handle.stop();
    throw e;
  }
  const dpInfo = handle.backend.datapathInfo();
  if (dpInfo.fallbackReason) process.stderr.write(`cfm run: receive datapath af-packet: ${dpInfo.fallbackReason}\n`);
  const telemetry = await startTelemetry(handle.manager, { metrics: o.metrics, agentx: o.agentx });
  if (!o.json) {
    const cap = handle.backend.bpfCapacity();
    out(`cfm run: ${handle.report.plan.meps.length} MEPs on ${handle.backend.ports().join(', ')}${o.netns ? ` (netns ${o.netns})` : ''}, ${dpInfo.datapath} receive` +
      `${cap ? ` (maps: ${cap.meps} MEPs, ${cap.peers} peers)` : ''}` +
      `${control ? `; control socket ${control.path}` : ''}; Ctrl-C to stop`);
  }
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (timer) clearTimeout(timer);
      resolve();
    };
    const timer = durationS !== undefined ? setTimeout(done, durationS * 1000) : undefined;
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  try {
    const st = await handle.status();
    out(o.json ? JSON.stringify({ type: 'status', ...st }) : statusText(st));
  } finally {
    await telemetry.close();
    await control?.close();
    await handle.stop();
  }
}

export function register(program: Command): void {
  program
    .command('run')
    .description('run the MEPs of CONFIG on Linux interfaces (ports = interface names) in the foreground')
    .argument('<config>', 'config file (YAML or JSON)')
    .option('--backend <name>', 'datapath: software (AF_PACKET + native CCM scheduler)', 'software')
    .option('--switch <name>', 'which switch of the config to run (default: its only one)')
    .option('--netns <name>', 'network namespace of the interfaces (/run/netns/NAME)')
    .option('--duration <seconds>', 'stop after this many seconds (default: until SIGINT/SIGTERM)')
    .option('--json', 'one JSON line per fault event, then a final JSON status line')
    .option('--socket <path>', 'control socket for cfm status / cfm monitor (default: the standard path)')
    .option('--no-socket', 'do not serve a control socket')
    .option('--realtime', 'run the CCM transmit threads SCHED_FIFO with a locked stack (a second one on another CPU) and the event thread at nice -10 (the default; needs CAP_SYS_NICE, else one warning)')
    .option('--no-realtime', 'keep the CCM transmit thread SCHED_OTHER and the event thread at its nice value')
    .option('--datapath <mode>', 'receive datapath: auto (eBPF tc where it loads, else AF_PACKET), tc, xdp, af-packet', 'auto')
    .option('--bpf-capacity <meps>', 'eBPF datapath: MEP map entries (default: next power of two of 2 x the config\'s MEPs, at least 64); MEPs beyond it run in the engine')
    .option('--debug-log <file>', 'append debug decodes of tagged MEPs/MIPs (cfm debug tag) to FILE')
    .option('--metrics <[addr:]port>', 'serve Prometheus metrics on ADDR:PORT (ADDR default 127.0.0.1; docs/telemetry.md)')
    .option('--agentx [socket]', 'serve the IEEE8021-CFM-MIB through an AgentX master (default /var/agentx/master)')
    .action(async (config: string, o: RunOpts) => run(config, o));
}
