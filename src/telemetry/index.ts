/** Fleet telemetry (docs/telemetry.md): Prometheus metrics and the IEEE8021-CFM-MIB over AgentX. */
export { startMetrics, type MetricsOptions, type MetricsServer } from './metrics-server.js';
export { observe, ManagerObserver, type ApplyKind, type ApplyStats, type OamRecord } from './observer.js';
export { takeSnapshot, type TelemetrySnapshot, type MepView, type MdView, type MaView } from './snapshot.js';
export { parseListenAddress, parseAgentxAddress, formatAgentxAddress, DEFAULT_AGENTX_SOCKET, type ListenAddress, type AgentxAddress } from './listen.js';
export { startAgentx, type AgentxOptions, type AgentxSubagent } from './agentx-agent.js';
export { startTelemetry, checkTelemetryOptions, type Telemetry, type TelemetryOptions } from './start.js';
