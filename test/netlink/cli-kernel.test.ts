/**
 * The kernel CLI commands end to end through `main()`: exit codes and one-line messages.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliOutput, cfm, err, out, clearOut, clearErr } from '../helpers/cli.js';
import { addonAvailable } from '../../src/native/addon.js';

captureCliOutput();

if (!addonAvailable()) console.warn('SKIPPED part of test/netlink/cli-kernel: the native addon is not built (npm run build:native)');

describe('cfm kernel commands', () => {
  it('profile detect attaches to the shared profile group; --profile always wins', async () => {
    expect(await cfm('profile', '--help').catch(() => 0)).toBe(0);
    expect(out).toMatch(/detect/);
    clearOut();
    if (!addonAvailable()) return;
    expect(await cfm('profile', 'detect', '--profile', 'lan966x')).toBe(0);
    expect(out).toContain('profile lan966x (given with --profile)');
  });

  it('profile detect without a devlink device says so and fails', async (ctx) => {
    if (!addonAvailable()) return ctx.skip();
    const code = await cfm('profile', 'detect', '--json');
    const r = JSON.parse(out) as { source: string; devices: unknown[]; message: string };
    if (r.devices.length > 0) {
      // a machine with a devlink device: detection must then name its driver
      expect(out).toMatch(/driver/);
      return;
    }
    expect(code).toBe(1);
    expect(r.source).toBe('none');
    expect(r.message).toMatch(/^no devlink device found/);
  });

  it('bad arguments are usage errors (exit 2), missing interfaces are one-line errors (exit 1)', async (ctx) => {
    expect(await cfm('devlink', 'policer', 'show', 'foo')).toBe(2);
    expect(err).toBe("cfm: 'foo' is not a devlink device (bus/dev, e.g. netdevsim/netdevsim1)\n");
    clearErr();
    expect(await cfm('devlink', 'policer', 'set', 'netdevsim/netdevsim1', '1')).toBe(2);
    expect(err).toBe('cfm: give --rate and/or --burst\n');
    if (!addonAvailable()) return ctx.skip();
    clearErr();
    expect(await cfm('bridge-cfm', 'probe', 'no-such-br0')).toBe(1);
    expect(err).toBe("cfm: linux-bridge: no interface 'no-such-br0' (create it: ip link add no-such-br0 type bridge)\n");
  });

  it('cfm apply --backend linux-bridge[:BRIDGE] is a backend (issue 11 item 15), not "unknown backend"', async (ctx) => {
    const dir = mkdtempSync(join(tmpdir(), 'cfm-cli-lb-'));
    const cfg = join(dir, 'c.yaml');
    writeFileSync(cfg, `cfm:
  maintenance-domain:
    - { md-id: d, none: [null], md-level: 5, maintenance-association: [ { ma-id: m, icc-based: { icc: BRD, umc: M0 }, ccm-interval: 1sec, maintenance-association-mep: [1, 2] } ] }
  maintenance-group:
    - { maintenance-group-id: g, md-id: d, ma-id: m, mep: [ { mep-id: 1, interface: v0, direction: down, enabled: true, mac-address: 02-00-00-00-01-00, continuity-check: { ccm-enabled: true } } ] }
`);
    expect(await cfm('apply', cfg, '--backend', 'linux-bridge:bad/name')).toBe(2);
    expect(err).toBe("cfm: backend 'linux-bridge:bad/name': 'bad/name' is not an interface name (linux-bridge:BRIDGE, e.g. linux-bridge:br0)\n");
    clearErr();
    if (!addonAvailable()) return ctx.skip();
    expect(await cfm('apply', cfg, '--backend', 'linux-bridge:no-such-br0')).toBe(1);
    expect(err).toBe("cfm: linux-bridge: no interface 'no-such-br0' (create it: ip link add no-such-br0 type bridge)\n");
    clearErr();
    // cfm plan --backend reads the same backend's capabilities
    expect(await cfm('plan', cfg, '--backend', 'linux-bridge:no-such-br0')).toBe(1);
    expect(err).toBe("cfm: linux-bridge: no interface 'no-such-br0' (create it: ip link add no-such-br0 type bridge)\n");
  });
});
