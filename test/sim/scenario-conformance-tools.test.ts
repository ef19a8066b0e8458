/**
 * The simulator's conformance-testing tools (docs/sim.md): crafted frame injection, frames on a
 * link and the ground-truth tap, status checks, two-bound windows, one-way impairments, result
 * expectations, port state steps, and the order of a step and a timer at the same instant.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario, runScenario, SimNetwork, SimSwitch, type TxRecord } from '../../src/sim/index.js';
import { twoMepScenarioConfig } from '../helpers/configs.js';

/** Two switches a:p1 - b:p1 with MEP 1 on a and MEP 2 on b (level 2, 1 s); `link` = the link entry. */
function sc(steps: string, o: { link?: string; duration?: string; mep1?: string } = {}): string {
  return `
topology:
  switches: [ { name: a, ports: [p1] }, { name: b, ports: [p1] } ]
  links: [ ${o.link ?? '["a:p1", "b:p1"]'} ]
${twoMepScenarioConfig(0, o.mep1)}steps:
${steps}
${o.duration ? `duration: ${o.duration}` : ''}
`;
}

const run = (text: string) => runScenario(parseScenario(text, 't.yaml'));

describe('scenario conformance tools', () => {
  it('counts CCMs on a link per direction, with exact and ranged counts; a wrong count fails with the number seen', () => {
    const r = run(sc(`
  - { at: 0.5s, expect: { frames: { link: a-b, from: a, opcode: ccm, level: 2, mep-id: 1, da: "01:80:c2:00:00:32" }, count: 5, within: 5s } }
  - { at: 0.5s, expect: { frames: { link: a-b, opcode: ccm }, count: [9, 11], within: 5s } }
  - { at: 0.5s, expect: { frames: { link: a-b, from: "b:p1", opcode: ccm, seq: 3 }, count: 1, within: 5s } }
  - { at: 0.5s, expect: { frames: { link: a-b, opcode: lbm }, count: [1, null], within: 5s } }`));
    expect(r.failures).toEqual(['steps[3] (0.5s): frames on a-b (fate=sent opcode=LBM) in [0s, 5s]: 0, expected >= 1']);
  });

  it('one-way loss: only frames from a are lost; the tap tells lost from sent; only MEP 2 loses continuity', () => {
    const r = run(sc(`
  - { at: 3s, link: { link: a-b, from: a, loss: 1 } }
  - { at: 3s, expect: { frames: { link: a-b, from: a, fate: lost, opcode: ccm }, count: [3, 4], within: 4s } }
  - { at: 3s, expect: { frames: { link: a-b, from: a, fate: sent }, count: 0, window: [1ms, 4s] } }
  - { at: 3s, expect: { frames: { link: a-b, from: a, fate: sent }, count: 1, window: [0s, 0s] } }
  - { at: 3s, expect: { frames: { link: a-b, from: b, fate: sent, opcode: ccm }, count: [3, 5], within: 4s } }
  - { at: 3s, expect: { mep: d/m/2, defect: defRemoteCCM, within: 4s } }
  - { at: 3s, expect: { mep: d/m/1, defect: defRemoteCCM, within: 8s, never: true } }`, { duration: '12s' }));
    expect(r.failures).toEqual([]);
  });

  it('topology a-to-b / b-to-a impairments: one-way delay and corruption; the tap marks corrupted frames', () => {
    const r = run(sc(`
  - { at: 1.5s, expect: { frames: { link: a-b, from: b, fate: corrupted }, count: [3, 4], within: 3s } }
  - { at: 1.5s, expect: { frames: { link: a-b, from: a, fate: corrupted }, count: 0, within: 3s } }
  - { at: 5s, dmm: { mep: d/m/1, target-mep-id: 2, count: 3, interval: 100ms, expect-received: 3, expect-delay: [7ms, 7.1ms] } }`,
    { link: '{ a: "a:p1", b: "b:p1", delay: 2ms, a-to-b: { delay: 5ms }, b-to-a: { corrupt: 1 } }', duration: '12s' }));
    expect(r.failures).toEqual([]);
  });

  it('SLM under one-way loss: far-end loss within bounds, no near-end loss; a wrong bound fails with the value', () => {
    const r = run(sc(`
  - { at: 2s, link: { link: a-b, from: a, loss: 0.3 } }
  - { at: 2s, slm: { mep: d/m/1, target-mep-id: 2, count: 200, interval: 10ms, expect-received: [100, 180], expect-far-end-loss: [30, 90], expect-near-end-loss: 0 } }
  - { at: 10s, slm: { mep: d/m/1, target-mep-id: 2, count: 200, interval: 10ms, expect-far-end-loss: [0, 5] } }`));
    expect(r.failures.length).toBe(1);
    expect(r.failures[0]).toMatch(/^steps\[2\] \(10s\): slm far-end loss \d+, expected 0\.\.5$/);
  });

  it('a frame in flight when the link is cut is reported as cut by the tap (SimNetwork)', () => {
    const net = new SimNetwork();
    const a = new SimSwitch(net, 'a', ['p1']);
    new SimSwitch(net, 'b', ['p1']);
    const link = net.connect('a:p1', 'b:p1', { delayNs: 10e6 });
    const seen: TxRecord[] = [];
    net.tap((x) => seen.push(x));
    a.inject('p1', new Uint8Array(64), 'relay');
    net.runMs(1);
    link.up = false;
    net.runMs(20);
    expect(seen.map((x) => [x.fate, x.atNs, x.link])).toEqual([['sent', 0, 'a:p1-b:p1'], ['cut', 10e6, 'a:p1-b:p1']]);
  });

  it('window [A, B]: an event before A fails as too early, one inside passes; never with a window', () => {
    const r = run(sc(`
  - { at: 2s, cut: a-b }
  - { at: 2s, expect: { mep: d/m/1, defect: defRemoteCCM, window: [2.4s, 2.5s] } }
  - { at: 2s, expect: { mep: d/m/1, defect: defRemoteCCM, window: [2.6s, 3s] } }
  - { at: 2s, expect: { mep: d/m/1, defect: defRemoteCCM, window: [0s, 2.4s], never: true } }`));
    expect(r.failures.length).toBe(1);
    expect(r.failures[0]).toMatch(/steps\[2\].*came too early \(at 4\.5s, \+2\.5s\)/);
  });

  it('status checks: counters (MEP), FNG state, highestDefect, presentRDI, the remote status TLVs', () => {
    const r = run(sc(`
  - { at: 4.5s, expect: { mep: d/m/1, counter: ccmsSent, value: 5 } }
  - { at: 4.5s, expect: { mep: d/m/1, counter: ccmsReceived, value: [4, 5] } }
  - { at: 4.5s, expect: { mep: d/m/1, fng-state: fngReset } }
  - { at: 4.5s, expect: { mep: d/m/1, highest-defect: none } }
  - { at: 4.5s, expect: { mep: d/m/1, present-rdi: false } }
  - { at: 4.5s, expect: { mep: d/m/2, remote: 1, port-status: 2 } }
  - { at: 4.5s, expect: { mep: d/m/1, counter: ccmsSent, value: 7 } }`, { mep1: 'port-status-tlv: true, ' }));
    expect(r.failures).toEqual(['steps[6] (4.5s): d/m/1 ccmsSent: 5, expected 7']);
  });

  it("inject: a CCM with the MA's MAID and a wrong MEP id raises defErrorCCM; RDI on a valid one raises defRDICCM; the frame goes to the MEP, not onto the link", () => {
    const r = run(sc(`
  - { at: 3s, inject: { port: "a:p1", opcode: ccm, level: 2, maid-of: d/m/1, mep-id: 9 } }
  - { at: 3s, expect: { mep: d/m/1, defect: defErrorCCM, within: 1ms } }
  - { at: 3s, expect: { frames: { link: a-b, mep-id: 9, fate: any }, count: 0, within: 1s } }
  - { at: 4.5s, cut: a-b }
  - { at: 4.5s, inject: { port: "a:p1", opcode: ccm, level: 2, maid-of: d/m/1, mep-id: 2, rdi: true, seq: 10, count: 3, every: 1s } }
  - { at: 4.5s, expect: { mep: d/m/1, defect: defRDICCM, within: 1ms } }
  - { at: 6s, expect: { mep: d/m/1, counter: seqErrors, value: 1 } }`));
    expect(r.failures).toEqual([]);
  });

  it('inject from the relay side leaves through the port (walks the MP stack outwards); raw TLVs and flags as given', () => {
    const r = run(sc(`
  - { at: 1s, inject: { port: "a:p1", from: relay, opcode: lbm, level: 6, dst: "02:00:00:00:02:01", flags: 5, tlvs: [ { type: 31, value: "00112233" } ] } }
  - { at: 1s, expect: { frames: { link: a-b, from: a, opcode: lbm, level: 6, flags: 5, tlvs: [31] }, count: 1, within: 1ms } }
  - { at: 1s, inject: { port: "a:p1", from: relay, opcode: lbm, level: 1 } }
  - { at: 1s, expect: { frames: { link: a-b, from: a, opcode: lbm, level: 1 }, count: 0, within: 1ms } }`));
    expect(r.failures).toEqual([]);
  });

  it('loopback and linktrace result expectations: bounds and reply fields', () => {
    const r = run(sc(`
  - { at: 3s, loopback: { mep: d/m/1, target-mep-id: 2, count: 3, interval: 100ms, expect-received: [3, 3], expect-out-of-order: 0, expect-bad-msdu: 0 } }
  - { at: 3s, linktrace: { mep: d/m/1, target-mep-id: 2, expect-replies: [ { ttl: 63, relay-action: rlyHit, terminal-mep: true, forwarded: false } ] } }
  - { at: 10s, linktrace: { mep: d/m/1, target-mep-id: 2, expect-replies: [ { ttl: 62 } ] } }`));
    expect(r.failures).toEqual(['steps[2] (10s): linktrace reply 1: ttl 63, expected 62']);
  });

  it('a step whose result is expected fails when the scenario ends before the result is in', () => {
    const r = run(sc(`
  - { at: 3s, linktrace: { mep: d/m/1, target-mep-id: 2, expect-hops: 1 } }`, { duration: '5s' }));
    expect(r.failures).toEqual(['steps[0] (3s): the result did not come before the scenario ended at 5s (make duration longer)']);
  });

  it('port step: STP and oper state drive the status TLVs; link down/up through the port', () => {
    const r = run(sc(`
  - { at: 3s, port: { port: "a:p1", stp: blocked, if-status: dormant } }
  - { at: 3s, expect: { frames: { link: a-b, from: a, opcode: ccm, port-status: 1, if-status: 5 }, count: 1, within: 1.1s } }
  - { at: 3s, expect: { mep: d/m/2, defect: defMACstatus, within: 1.1s } }
  - { at: 5s, port: { port: "a:p1", stp: forwarding, if-status: up } }
  - { at: 5s, expect: { mep: d/m/2, defect: defMACstatus, active: false, within: 1.1s } }
  - { at: 7s, port: { port: "b:p1", link: down } }
  - { at: 7s, expect: { mep: d/m/1, defect: defRemoteCCM, within: 4s } }`, { mep1: 'port-status-tlv: true, interface-status-tlv: true, ', duration: '12s' }));
    expect(r.failures).toEqual([]);
  });

  it('a step and a timer due at the same instant: the timer fires first (the CCM sent at 3 s is counted at 3 s)', () => {
    const r = run(sc(`
  - { at: 3s, expect: { mep: d/m/1, counter: ccmsSent, value: 4 } }
  - { at: 3s, expect: { frames: { link: a-b, from: a, opcode: ccm }, count: 1, window: [0s, 0.5s] } }`));
    expect(r.failures).toEqual([]);
  });

  it('bad new steps name the place', () => {
    const bad = (steps: string, re: RegExp) => expect(() => run(sc(steps))).toThrow(re);
    bad('  - { at: 1s, inject: { port: "a:p1", opcode: nope } }', /t.yaml: steps\[0\].inject.opcode: an opcode name/);
    bad('  - { at: 1s, inject: { port: "a:p1", opcode: ccm, maid: "00" } }', /steps\[0\].inject.maid: 48 octets/);
    bad('  - { at: 1s, inject: { port: "a:p9", opcode: ccm } }', /steps\[0\].inject.port: no port 'a:p9'/);
    bad('  - { at: 1s, inject: { port: "a:p1", opcode: lbm, maid-of: d/m/1 } }', /steps\[0\]: maid \/ maid-of apply to CCMs only/);
    bad('  - { at: 1s, expect: { frames: { link: a-b }, count: 1 } }', /steps\[0\].expect: frames are counted over a window/);
    bad('  - { at: 1s, expect: { frames: { link: a-b, from: c }, within: 1s } }', /steps\[0\].expect.frames.from: 'c' is not an end of link/);
    bad('  - { at: 1s, expect: { mep: d/m/1, defect: defRemoteCCM, window: [2s, 1s] } }', /steps\[0\].expect.window: \[min, max\] with min <= max/);
    bad('  - { at: 1s, expect: { mep: d/m/1, counter: nope, value: 1 } }', /steps\[0\].expect.counter: no counter 'nope'/);
    bad('  - { at: 1s, expect: { mep: d/m/1, fng-state: sleeping } }', /steps\[0\].expect.fng-state: one of fngReset/);
    bad('  - { at: 1s, expect: { mep: d/m/1, present-rdi: true, within: 1s } }', /status checks hold at the step time/);
    bad('  - { at: 1s, port: { port: "a:p1", stp: listening } }', /steps\[0\].port.stp: forwarding or blocked/);
    bad('  - { at: 1s, link: { link: a-b, from: z, loss: 1 } }', /steps\[0\].link.from: 'z' is not an end of link/);
  });
});
