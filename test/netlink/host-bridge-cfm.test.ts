/**
 * On this machine's own kernel (root needed: a bridge in a throw-away network namespace).
 * Debian's kernels ship without CONFIG_BRIDGE_CFM, so the backend must say so in one clear line,
 * detected from the kernel's EOPNOTSUPP answer. Should the host kernel have bridge CFM after all,
 * the same test proves it by creating and reading back a MEP instead.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addonAvailable } from '../../src/native/addon.js';
import { LinuxBridgeBackend } from '../../src/backends/linux-bridge/index.js';
import { UNSUPPORTED_MESSAGE } from '../../src/backends/linux-bridge/kernel.js';
import { CfmError } from '../../src/common/errors.js';
import { listLinks, openRoute } from '../../src/netlink/route.js';

const isRoot = process.getuid?.() === 0;
function haveIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const ready = isRoot && haveIp() && addonAvailable();
if (!ready) {
  console.warn(`SKIPPED test/netlink/host-bridge-cfm: needs root (${isRoot}), iproute2 (${haveIp()}) and the built addon (${addonAvailable()}; npm run build:native)`);
}

const ns = `cfmnl${process.pid}`;
function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

describe.skipIf(!ready)('host kernel: bridge CFM detection', () => {
  beforeAll(() => {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    ip('-n', ns, 'link', 'set', 'p0', 'master', 'br0');
    ip('-n', ns, 'link', 'set', 'br0', 'up');
    ip('-n', ns, 'link', 'set', 'p0', 'up');
  });
  afterAll(() => {
    try {
      ip('netns', 'del', ns);
    } catch {
      /* already gone */
    }
  });

  it('reads the namespace interface table over rtnetlink', async () => {
    const sock = openRoute({ netns: ns });
    try {
      const links = await listLinks(sock);
      const br = links.find((l) => l.name === 'br0');
      const p0 = links.find((l) => l.name === 'p0');
      expect(br?.kind).toBe('bridge');
      expect(p0?.master).toBe(br?.index);
      // the host's own interfaces are not visible in the namespace
      expect(links.map((l) => l.name).sort()).toEqual(['br0', 'lo', 'p0', 'p1']);
    } finally {
      sock.close();
    }
  });

  it('names a missing bridge as a CONFIG error', async () => {
    await expect(LinuxBridgeBackend.open({ bridge: 'nobr', netns: ns })).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('detects whether the kernel has bridge CFM from its answer', async () => {
    let backend: LinuxBridgeBackend | undefined;
    try {
      backend = await LinuxBridgeBackend.open({ bridge: 'br0', netns: ns });
    } catch (e) {
      expect(e).toBeInstanceOf(CfmError);
      const err = e as CfmError;
      expect(err.code).toBe('UNSUPPORTED');
      expect(err.message).toBe(`${UNSUPPORTED_MESSAGE}: bridge CFM request on br0 returned EOPNOTSUPP`);
      expect(err.message).not.toContain('\n');
      return;
    }
    // A kernel with CONFIG_BRIDGE_CFM: prove it really works.
    try {
      const h = await backend.createVoe({
        key: 'host/mep1', port: 'p0', direction: 'down', level: 3, vlan: 0, unicastMac: '02:00:00:00:00:01',
        mepId: 1, maid: new Uint8Array(48).fill(0, 0).map((_, i) => (i === 0 ? 1 : i === 1 ? 2 : i === 2 ? 1 : 0)),
        interval: 4, priority: 7, peers: [2], ccmTx: false, ccmRx: true, seqUpdate: true, rdi: false,
        portStatusTlv: 0, interfaceStatusTlv: 0,
      });
      const voes = await backend.listVoes();
      expect(voes.map((v) => v.handle)).toEqual([h]);
    } finally {
      await backend.close();
    }
  });
});
