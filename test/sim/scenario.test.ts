import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadScenario, parseScenario, runScenario } from '../../src/sim/index.js';
import { main } from '../../src/cli/main.js';
import { twoMepScenarioConfig } from '../helpers/configs.js';

const TOPO = `
topology:
  switches: [ { name: a, ports: [p1] }, { name: b, ports: [p1] } ]
  links: [ ["a:p1", "b:p1"] ]
${twoMepScenarioConfig(0)}`;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err.push(String(s)); return true; });
  return { out, err };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('scenarios', () => {
  it('the example link-cut scenario passes all its expectations, deterministically', () => {
    const sc = loadScenario('examples/scenarios/link-cut.yaml');
    const r1 = runScenario(sc);
    const r2 = runScenario(sc);
    expect(r1.failures).toEqual([]);
    expect(JSON.stringify(r1.records)).toBe(JSON.stringify(r2.records));
    expect(r1.records.filter((r) => 'type' in r && r.type === 'expect').length).toBe(8);
  });

  for (const f of readdirSync('examples/scenarios').filter((x) => x.endsWith('.yaml'))) {
    it(`examples/scenarios/${f} runs with every expectation met`, () => {
      const r = runScenario(loadScenario(`examples/scenarios/${f}`));
      expect(r.failures).toEqual([]);
      expect(r.records.some((x) => 'type' in x && x.type === 'expect')).toBe(true);
    });
  }

  it('AIS scenario: the customer alarm is flagged suppressed', () => {
    const r = runScenario(loadScenario('examples/scenarios/ais-suppression.yaml'));
    const alarm = r.records.find((x) => 'mep' in x && x.mep === 'cust/svc/13' && x.type === 'alarm');
    expect(alarm).toMatchObject({ defect: 'defRemoteCCM', suppressed: true });
  });

  it('seed 001 nested domains with the config example: every expectation holds (linktrace via an egress-only MIP)', () => {
    const r = runScenario(loadScenario('examples/scenarios/nested-domains.yaml'));
    expect(r.failures).toEqual([]);
    const traces = r.records.filter((x) => 'type' in x && x.type === 'result' && x.text.includes('Relay Action'));
    expect(traces.length).toBe(2);
    // the customer trace: PE1's ingress MIP, PE2's egress MIP, then CE2's MEP
    const cust = (traces[1] as { data: { replies: Array<{ relayAction: string; ingressMac: string | null; egressMac: string | null }> } }).data.replies;
    expect(cust.map((x) => x.relayAction)).toEqual(['rlyFdb', 'rlyFdb', 'rlyHit']);
    expect(cust[1].ingressMac).toBeNull();
    expect(cust[1].egressMac).not.toBeNull();
  });

  it('a failed expectation is reported; a never-expectation passes when nothing happens', () => {
    const sc = parseScenario(`${TOPO}
steps:
  - { at: 2s, cut: a-b }
  - { at: 2s, expect: { mep: d/m/1, defect: defRemoteCCM, within: 2s } }
  - { at: 2s, expect: { mep: d/m/2, alarm: defRemoteCCM, within: 10s, never: true } }
  - { at: 5s, restore: a-b }
`, 't.yaml');
    const r = runScenario(sc);
    expect(r.failures.length).toBe(1);
    expect(r.failures[0]).toMatch(/steps\[1\].*expected d\/m\/1: defect defRemoteCCM raised within 2s: did not happen/);
  });

  it('config steps change the running MEPs; the sequence number carries on', () => {
    const sc = parseScenario(`${TOPO}
steps:
  - at: 3.5s
${twoMepScenarioConfig(4, 'port-status-tlv: true, ')}  - { at: 6s, expect: { mep: d/m/2, no-defects: true } }
duration: 8s
`, 't.yaml');
    const r = runScenario(sc);
    expect(r.failures).toEqual([]);
    const s2 = r.status.find((s) => s.key === 'd/m/2')!;
    expect(s2.remotes[0].portStatus).toBe(2);
    expect(s2.remotes[0].seqErrors).toBe(0);
    expect(r.status.find((s) => s.key === 'd/m/1')!.nextSeq).toBe(10); // CCMs 1..9 at 0..8 s: the first carries 1
  });

  it('bad scenarios name the file and the place', () => {
    expect(() => parseScenario('topology: 3', 'x.yaml')).toThrow(/x.yaml: topology: missing/);
    expect(() => parseScenario(`${TOPO}\nsteps: [ { at: 1s, cut: a-b, restore: a-b } ]`, 'x.yaml')).toThrow(/x.yaml: steps\[0\]: exactly one action/);
    expect(() => parseScenario(`${TOPO}\nsteps: [ { at: 1 parsec, cut: a-b } ]`, 'x.yaml')).toThrow(/steps\[0\].at: '1 parsec' is not a duration/);
    expect(() => parseScenario(`${TOPO.replace('"b:p1"', '"b:p7"')}\nsteps: []`, 'x.yaml')).toThrow(/topology.links\[0\].b: switch b has no port 'p7'/);
    expect(() => runScenario(parseScenario(`${TOPO}\nsteps: [ { at: 1s, loopback: { mep: nope, target-mep-id: 2 } } ]`, 'x.yaml'))).toThrow(/steps\[0\]: no MEP 'nope'/);
    expect(() => runScenario(parseScenario(`${TOPO.replace('md-level: 2', 'md-level: 9')}\nsteps: []`, 'x.yaml'))).toThrow(/x.yaml: config: invalid CFM config/);
  });

  it('cfm sim prints the timeline, --json prints JSON lines, failures exit 1', async () => {
    let c = capture();
    expect(await main(['node', 'cfm', 'sim', 'examples/scenarios/link-cut.yaml'])).toBe(0);
    let text = c.out.join('');
    expect(text).toContain('Sent 3 packets, received 3 packets [0 out-of-order, 0 Bad Msdu]');
    expect(text).toContain('rlyHit     terminate');
    expect(text).toMatch(/link\/sw1-sw2\/1 ALARM defRemoteCCM/);
    expect(text).toContain('all 10 expectation(s) passed'); // 8 expectations + the loopback and linktrace results
    vi.restoreAllMocks();

    c = capture();
    expect(await main(['node', 'cfm', 'sim', '--json', 'examples/scenarios/link-cut.yaml'])).toBe(0);
    const lines = c.out.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.find((l) => l.type === 'alarm')).toMatchObject({ mep: 'link/sw1-sw2/1', defect: 'defRemoteCCM', source: 'software' });
    expect(lines.at(-1)).toMatchObject({ type: 'summary', ok: true, expectationsPassed: 10 });
    expect(lines.at(-2).type).toBe('status');
    vi.restoreAllMocks();

    c = capture();
    expect(await main(['node', 'cfm', 'sim', 'examples/scenarios/does-not-exist.yaml'])).toBe(1);
    expect(c.err.join('')).toMatch(/^cfm: examples\/scenarios\/does-not-exist.yaml: cannot read/);
  });
});
