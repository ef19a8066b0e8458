/**
 * Network-namespace fixtures for tests and benchmarks: unique namespace and veth names, created
 * with iproute2 and always removed (afterAll, plus a process-exit safety net for crashes).
 * Needs root; `linuxTestGate()` tells a suite whether to run, and fails loudly in CI (CI=true)
 * when the machine cannot run it, so CI never silently skips.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { addonAvailable } from '../../src/native/addon.js';

const run = promisify(execFile);
const live = new Set<string>();
let seq = 0;

process.on('exit', () => {
  for (const ns of live) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
});

export async function ip(...args: string[]): Promise<string> {
  try {
    const r = await run('ip', args, { timeout: 10_000 });
    return r.stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

export interface Gate {
  run: boolean;
  reason: string;
}

/** Can this process create namespaces and raw sockets? In CI it must. */
export function linuxTestGate(what: string): Gate {
  let reason = '';
  if (process.platform !== 'linux') reason = 'not Linux';
  else if (process.getuid?.() !== 0) reason = 'not root (network namespaces and AF_PACKET need root)';
  else if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) reason = 'iproute2 (ip) is not installed';
  else if (!addonAvailable()) reason = 'the native addon is not built (npm run build:native)';
  if (!reason) return { run: true, reason: '' };
  if (process.env.CI === 'true') {
    throw new Error(`${what}: must run in CI but cannot: ${reason}`);
  }
  console.warn(`\n*** SKIPPING ${what}: ${reason} ***\n`);
  return { run: false, reason };
}

export function uniqueName(prefix: string): string {
  // interface names are at most 15 characters
  const id = `${(process.pid % 10000).toString(36)}${(seq++).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  return `${prefix}${id}`.slice(0, 15);
}

export async function createNetns(prefix = 'cfmt'): Promise<string> {
  const ns = uniqueName(prefix);
  await ip('netns', 'add', ns);
  live.add(ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  return ns;
}

export async function deleteNetns(ns: string): Promise<void> {
  live.delete(ns);
  if (existsSync(`/run/netns/${ns}`)) await ip('netns', 'del', ns).catch(() => undefined);
}

export interface VethLink {
  nsA: string;
  nsB: string;
  ifA: string;
  ifB: string;
  macA: string;
  macB: string;
  /** Set one end down or up (the peer loses carrier too). */
  setLink(side: 'A' | 'B', up: boolean): Promise<void>;
  cleanup(): Promise<void>;
}

/** Two namespaces joined by a veth pair, both ends up. */
export async function createVethLink(prefix = 'cfm'): Promise<VethLink> {
  const nsA = await createNetns(`${prefix}a`);
  let nsB: string | undefined;
  try {
    nsB = await createNetns(`${prefix}b`);
    const ifA = uniqueName('va');
    const ifB = uniqueName('vb');
    await ip('link', 'add', ifA, 'netns', nsA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
    await ip('-n', nsA, 'link', 'set', ifA, 'up');
    await ip('-n', nsB, 'link', 'set', ifB, 'up');
    const mac = async (ns: string, ifname: string) => {
      const out = await ip('-n', ns, '-j', 'link', 'show', ifname);
      return (JSON.parse(out) as { address: string }[])[0].address;
    };
    const macA = await mac(nsA, ifA);
    const macB = await mac(nsB, ifB);
    const b = nsB;
    return {
      nsA, nsB: b, ifA, ifB, macA, macB,
      setLink: async (side, up) => {
        await ip('-n', side === 'A' ? nsA : b, 'link', 'set', side === 'A' ? ifA : ifB, up ? 'up' : 'down');
      },
      cleanup: async () => {
        await deleteNetns(nsA);
        await deleteNetns(b);
      },
    };
  } catch (e) {
    await deleteNetns(nsA);
    if (nsB) await deleteNetns(nsB);
    throw e;
  }
}

/**
 * `n` veth pairs between namespaces `nsA` and `nsB` (names `prefixA...` / `prefixB...`), every end
 * up. Returns the names on each side, pair by pair (the caller removes them with the namespaces).
 */
export async function vethPairs(nsA: string, nsB: string, n: number, prefixA: string, prefixB: string): Promise<{ ours: string[]; theirs: string[] }> {
  const ours: string[] = [];
  const theirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = uniqueName(prefixA);
    const b = uniqueName(prefixB);
    await ip('link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB);
    await ip('-n', nsA, 'link', 'set', a, 'up');
    await ip('-n', nsB, 'link', 'set', b, 'up');
    ours.push(a);
    theirs.push(b);
  }
  return { ours, theirs };
}

/** Resolve when `pred` holds (checked every `stepMs`), or reject after `timeoutMs`. */
export async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number, what: string, stepMs = 2): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
