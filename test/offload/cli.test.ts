import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DEMO = new URL('../../examples/demo.yaml', import.meta.url).pathname;
const BOARD = new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname;

const cfm = runCfm;

describe('cfm plan / apply / status (in-process)', () => {
  it('plan prints every switch with reasons; --json is data', async () => {
    const t = await cfm('plan', DEMO);
    expect(t.code).toBe(0);
    expect(t.out).toContain('plan for switch sw1');
    expect(t.out).toContain('plan for switch sw2');
    expect(t.out).toContain('interval 10s not in hardware intervals 3.33ms..1s');
    const j = await cfm('plan', DEMO, '--switch', 'sw2', '--profile', 'lan966x', '--json');
    const p = JSON.parse(j.out) as { switch: string; profile: string; meps: Array<{ key: string; ccm: string; reason?: string }> };
    expect(p.switch).toBe('sw2');
    expect(p.profile).toBe('lan966x');
    expect(p.meps.find((m) => m.key === 'link/sw1-sw2/2')!.ccm).toBe('hardware');
    expect(p.meps.find((m) => m.key === 'demo/svc-1s/42')!.reason).toBe('VLAN MEP (vlan 40) not supported');
  });

  it('a hardware pin that cannot be honoured makes plan exit 1 and apply refuse', async () => {
    const r = await cfm('plan', DEMO, '--switch', 'sw2', '--profile', 'lan966x');
    expect(r.out).toContain('VIOLATION: demo/svc-pinned/92 is pinned to hardware but VLAN MEP (vlan 90) not supported');
    expect(r.code).toBe(1);
    const a = await cfm('apply', DEMO, '--switch', 'sw2', '--profile', 'lan966x', '--backend', 'mock');
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/^cfm: plan cannot honour the config's pins: demo\/svc-pinned\/92/);
    expect(a.err.trim().split('\n')).toHaveLength(1);
  });

  it('errors are one line with exit 1 (bad config) or 2 (usage)', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cfm: [1, 2\n');
    const r = await cfm('plan', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cfm: .*bad\.yaml/);
    const u = await cfm('plan', DEMO, '--reserve', '-3');
    expect(u.code).toBe(2);
    expect(u.err).toBe("cfm: --reserve must be a non-negative integer, not '-3'\n");
    const s = await cfm('plan', DEMO, '--switch', 'sw9');
    expect(s.err).toContain("switch 'sw9' is not in the config (switches: sw1, sw2)");
    const b = await cfm('apply', BOARD, '--backend', 'nonsense');
    expect(b.code).toBe(2);
    expect(b.err).toContain("unknown backend 'nonsense'");
  });

  it('apply to a persisted mock, re-apply adopts, status reads the state without a manager', async () => {
    const state = join(dir, 'mock.json');
    const a = await cfm('apply', BOARD, '--backend', 'mock', '--state', state, '--json');
    expect(a.code).toBe(0);
    const rep = JSON.parse(a.out) as { ops: Array<{ kind: string }>; adopted: string[] };
    expect(rep.ops.filter((o) => o.kind === 'create')).toHaveLength(8);
    const again = JSON.parse((await cfm('apply', BOARD, '--backend', 'mock', '--state', state, '--json')).out) as { ops: unknown[]; adopted: string[] };
    expect(again.ops).toEqual([]);
    expect(again.adopted).toHaveLength(8);
    const st = await cfm('status', '--backend', 'mock', '--state', state, '--socket', join(dir, 'none.sock'), '--json');
    expect(st.code).toBe(0);
    const s = JSON.parse(st.out) as { voes: Array<{ spec: { key: string } }> };
    expect(s.voes.map((v) => v.spec.key).sort()).toEqual(['links/link0/1', 'links/link1/2', 'links/link2/3', 'links/link3/4', 'links/link4/5', 'links/link5/6', 'links/link6/7', 'links/link7/8']);
    const none = await cfm('status', '--socket', join(dir, 'none.sock'));
    expect(none.code).toBe(1);
    expect(none.err).toContain('no manager is running on');
  });
});
