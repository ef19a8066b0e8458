/**
 * A private Open vSwitch 3.1 for one test: ovsdb-server and ovs-vswitchd started by hand with
 * every run/db/log file in a temporary folder (the Debian service is not used), ovs-vswitchd
 * inside a network namespace with the userspace (netdev) datapath, both stopped by their pid.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vethPairs } from '../linux/netns.js';

const run = promisify(execFile);

export function haveOvs(): boolean {
  return ['ovsdb-server', 'ovs-vswitchd', 'ovsdb-tool', 'ovs-vsctl', 'ovs-appctl'].every(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' }).status === 0,
  );
}

export function ovsSchema(): string {
  return '/usr/share/openvswitch/vswitch.ovsschema';
}

export interface Ovs {
  dir: string;
  /** pid of ovs-vswitchd (`ip netns exec` execs it in place), for CPU accounting. */
  vswitchdPid: number;
  vsctl(...args: string[]): Promise<string>;
  appctl(...args: string[]): Promise<string>;
  /** ovs-vsctl get Interface <if> <column>, parsed loosely (strings unquoted). */
  get(iface: string, column: string): Promise<string>;
  log(): string;
  /** Stop both daemons (by pid) and remove the folder. */
  stop(): Promise<void>;
}

async function waitFile(pred: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`OVS: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
    }, 3000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    process.kill(c.pid!, 'SIGTERM');
  });
}

/** Start ovsdb-server (host namespace) and ovs-vswitchd (inside `netns`). */
export async function startOvs(netns: string): Promise<Ovs> {
  const dir = mkdtempSync(join(tmpdir(), 'cfm-ovs-'));
  const db = join(dir, 'conf.db');
  const sock = join(dir, 'db.sock');
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: '/usr/share/openvswitch' };
  let dbServer: ChildProcess | undefined;
  let vswitchd: ChildProcess | undefined;
  const vsctl = async (...args: string[]) => (await run('ovs-vsctl', [`--db=unix:${sock}`, '--timeout=10', ...args], { env })).stdout.trim();
  const appctl = async (...args: string[]) => (await run('ovs-appctl', ['-t', join(dir, 'vswitchd.ctl'), ...args], { env })).stdout.trim();
  const stop = async () => {
    await stopChild(vswitchd);
    await stopChild(dbServer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ovsdb-tool', ['create', db, ovsSchema()], { env });
    dbServer = spawn('ovsdb-server', [db, `--remote=punix:${sock}`, `--unixctl=${join(dir, 'ovsdb.ctl')}`,
      `--log-file=${join(dir, 'ovsdb.log')}`, `--pidfile=${join(dir, 'ovsdb.pid')}`], { env, stdio: 'ignore' });
    await waitFile(async () => vsctl('--no-wait', 'init').then(() => true, () => false), 10_000, 'ovsdb-server');
    vswitchd = spawn('ip', ['netns', 'exec', netns, 'ovs-vswitchd', `unix:${sock}`, `--unixctl=${join(dir, 'vswitchd.ctl')}`,
      `--log-file=${join(dir, 'vswitchd.log')}`, `--pidfile=${join(dir, 'vswitchd.pid')}`], { env, stdio: 'ignore' });
    await waitFile(async () => appctl('version').then(() => true, () => false), 10_000, 'ovs-vswitchd');
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    vswitchdPid: vswitchd!.pid!,
    vsctl,
    appctl,
    get: async (iface, column) => (await vsctl('get', 'Interface', iface, column)).replace(/"/g, ''),
    log: () => {
      try {
        return readFileSync(join(dir, 'vswitchd.log'), 'utf8');
      } catch {
        return '';
      }
    },
    stop,
  };
}

/**
 * The benches' OVS side: bridge br-cfm (userspace netdev datapath, no in-band rules) in OVS's
 * namespace and `n` veth pairs between `ourNs` and it, all up. Ports are not added to the bridge
 * (each bench sets its own CFM columns). Returns our and OVS's interface names, pair by pair.
 */
export async function ovsBridgeWithVeths(ovs: Ovs, ourNs: string, ovsNs: string, n: number): Promise<{ ours: string[]; theirs: string[] }> {
  await ovs.vsctl('add-br', 'br-cfm', '--', 'set', 'Bridge', 'br-cfm', 'datapath_type=netdev', 'fail_mode=secure', 'other_config:disable-in-band=true');
  return vethPairs(ourNs, ovsNs, n, 'oa', 'ob');
}
