/**
 * INSIDE the qemu VM (vitest boot): the `cfm` commands of the kernel module against the real
 * devlink (netdevsim) and bridge CFM, through the CLI entry point.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
const cfm = (...args: string[]): Promise<number> => main(['node', 'cfm', ...args]);

describe('cfm kernel commands on a real kernel', () => {
  beforeAll(async () => {
    if (!existsSync('/sys/bus/netdevsim/devices/netdevsim7')) writeFileSync('/sys/bus/netdevsim/new_device', '7 2');
    for (let i = 0; i < 50 && !existsSync('/sys/bus/netdevsim/devices/netdevsim7/net'); i++) await new Promise((r) => setTimeout(r, 100));
    execFileSync('ip', ['link', 'add', 'clibr', 'type', 'bridge']);
  });

  it('profile detect names netdevsim and picks the software profile', async () => {
    expect(await cfm('profile', 'detect')).toBe(0);
    expect(out).toMatch(/^netdevsim\/netdevsim7: driver netdevsim -> software ports \S+ \S+$/m);
    expect(out).toContain('profile software: devlink device netdevsim/netdevsim7 runs driver netdevsim');
  });

  it('devlink policer set: kernel limits come back as one line with the extack', async () => {
    expect(await cfm('devlink', 'policer', 'set', 'netdevsim/netdevsim7', '1', '--rate', '9000')).toBe(1);
    expect(err).toBe('cfm: devlink trap policer set netdevsim/netdevsim7 policer 1 rate 9000: EINVAL (Policer rate higher than limit)\n');
    expect(await cfm('devlink', 'policer', 'set', 'netdevsim/netdevsim7', '1', '--rate', '700', '--burst', '16')).toBe(0);
    expect(await cfm('devlink', 'policer', 'show', 'netdevsim/netdevsim7')).toBe(0);
    expect(out).toMatch(/^policer 1 rate 700 burst 16 dropped \d+$/m);
  });

  it('bridge-cfm probe and show', async () => {
    expect(await cfm('bridge-cfm', 'probe', 'clibr')).toBe(0);
    expect(out).toBe('clibr: the kernel has bridge CFM\n');
    out = '';
    expect(await cfm('bridge-cfm', 'show', 'clibr')).toBe(0);
    expect(out).toBe('clibr: no bridge CFM MEPs\n');
  });

  it('cfm apply --backend linux-bridge:BRIDGE programs the kernel; --follow serves status (issue 11 item 15)', async () => {
    execFileSync('ip', ['link', 'add', 'clp', 'type', 'veth', 'peer', 'name', 'clpx']);
    execFileSync('ip', ['link', 'set', 'clp', 'master', 'clibr']);
    for (const d of ['clibr', 'clp', 'clpx']) execFileSync('ip', ['link', 'set', d, 'up']);
    const cfg = '/tmp/cli-lb.yaml';
    writeFileSync(cfg, `cfm:
  maintenance-domain:
    - { md-id: d, none: [null], md-level: 5, maintenance-association: [ { ma-id: m, icc-based: { icc: VM, umc: CLI }, ccm-interval: 1sec, maintenance-association-mep: [1, 2] } ] }
  maintenance-group:
    - { maintenance-group-id: g, md-id: d, ma-id: m, mep: [ { mep-id: 1, interface: clp, direction: down, enabled: true, mac-address: 02-00-00-00-0c-01, continuity-check: { ccm-enabled: true } } ] }
`);
    expect(await cfm('plan', cfg, '--backend', 'linux-bridge:clibr', '--json')).toBe(0);
    expect((JSON.parse(out) as { meps: Array<{ key: string; ccm: string }> }).meps.map((m) => [m.key, m.ccm])).toEqual([['d/m/1', 'hardware']]);
    out = '';
    expect(await cfm('apply', cfg, '--backend', 'linux-bridge:clibr')).toBe(0);
    expect(out).toMatch(/applied on default \(linux-bridge\): 0 delete, 0 update, 1 create/);
    out = '';
    expect(await cfm('bridge-cfm', 'show', 'clibr', '--json')).toBe(0);
    expect(out).toMatch(/"mepId":\s*1/);
    // --follow: the manager keeps running (keep-alive, events) and answers on its control socket
    out = '';
    const sock = '/tmp/cli-lb.sock';
    const running = cfm('apply', cfg, '--backend', 'linux-bridge:clibr', '--follow', '--socket', sock);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/0 delete, 0 update, 0 create, 1 adopted unchanged/);
    out = '';
    expect(await cfm('status', '--socket', sock, '--json')).toBe(0);
    const st = JSON.parse(out) as { backend: string; meps: Array<{ key: string; placement: string }> };
    expect(st.backend).toBe('linux-bridge');
    expect(st.meps.map((m) => [m.key, m.placement])).toEqual([['d/m/1', 'hardware']]);
    process.emit('SIGINT');
    expect(await running).toBe(0);
  });
});
