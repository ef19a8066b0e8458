/**
 * Real servers for the telemetry tests, from Debian's packages: Prometheus, snmpd (AgentX
 * master) and snmptrapd. Each runs on 127.0.0.1 with a free port and its own temp dir, and is
 * stopped by the test.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, stepMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface Daemon {
  dir: string;
  port: number;
  proc: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

function daemon(cmd: string, args: string[], dir: string, port: number): Daemon {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  return {
    dir, port, proc, log: () => log,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        rmSync(dir, { recursive: true, force: true });
        resolve();
        return;
      }
      proc.once('exit', () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      proc.kill('SIGTERM');
    }),
  };
}

/** Prometheus scraping `targets` (host:port) every second. */
export async function startPrometheus(targets: string[]): Promise<Daemon & { query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-prom-'));
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: cfm',
    `    static_configs: [ { targets: [${targets.map((t) => `'${t}'`).join(', ')}] } ]`,
    '',
  ].join('\n'));
  const d = daemon('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], dir, port);
  const query = async (q: string) => {
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
    const j = (await r.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (j.status !== 'success') throw new Error(`prometheus query ${q}: ${JSON.stringify(j)}`);
    return j.data.result;
  };
  await waitFor('prometheus ready', async () => (await fetch(`http://127.0.0.1:${port}/-/ready`)).ok, 30_000);
  return { ...d, query };
}

/**
 * snmpd as AgentX master (agentXSocket in the temp dir, or tcp) answering SNMPv2c community
 * `public` on 127.0.0.1:PORT (UDP), sending traps to `trapPort` when given.
 */
export async function startSnmpd(o: { agentx: string; trapPort?: number; port?: number }): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-snmpd-'));
  const port = o.port ?? await freePort();
  writeFileSync(join(dir, 'snmpd.conf'), [
    'master agentx',
    `agentXSocket ${o.agentx}`,
    'agentXPerms 0600 0700',
    'rocommunity public 127.0.0.1',
    ...(o.trapPort ? [`trap2sink 127.0.0.1:${o.trapPort} public`] : []),
    '',
  ].join('\n'));
  const d = daemon('snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'snmpd.pid'), '-M', '/nonexistent', '-m', '', `udp:127.0.0.1:${port}`], dir, port);
  await waitFor('snmpd answering', async () => {
    const r = await run('snmpget', ['-v2c', '-c', 'public', '-On', '-t', '0.5', '-r', '0', `127.0.0.1:${port}`, '1.3.6.1.2.1.1.3.0']);
    return r.stdout.includes('1.3.6.1.2.1.1.3.0');
  }, 20_000, 300);
  return d;
}

/** snmptrapd printing every notification (numeric OIDs) to its log. */
export async function startSnmptrapd(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-trapd-'));
  const port = await freePort();
  writeFileSync(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
  const d = daemon('snmptrapd', ['-f', '-Lo', '-On', '-C', '-c', join(dir, 'snmptrapd.conf'), '-M', '/nonexistent', '-m', '', `udp:127.0.0.1:${port}`], dir, port);
  await waitFor('snmptrapd started', async () => d.log().includes('NET-SNMP version') || d.log().length > 0, 10_000);
  return d;
}

export const snmpArgs = (port: number) => ['-v2c', '-c', 'public', '-On', '-Oe', '-t', '2', '-r', '1', '-M', '/nonexistent', '-m', '', `127.0.0.1:${port}`];

export interface SnmpVar {
  oid: string;
  type: string;
  value: string;
}

/** Lines of snmpwalk / snmpget -On -Oe: ".1.3.6 = TYPE: value" (values may span lines: Hex-STRING). */
export function parseSnmp(out: string): SnmpVar[] {
  const vars: SnmpVar[] = [];
  for (const line of out.split('\n')) {
    const m = /^\.?([\d.]+) = (?:([\w-]+): )?(.*)$/.exec(line);
    if (m) vars.push({ oid: m[1], type: m[2] ?? '', value: m[3].trim() });
    else if (vars.length && line.trim()) vars[vars.length - 1].value += ' ' + line.trim();
  }
  return vars;
}

export async function snmp(cmd: 'snmpwalk' | 'snmpget' | 'snmpbulkwalk', port: number, ...oids: string[]): Promise<SnmpVar[]> {
  const r = await run(cmd, [...snmpArgs(port), ...oids], { maxBuffer: 1 << 28 });
  return parseSnmp(r.stdout);
}
