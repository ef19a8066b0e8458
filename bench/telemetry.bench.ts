/**
 * Telemetry cost at 100 and 8,192 MEPs on the mock ASIC (all MEPs in hardware VOEs):
 *  - a Prometheus scrape over HTTP (status read back + prom-client exposition): time and size;
 *  - building the SNMP view (status read back + the IEEE8021-CFM-MIB rows);
 *  - a walk of dot1agCfmMepTable through Debian's snmpd (AgentX master, Unix socket) with GetBulk
 *    (net-snmp's client, 50 repetitions per request), when snmpd is installed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import snmp from 'net-snmp';
import type { BenchRow } from './run.js';
import { fleetModel, fleetProfile, withFleetManager } from './mock-fleet.js';
import type { HwProfile } from '../src/profiles/types.js';
import type { OffloadManager } from '../src/offload/manager.js';
import { startAgentx, startMetrics } from '../src/telemetry/index.js';
import { takeSnapshot } from '../src/telemetry/snapshot.js';
import { buildCfmMib } from '../src/telemetry/mib/cfm-mib.js';

export const name = 'telemetry';

/** CCM intervals 100 ms and 1 s in turn, MEPs 1 and 2 in every MA. */
const model = (n: number) => fleetModel(n, { intervals: [3, 4], mepIds: [1, 2] });
const MEP_TABLE = '1.3.111.2.802.1.1.8.1.7.1';

async function best(reps: number, fn: () => Promise<unknown>): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function hasSnmpd(): boolean {
  return ['/usr/sbin/snmpd', '/usr/bin/snmpd'].some((p) => existsSync(p));
}

/** GetBulk walk of `oid` through snmpd; resolves with the number of varbinds. */
function walk(port: number, oid: string): Promise<number> {
  const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 10_000, retries: 0 });
  let n = 0;
  return new Promise((resolve, reject) => {
    s.subtree(oid, 50, (vbs) => {
      n += vbs.length;
    }, (e) => {
      s.close();
      if (e) reject(e);
      else resolve(n);
    });
  });
}

async function snmpWalk(mgr: OffloadManager, rows: BenchRow[], n: number): Promise<void> {
  if (!hasSnmpd()) {
    rows.push({ case: `snmp walk of dot1agCfmMepTable, ${n} MEPs`, value: NaN, unit: 'ms', note: 'snmpd not installed (apt-get install snmpd)' });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cfm-bench-snmpd-'));
  const port = await freePort();
  const sock = join(dir, 'master');
  writeFileSync(join(dir, 'snmpd.conf'), `master agentx\nagentXSocket ${sock}\nagentXTimeout 10\nrocommunity public 127.0.0.1\n`);
  const d = spawn('snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-M', '/nonexistent', '-m', '', `udp:127.0.0.1:${port}`], { stdio: 'ignore' });
  const sub = startAgentx(mgr, { socket: sock, retryMs: 100, log: () => undefined });
  try {
    await sub.whenOpen();
    let vars = 0;
    const ms = await best(2, async () => (vars = await walk(port, MEP_TABLE)));
    rows.push({ case: `snmp bulk walk of dot1agCfmMepTable via snmpd, ${n} MEPs`, value: ms, unit: 'ms', note: `${vars} varbinds, ${(ms * 1000 / vars).toFixed(1)} us each` });
  } finally {
    await sub.close();
    d.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function at(n: number, prof: HwProfile, rows: BenchRow[]): Promise<void> {
  return withFleetManager(prof, 'telemetry', async (mgr) => {
    await mgr.apply(model(n));
    const m = await startMetrics(mgr, { port: 0 });
    try {
      let bytes = 0;
      let series = 0;
      const ms = await best(5, async () => {
        const body = await (await fetch(m.url)).text();
        bytes = Buffer.byteLength(body);
        series = body.split('\n').filter((l) => l && !l.startsWith('#')).length;
      });
      rows.push({ case: `Prometheus scrape (HTTP), ${n} MEPs`, value: ms, unit: 'ms', note: `${series} series` });
      rows.push({ case: `Prometheus scrape size, ${n} MEPs`, value: bytes / 1024, unit: 'KiB', note: `${(bytes / n).toFixed(0)} bytes/MEP` });
    } finally {
      await m.close();
    }
    const st = await best(5, () => mgr.status());
    rows.push({ case: `manager.status() alone, ${n} MEPs`, value: st, unit: 'ms', note: 'part of every scrape and view rebuild' });
    const viewMs = await best(5, async () => buildCfmMib(await takeSnapshot(mgr), null));
    const size = buildCfmMib(await takeSnapshot(mgr), null).size;
    rows.push({ case: `SNMP view rebuild (status + MIB rows), ${n} MEPs`, value: viewMs, unit: 'ms', note: `${size} variables; at most once per second` });
    await snmpWalk(mgr, rows, n);
  });
}

export async function run(): Promise<BenchRow[]> {
  const prof = fleetProfile();
  const rows: BenchRow[] = [];
  await at(100, prof, rows);
  await at(8192, prof, rows);
  return rows;
}
