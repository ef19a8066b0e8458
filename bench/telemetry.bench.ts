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
import { MockAsicBackend } from '../src/backends/mock/backend.js';
import type { CfmModel, LocalMep } from '../src/config/model.js';
import type { IntervalCode } from '../src/common/interval.js';
import { VirtualClock } from '../src/common/clock.js';
import { encodeMaid } from '../src/pdu/maid.js';
import { loadProfile } from '../src/profiles/index.js';
import type { HwProfile } from '../src/profiles/types.js';
import { OffloadManager } from '../src/offload/manager.js';
import { startAgentx, startMetrics } from '../src/telemetry/index.js';
import { takeSnapshot } from '../src/telemetry/snapshot.js';
import { buildCfmMib } from '../src/telemetry/mib/cfm-mib.js';

export const name = 'telemetry';

const PORTS = 4;
const MEP_TABLE = '1.3.111.2.802.1.1.8.1.7.1';

/** n point-to-point MAs in one MD, one local MEP each (remote MEP 2), spread over 4 ports. */
export function model(n: number): CfmModel {
  const intervals: IntervalCode[] = [3, 4];
  const associations = Array.from({ length: n }, (_, i) => {
    const id = `ma${i}`;
    const maid = encodeMaid({ md: { format: 4, name: 'md' }, ma: { format: 2, name: id } });
    const mep: LocalMep = {
      key: `md/${id}/1`, mepId: 1, domainId: 'md', associationId: id, groupId: 'g', switch: 'default', level: 5,
      interval: intervals[i % 2], vlan: 1 + (i % 4094), maid, port: `p${Math.floor(i / 4094)}`, direction: 'down', enabled: true,
      macAddress: '02:00:00:00:00:01', ccmLtmPriority: 7, ccmEnabled: true, lowestAlarmPriority: 2, fngAlarmTimeMs: 2500,
      fngResetTimeMs: 10000, portStatusTlv: false, interfaceStatusTlv: false, senderIdPermission: 'none', remoteMepIds: [2], placement: 'auto',
    };
    return {
      id, domainId: 'md', key: `md/${id}`, name: { format: 2, name: id } as const, maid, level: 5, interval: mep.interval, vlan: mep.vlan,
      mepIds: [1, 2], meps: [mep], mhfCreation: 'none' as const, senderIdPermission: 'none' as const,
    };
  });
  return {
    domains: [{ id: 'md', name: { format: 4, name: 'md' }, level: 5, mhfCreation: 'none', senderIdPermission: 'none', associations }],
    mips: [], cpuProtection: { policies: [], bindings: [] }, debugTags: [], switches: [{ name: 'default' }],
  };
}

export function bigProfile(): HwProfile {
  const p = loadProfile('mock-default');
  return { ...p, ports: Array.from({ length: PORTS }, (_, i) => `p${i}`), portCount: PORTS, voes: { ...p.voes, service: 8192, up: 8192, down: 8192 + PORTS }, ccmTx: 'hardware', injectorBudgetFps: null };
}

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
  const b = new MockAsicBackend({ ports: prof.ports, portVoes: PORTS, serviceVoes: 8192, ccmTxMode: 'hardware', instance: `bench-telemetry-${Math.random()}` });
  const mgr = new OffloadManager({ backend: b, profile: prof, clock: new VirtualClock() });
  try {
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
  } finally {
    await mgr.close();
    await b.close();
  }
}

export async function run(): Promise<BenchRow[]> {
  const prof = bigProfile();
  const rows: BenchRow[] = [];
  await at(100, prof, rows);
  await at(8192, prof, rows);
  return rows;
}
