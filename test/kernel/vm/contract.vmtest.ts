/**
 * The shared backend contract suite (test/backends/contract.ts) against the linux-bridge backend,
 * run by vitest INSIDE the qemu VM. Each case gets a fresh bridge with two veth ports.
 */
import { execFileSync } from 'node:child_process';
import { runBackendContract } from '../../backends/contract.js';
import { LinuxBridgeBackend } from '../../../src/backends/linux-bridge/index.js';

let n = 0;
function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

console.warn(
  '[linux-bridge contract] the harness offers no wire injection/observation and no table fill: the kernel keeps no peer MAC, ' +
    'sequence number, counters or MEG-mismatch flag (those cases would fail for that reason, not the harness), and allows one MEP ' +
    'per port while the fill case puts 8 levels on one port. The bridge scenario in test/kernel/vm/ covers RDI, TLVs, CCMs on the ' +
    'wire and the one-MEP-per-port limit instead.',
);

runBackendContract('linux-bridge', async () => {
  const br = `bk${++n}`;
  ip('link', 'add', br, 'type', 'bridge');
  const ports = [`${br}a`, `${br}b`];
  for (const p of ports) {
    ip('link', 'add', p, 'type', 'veth', 'peer', 'name', `${p}x`);
    ip('link', 'set', p, 'master', br);
    ip('link', 'set', p, 'up');
    ip('link', 'set', `${p}x`, 'up');
  }
  ip('link', 'set', br, 'up');
  const backend = await LinuxBridgeBackend.open({ bridge: br, ccmTxPeriodS: 10 });
  return {
    backend,
    advance: (ns: number) => new Promise<void>((r) => setTimeout(r, ns / 1e6 + 50)),
    maxFill: 0,
    cleanup: async () => {
      for (const p of ports) ip('link', 'del', p);
      ip('link', 'del', br);
    },
  };
});
