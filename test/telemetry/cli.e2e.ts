/**
 * `cfm apply --follow --metrics` / `--agentx` as a user meets them: a child process on the
 * demo config's sw1 (mock ASIC). Metrics answer on the printed address; a metrics port in use is
 * a clear message and the manager keeps serving its control socket; an AgentX master that is
 * missing is said once; bad option values are usage errors before anything is applied.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCfm } from '../helpers/cfm-child.js';
import { DEMO_CONFIG } from '../../src/offload/demo.js';
import { controlRequest } from '../../src/offload/control.js';
import type { ManagerStatus } from '../../src/offload/status.js';
import { waitFor } from './servers.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-telemetry-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function follow(extra: string[], name: string) {
  const socket = join(dir, `${name}.sock`);
  const c = spawnCfm(['apply', DEMO_CONFIG, '--switch', 'sw1', '--backend', 'mock', '--follow', '--socket', socket, ...extra]);
  let stderr = '';
  c.child.stderr!.on('data', (d) => (stderr += d));
  return { ...c, socket, stderr: () => stderr };
}

describe('cfm apply --follow with telemetry', () => {
  it('--metrics 127.0.0.1:0 serves the manager\'s metrics; --agentx without a master is said once', async () => {
    const c = follow(['--metrics', '127.0.0.1:0', '--agentx', join(dir, 'no-master')], 'a');
    try {
      const url = await waitFor('the metrics address', async () => /Prometheus metrics on (\S+)/.exec(c.stderr())?.[1], 60_000);
      const body = await (await fetch(url)).text();
      expect(body).toContain('cfm_mep_info{mep="link/sw1-sw2/1",md="link",ma="sw1-sw2",mep_id="1"');
      expect(body).toMatch(/cfm_mep_defect\{mep="demo\/svc-1s\/41",defect="defRemoteCCM",switch="sw1"\} [01]/);
      expect(c.stderr()).toContain(`cfm agentx: cannot reach the master at ${join(dir, 'no-master')}: no such socket`);
    } finally {
      c.child.kill('SIGINT');
      await c.done;
    }
  });

  it('metrics port in use: a clear message, the manager runs on (control socket answers)', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    const c = follow(['--metrics', String(port)], 'b');
    try {
      await waitFor('the manager', async () => c.stderr().includes('cfm: managing sw1'), 60_000);
      expect(c.stderr()).toContain(`cfm: metrics: cannot listen on 127.0.0.1:${port}: the port is in use (another exporter or manager?): choose another --metrics port; running without metrics`);
      const st = (await controlRequest(c.socket, 'status')) as ManagerStatus;
      expect(st.meps.length).toBeGreaterThan(0);
    } finally {
      c.child.kill('SIGINT');
      await c.done;
      busy.close();
    }
  });

  it('bad values are usage errors before anything is applied', async () => {
    const bad = await spawnCfm(['apply', DEMO_CONFIG, '--switch', 'sw1', '--backend', 'mock', '--follow', '--metrics', 'localhost:99999']).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--metrics 'localhost:99999': the port must be a number 0..65535, not '99999'");
    expect(bad.stderr).not.toContain('    at ');
    const noFollow = await spawnCfm(['apply', DEMO_CONFIG, '--switch', 'sw1', '--backend', 'mock', '--metrics', '9464']).done;
    expect(noFollow.stderr).toContain('--metrics and --agentx need --follow');
  });
});
