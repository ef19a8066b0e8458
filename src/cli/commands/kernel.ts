/**
 * Kernel commands (Linux bridge CFM backend, devlink):
 *   cfm profile detect [--profile NAME] [--netns NS] [--json]   driver (devlink dev info) -> profile
 *   cfm bridge-cfm probe BRIDGE [--netns NS]                    does this kernel have bridge CFM?
 *   cfm bridge-cfm show BRIDGE [--status] [--netns NS] [--json] MEPs as the kernel holds them
 *   cfm devlink show [--netns NS] [--json]                      devices, drivers, ports
 *   cfm devlink policer show DEV [--json]                       trap policers (DEV = bus/dev)
 *   cfm devlink policer set DEV ID [--rate PPS] [--burst N]
 *   cfm devlink group set DEV GROUP --policer ID                bind a trap group (0 = unbind)
 * Errors (no bridge CFM, no devlink, kernel refusals with their extack text) go to stderr as one
 * line with a non-zero exit (src/cli/main.ts).
 */
import { ensureStateDir } from '../../common/state-dir.js';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CfmError, UsageError } from '../../common/errors.js';
import { intervalName, isIntervalCode } from '../../common/interval.js';
import { BridgeCfmKernel } from '../../backends/linux-bridge/kernel.js';
import { openRoute } from '../../netlink/route.js';
import { DevlinkClient, detectProfile, parseHandle, type DetectResult } from '../../devlink/index.js';
import type { BridgeCfmInfo } from '../../netlink/bridge-cfm.js';
import type { Backend } from '../../backends/types.js';
import { bridgeOfSpec, isLinuxBridgeSpec, openLinuxBridgeSpec } from '../../backends/linux-bridge/open.js';
import { loadModel, openSwitch, pickSwitch, type CfmSwitch, type OpenSwitchOptions } from '../../offload/api.js';

interface NetnsOpt {
  netns?: string;
}

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

/** The `profile` group is created by the config module; create it only if it is absent. */
function profileGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'profile') ?? program.command('profile').description('hardware profiles');
}

function intArg(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a non-negative integer, not '${v}'`);
  return Number(v);
}

async function withDevlink<T>(netns: string | undefined, fn: (c: DevlinkClient) => Promise<T>): Promise<T> {
  const c = await DevlinkClient.open({ netns });
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/**
 * `cfm plan --backend`: a linux-bridge spec opens the kernel backend (with its CPU path, so the
 * capabilities are the ones an apply meets); anything else goes to `other`.
 */
export async function openPlanBackend(spec: string, other: () => Backend): Promise<Backend> {
  return isLinuxBridgeSpec(spec) ? openLinuxBridgeSpec(spec) : other();
}

/**
 * Where `cfm apply` keeps the instance -> key map of a bridge, so the next run adopts its MEPs
 * instead of replacing them: /run is cleared at boot, as the kernel's MEPs are.
 */
function cliKeyMapPath(bridge: string): string | undefined {
  const dir = process.env.CFM_RUN_DIR ?? '/run/cfm';
  try {
    ensureStateDir(dir);
    return join(dir, `linux-bridge-${bridge}.keys.json`);
  } catch {
    process.stderr.write(`note: cannot create ${dir}: MEP keys are kept in memory only (a later apply replaces the MEPs instead of adopting them)\n`);
    return undefined;
  }
}

/**
 * The switch of `cfm apply`: `--backend linux-bridge[:BRIDGE]` opens the kernel bridge CFM backend
 * (with its AF_PACKET CPU path; profile linux-bridge unless --profile or the board names one) and
 * closes it with the switch; any other backend spec goes to openSwitch as it is.
 */
export async function openApplySwitch(o: OpenSwitchOptions & { follow?: boolean }): Promise<CfmSwitch> {
  if (typeof o.backend !== 'string' || !isLinuxBridgeSpec(o.backend)) return openSwitch(o);
  if (o.statePath !== undefined) throw new UsageError('--state is for the mock backend; the kernel keeps the linux-bridge state');
  const model = loadModel(o.config);
  const name = pickSwitch(model, o.switch);
  const board = model.switches.find((s) => s.name === name)?.board ?? model.board;
  const backend = await openLinuxBridgeSpec(o.backend, { keyMapPath: cliKeyMapPath(bridgeOfSpec(o.backend)) });
  let sw: CfmSwitch;
  try {
    sw = openSwitch({ ...o, profile: o.profile ?? board?.profile ?? 'linux-bridge', backend });
  } catch (e) {
    await backend.close();
    throw e;
  }
  const close = sw.close;
  sw.close = async (c) => {
    try {
      await close(c);
    } finally {
      await backend.close();
    }
  };
  if (!o.follow) {
    process.stderr.write('note: the kernel sends CCMs for PERIOD seconds (30) after the last refresh: keep a manager running (--follow) or they stop\n');
  }
  return sw;
}

export async function runDetect(opts: { profile?: string; netns?: string }): Promise<DetectResult> {
  try {
    return await withDevlink(opts.netns, (c) => detectProfile(c, opts.profile));
  } catch (e) {
    if (e instanceof CfmError && e.code === 'UNSUPPORTED') {
      // No devlink in this kernel means no devlink device either.
      if (opts.profile) return { profile: opts.profile, source: 'option', devices: [], message: `profile ${opts.profile} (given with --profile)` };
      return { source: 'none', devices: [], message: `no devlink device found (${e.message}); pass --profile NAME` };
    }
    throw e;
  }
}

function formatCfm(info: BridgeCfmInfo, bridge: string): string {
  if (info.mepCreate.length === 0) return `${bridge}: no bridge CFM MEPs`;
  const lines: string[] = [];
  for (const c of info.mepCreate) {
    const i = c.instance;
    const cfg = info.mepConfig.find((x) => x.instance === i);
    const cc = info.ccConfig.find((x) => x.instance === i);
    const tx = info.ccmTx.find((x) => x.instance === i);
    const rdi = info.rdi.find((x) => x.instance === i);
    const iv = cc && isIntervalCode(cc.expInterval) ? intervalName(cc.expInterval) : '?';
    lines.push(`MEP instance ${i} ifindex ${c.ifindex} ${c.direction === 0 ? 'down' : 'up'}` +
      (cfg ? ` level ${cfg.mdLevel} mepid ${cfg.mepId} mac ${cfg.unicastMac}` : '') +
      (cc ? ` cc ${cc.enable ? 'on' : 'off'} interval ${iv}` : '') +
      (rdi ? ` rdi ${rdi.rdi ? 1 : 0}` : '') +
      (tx ? ` ccm-tx period ${tx.periodS}s dmac ${tx.dmac}` : ''));
    for (const p of info.peers.filter((x) => x.instance === i)) lines.push(`  peer ${p.mepId}`);
    for (const s of info.peerStatus.filter((x) => x.instance === i)) {
      lines.push(`  peer ${s.peerMepId}: ${s.ccmDefect ? 'LOC' : 'ok'} rdi ${s.rdi ? 1 : 0} seen ${s.seen ? 1 : 0} port-tlv ${s.portTlvValue} if-tlv ${s.ifTlvValue}`);
    }
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  profileGroup(program)
    .command('detect')
    .description('name the switch driver through devlink and pick its hardware profile')
    .option('--profile <name>', 'use this profile (always wins over detection)')
    .option('--netns <ns>', 'network namespace to look in')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { profile?: string; netns?: string; json?: boolean }) => {
      const r = await runDetect(opts);
      if (opts.json) out(JSON.stringify(r, null, 2));
      else {
        for (const d of r.devices) out(`${d.handle}: driver ${d.driver}${d.profile ? ` -> ${d.profile}` : ' (no profile)'}${d.ports.length ? ` ports ${d.ports.join(' ')}` : ''}`);
        if (r.source === 'none') process.stderr.write(`cfm: ${r.message}\n`);
        else out(r.message);
      }
      process.exitCode = r.profile ? 0 : 1;
    });

  const br = program.command('bridge-cfm').description('the Linux kernel bridge CFM (CONFIG_BRIDGE_CFM)');
  br.command('probe')
    .description('check that the kernel has bridge CFM (asks it; no guessing)')
    .argument('<bridge>', 'bridge interface')
    .option('--netns <ns>', 'network namespace')
    .option('--json', 'JSON output: {"bridge": NAME, "bridgeCfm": true}')
    .action(async (bridge: string, opts: NetnsOpt & { json?: boolean }) => {
      const sock = openRoute({ netns: opts.netns });
      try {
        const { kernel } = await BridgeCfmKernel.attach(sock, bridge);
        await kernel.probe();
        out(opts.json ? JSON.stringify({ bridge, bridgeCfm: true }) : `${bridge}: the kernel has bridge CFM`);
        process.exitCode = 0;
      } finally {
        sock.close();
      }
    });
  br.command('show')
    .description('MEPs of a bridge as the kernel holds them (config; --status adds peer status)')
    .argument('<bridge>', 'bridge interface')
    .option('--status', 'also dump status (note: clears the kernel\'s "seen" flags)')
    .option('--netns <ns>', 'network namespace')
    .option('--json', 'JSON output')
    .action(async (bridge: string, opts: NetnsOpt & { status?: boolean; json?: boolean }) => {
      const sock = openRoute({ netns: opts.netns });
      try {
        const { kernel } = await BridgeCfmKernel.attach(sock, bridge);
        await kernel.probe();
        const info = await kernel.dump({ config: true, status: opts.status === true });
        if (opts.json) {
          out(JSON.stringify(info, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v), 2));
        } else out(formatCfm(info, bridge));
        process.exitCode = 0;
      } finally {
        sock.close();
      }
    });

  const dl = program.command('devlink').description('devlink devices, trap policers (CPU protection)');
  dl.command('show')
    .description('devlink devices with driver, firmware versions and ports')
    .option('--netns <ns>', 'network namespace')
    .option('--json', 'JSON output')
    .action(async (opts: NetnsOpt & { json?: boolean }) => {
      await withDevlink(opts.netns, async (c) => {
        const devs = await c.devices();
        const ports = await c.ports();
        const infos = [];
        for (const h of devs) infos.push({ ...(await c.info(h)), ports: ports.filter((p) => p.handle.bus === h.bus && p.handle.dev === h.dev) });
        if (opts.json) out(JSON.stringify(infos, null, 2));
        else if (infos.length === 0) out('no devlink devices');
        else {
          for (const i of infos) {
            out(`${i.handle.bus}/${i.handle.dev}: driver ${i.driver}${i.serial ? ` serial ${i.serial}` : ''}`);
            for (const v of i.running) out(`  running ${v.name} ${v.value}`);
            for (const p of i.ports) out(`  port ${p.index} ${p.flavour}${p.netdev ? ` ${p.netdev}` : ''}`);
          }
        }
      });
      process.exitCode = 0;
    });
  const pol = dl.command('policer').description('trap policers');
  pol.command('show')
    .argument('<dev>', 'devlink device, bus/dev (e.g. netdevsim/netdevsim1)')
    .option('--netns <ns>', 'network namespace')
    .option('--json', 'JSON output')
    .action(async (dev: string, opts: NetnsOpt & { json?: boolean }) => {
      const h = parseHandleArg(dev);
      await withDevlink(opts.netns, async (c) => {
        const list = await c.policers(h);
        if (opts.json) out(JSON.stringify(list, null, 2));
        else for (const p of list) out(`policer ${p.id} rate ${p.ratePps} burst ${p.burst}${p.dropped !== undefined ? ` dropped ${p.dropped}` : ''}`);
      });
      process.exitCode = 0;
    });
  pol.command('set')
    .argument('<dev>', 'devlink device, bus/dev')
    .argument('<id>', 'policer id')
    .option('--rate <pps>', 'packets per second')
    .option('--burst <n>', 'burst size in packets')
    .option('--netns <ns>', 'network namespace')
    .action(async (dev: string, id: string, opts: NetnsOpt & { rate?: string; burst?: string }) => {
      const h = parseHandleArg(dev);
      if (opts.rate === undefined && opts.burst === undefined) throw new UsageError('give --rate and/or --burst');
      const set = {
        ratePps: opts.rate === undefined ? undefined : intArg(opts.rate, '--rate'),
        burst: opts.burst === undefined ? undefined : intArg(opts.burst, '--burst'),
      };
      await withDevlink(opts.netns, (c) => c.setPolicer(h, intArg(id, 'policer id'), set));
      process.exitCode = 0;
    });
  dl.command('group')
    .description('trap groups')
    .command('set')
    .argument('<dev>', 'devlink device, bus/dev')
    .argument('<group>', 'trap group name')
    .requiredOption('--policer <id>', 'policer id (0 = unbind)')
    .option('--netns <ns>', 'network namespace')
    .action(async (dev: string, group: string, opts: NetnsOpt & { policer: string }) => {
      const h = parseHandleArg(dev);
      await withDevlink(opts.netns, (c) => c.setTrapGroup(h, group, { policerId: intArg(opts.policer, '--policer') }));
      process.exitCode = 0;
    });
}

function parseHandleArg(dev: string): ReturnType<typeof parseHandle> {
  try {
    return parseHandle(dev);
  } catch {
    throw new UsageError(`'${dev}' is not a devlink device (bus/dev, e.g. netdevsim/netdevsim1)`);
  }
}
