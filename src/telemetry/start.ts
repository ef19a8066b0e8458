/**
 * What `--metrics [ADDR:]PORT` and `--agentx [SOCKET]` start next to a running manager
 * (`cfm apply --follow`, `cfm run`). Telemetry never stops the manager: a metrics port that
 * cannot be opened is reported and skipped, a missing AgentX master is retried.
 */
import type { OffloadManager } from '../offload/manager.js';
import type { AgentxSubagent } from './agentx-agent.js';
import { parseAgentxAddress, parseListenAddress } from './listen.js';
import type { MetricsServer } from './metrics-server.js';

export interface TelemetryOptions {
  /** `--metrics` value: "[ADDR:]PORT" (ADDR default 127.0.0.1). */
  metrics?: string;
  /** `--agentx` value: true (default socket), a socket path or tcp:HOST:PORT. */
  agentx?: string | boolean;
  /** Status lines; default stderr. */
  log?: (line: string) => void;
}

export interface Telemetry {
  metrics: MetricsServer | null;
  agentx: AgentxSubagent | null;
  close(): Promise<void>;
}

/** Check the option values before anything starts (bad values are USAGE errors). */
export function checkTelemetryOptions(o: TelemetryOptions): void {
  if (o.metrics !== undefined) parseListenAddress(o.metrics);
  if (o.agentx !== undefined && o.agentx !== false) parseAgentxAddress(o.agentx === true ? undefined : o.agentx);
}

export async function startTelemetry(manager: OffloadManager, o: TelemetryOptions): Promise<Telemetry> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  checkTelemetryOptions(o);
  let metrics: MetricsServer | null = null;
  if (o.metrics !== undefined) {
    const a = parseListenAddress(o.metrics);
    try {
      // Imported only when asked for: prom-client and the MIB cost ~60 ms at every launch otherwise.
      const { startMetrics } = await import('./metrics-server.js');
      metrics = await startMetrics(manager, a);
      log(`cfm: Prometheus metrics on ${metrics.url}`);
    } catch (e) {
      log(`cfm: ${e instanceof Error ? e.message : String(e)}; running without metrics`);
    }
  }
  const agentx = o.agentx !== undefined && o.agentx !== false
    ? (await import('./agentx-agent.js')).startAgentx(manager, { socket: o.agentx === true ? undefined : o.agentx, log })
    : null;
  return {
    metrics, agentx,
    close: async () => {
      await metrics?.close();
      await agentx?.close();
    },
  };
}
