/**
 * `--metrics [ADDR:]PORT` and `--agentx [SOCKET]` values. Metrics listen on 127.0.0.1 unless an
 * address is given (a fleet scraper on another host is an explicit choice); AgentX defaults to
 * net-snmp's master socket.
 */
import { isIP } from 'node:net';
import { UsageError } from '../common/errors.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';
/** net-snmp's default AgentX master socket (snmpd.conf `agentXSocket`). */
export const DEFAULT_AGENTX_SOCKET = '/var/agentx/master';

/** "9464", "0.0.0.0:9464", "[::1]:9464", "localhost:9464". Port 0 = any free port. */
export function parseListenAddress(spec: string, what = '--metrics'): ListenAddress {
  const s = spec.trim();
  let host = DEFAULT_METRICS_HOST;
  let portText = s;
  const m = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (m) {
    host = m[1];
    portText = m[2];
    if (isIP(host) !== 6) throw new UsageError(`${what} '${spec}': '${host}' is not an IPv6 address`);
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    portText = s.slice(i + 1);
    if (host === '' || host.includes(':')) throw new UsageError(`${what} '${spec}': write an IPv6 address as [ADDR]:PORT`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new UsageError(`${what} '${spec}': the port must be a number 0..65535, not '${portText}'`);
  }
  return { host, port: Number(portText) };
}

/**
 * AgentX master address (RFC 2741 8.2.1, net-snmp agentXSocket syntax): a Unix socket path
 * ("/var/agentx/master", "unix:/path") or "tcp:HOST:PORT" / "HOST:PORT".
 */
export type AgentxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export function parseAgentxAddress(spec: string | true | undefined): AgentxAddress {
  if (spec === undefined || spec === true || spec === '') return { kind: 'unix', path: DEFAULT_AGENTX_SOCKET };
  const s = spec.trim();
  if (s.startsWith('unix:')) return { kind: 'unix', path: s.slice(5) };
  if (s.startsWith('/') || s.startsWith('.')) return { kind: 'unix', path: s };
  const t = s.startsWith('tcp:') ? s.slice(4) : s;
  if (!t.includes(':')) throw new UsageError(`--agentx '${spec}': give a socket path, or tcp:HOST:PORT`);
  const a = parseListenAddress(t, '--agentx');
  if (a.port === 0) throw new UsageError(`--agentx '${spec}': port 0 is not a master agent's port`);
  return { kind: 'tcp', host: a.host, port: a.port };
}

export function formatAgentxAddress(a: AgentxAddress): string {
  return a.kind === 'unix' ? a.path : `tcp:${a.host}:${a.port}`;
}
