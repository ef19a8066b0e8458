/**
 * `cfm dm|lm|slm|tst` against running managers (two mock-ASIC switches in the simulator serving
 * their control sockets exactly as `cfm apply --follow` wires them; test/oam-cli/served.ts),
 * while the test advances virtual time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { served, type Served } from '../oam-cli/served.js';

let s: Served | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

describe('cfm dm / lm / slm / tst against a running manager', () => {
  it('cfm dm: seed-001 summary, delay and IFDV lines (0.5 ms each way), exit 0; --json', async () => {
    s = await served({ pin: 'software' });
    const r = await s.cfm('sw1', 'dm', 'md1/ma1/1', '--target-mep', '2', '--count', '3', '--interval-ms', '100');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toEqual([
      'Two-way delay test (DMM) from md1/ma1/1 to MEP 2: 3 frame(s), 100 ms apart',
      'Sent 3 packets, received 3 packets [0 out-of-order, 0 errored]',
      'frame delay min/avg/max = 1.000/1.000/1.000 ms',
      'delay variation (IFDV) avg/max = 0.000/0.000 ms',
    ]);
    const j = await s.cfm('sw1', 'dm', 'md1/ma1/1', '--target-mep', '2', '--count', '2', '--interval-ms', '10', '--test-pattern', 'prbs-crc', '--test-size', '200', '--priority', '3', '--json');
    expect(j.code).toBe(0);
    const res = (JSON.parse(j.out) as { result: Record<string, unknown> }).result;
    expect(res).toMatchObject({ kind: 'dmm', sent: 2, received: 2, errored: 0, delaysNs: [1_000_000, 1_000_000], completed: true });
  });

  it('cfm dm --one-way, then cfm dm --received on the receiving switch', async () => {
    s = await served({ pin: 'hardware' });
    const r = await s.cfm('sw1', 'dm', 'md1/ma1/1', '--target-mep', '2', '--one-way', '--count', '4', '--interval-ms', '10');
    expect(r.code).toBe(0);
    expect(r.out).toContain('One-way delay test (1DM) from md1/ma1/1 to MEP 2: 4 frame(s), 10 ms apart');
    expect(r.out).toMatch(/Sent 4 packets to 02:[0-9a-f:]{14}; the receiving MEP has the results \(cfm dm md1\/ma1\/2 --received on its switch\)/);
    await s.run(10);
    const rx = await s.cfm('sw2', 'dm', 'md1/ma1/2', '--received', '--clear');
    expect(rx.err).toBe('');
    expect(rx.code).toBe(0);
    const lines = rx.out.trim().split('\n');
    expect(lines[0]).toBe('1DM received at md1/ma1/2:');
    expect(lines[1]).toMatch(/^from 02:[0-9a-f:]{14}: 4 packets \[0 out-of-order\]$/);
    expect(lines[2]).toBe('  one-way delay min/avg/max = 0.500/0.500/0.500 ms');
    expect((await s.cfm('sw2', 'dm', 'md1/ma1/2', '--received')).out.trim()).toBe('1DM received at md1/ma1/2: none');
  });

  it('cfm lm and cfm slm: loss lines; cfm tst and the receiver counts', async () => {
    s = await served({ pin: 'software' });
    const lm = await s.cfm('sw1', 'lm', 'md1/ma1/1', '--target-mep', '2', '--count', '3', '--interval-ms', '100');
    expect(lm.code).toBe(0);
    expect(lm.out).toContain('Sent 3 packets, received 3 packets [0 out-of-order, 0 errored]');
    expect(lm.out).toMatch(/frame loss far-end 0\/\d+ \(0\.00%\), near-end 0\/\d+ \(0\.00%\)/);
    const slm = await s.cfm('sw1', 'slm', 'md1/ma1/1', '--target-mep', '2', '--count', '5', '--interval-ms', '10', '--test-id', '42');
    expect(slm.code).toBe(0);
    expect(slm.out).toContain('Sent 5 packets, received 5 packets [0 out-of-order, 0 errored] test id 42');
    expect(slm.out).toContain('frame loss far-end 0/4 (0.00%), near-end 0/4 (0.00%)');
    const tst = await s.cfm('sw1', 'tst', 'md1/ma1/1', '--target-mep', '2', '--count', '6', '--interval-ms', '5', '--test-pattern', 'null-crc', '--test-size', '100');
    expect(tst.code).toBe(0);
    expect(tst.out).toContain('Test signal (TST) from md1/ma1/1 to MEP 2: 6 frame(s), 5 ms apart');
    await s.run(10);
    const rx = await s.cfm('sw2', 'tst', 'md1/ma1/2', '--received', '--json');
    expect(rx.code).toBe(0);
    expect(JSON.parse(rx.out)).toMatchObject({ mep: 'md1/ma1/2', tst: [{ received: 6, outOfOrder: 0, errored: 0, lastSeq: 5 }] });
  });

  it('a cut link times out: exit 1 with the reason; bad targets and arguments exit 2', async () => {
    s = await served({ pin: 'software' });
    s.r.net.link('sw1:swp1-sw2:swp1').up = false;
    const lost = await s.cfm('sw1', 'dm', 'md1/ma1/1', '--target-mep', '2', '--count', '2', '--interval-ms', '10', '--timeout-ms', '300');
    expect(lost.code).toBe(1);
    expect(lost.err).toBe('');
    expect(lost.out.trim().split('\n').slice(1)).toEqual(['Sent 2 packets, received 0 packets [0 out-of-order, 0 errored]', 'no reply: test not completed']);
    const slm = await s.cfm('sw1', 'slm', 'md1/ma1/1', '--target-mac', '02:00:00:00:00:77', '--count', '1', '--timeout-ms', '100', '--json');
    expect(slm.code).toBe(1);
    expect(JSON.parse(slm.out)).toMatchObject({ result: { kind: 'slm', target: '02:00:00:00:00:77', sent: 1, received: 0, completed: false, loss: null } });

    const cases: Array<[string[], string]> = [
      [['dm', 'md1/ma1/1', '--target-mep', '9'], 'cfm: manager: MEP md1/ma1/1: MEP 9 is not a remote MEP of its MA'],
      [['lm', 'md1/ma1/7', '--target-mep', '2'], 'cfm: manager: no MEP md1/ma1/7 on this switch (MEPs: md1/ma1/1)'],
      [['dm', 'md1/ma1/1'], 'cfm: one of --target-mep ID or --target-mac MAC is needed'],
      [['slm', 'md1/ma1/1', '--target-mac', 'nope'], "cfm: --target-mac 'nope' is not a MAC address (aa:bb:cc:dd:ee:ff)"],
      [['tst', 'md1/ma1/1', '--target-mep', '2', '--count', '0'], "cfm: --count must be an integer 1..10000, not '0'"],
      [['dm', 'md1/ma1/1', '--target-mep', '2', '--one-way', '--timeout-ms', '5'], 'cfm: --timeout-ms is for tests with replies (not --one-way or tst)'],
      [['tst', 'md1/ma1/1', '--target-mep', '2', '--test-pattern', 'ones'], "cfm: --test-pattern must be null, null-crc, prbs or prbs-crc, not 'ones'"],
      [['dm', 'md1/ma1/1', '--target-mep', '2', '--data-size', '9', '--test-size', '9'], 'cfm: --data-size and --test-pattern/--test-size exclude each other (a Data TLV or a Test TLV)'],
      [['dm', 'md1/ma1/1', '--target-mep', '2', '--priority', '8'], "cfm: --priority must be an integer 0..7, not '8'"],
    ];
    const lm = await s.cfm('sw1', 'lm', 'md1/ma1/1', '--target-mep', '2', '--test-id', '5');
    expect(lm.code).toBe(2);
    expect(lm.err).toContain("unknown option '--test-id'");
    for (const [args, err] of cases) {
      const r = await s.cfm('sw1', ...args);
      expect({ args, code: r.code, err: r.err.trim() }).toEqual({ args, code: 2, err });
    }
  });
});

describe('cfm mep set --lock', () => {
  it('needs fault-signalling in the config (exit 1 naming the field); with it, LCK starts and stops', async () => {
    s = await served({ pin: 'hardware' });
    const no = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'on');
    expect(no.code).toBe(1);
    expect(no.err).toContain('/meps/0/locked: MEP md1/ma1/1 has no fault-signalling (client-md-level) in its config');
    const model = s.r.mgr.sw1.currentModel!;
    const mep = model.domains[0].associations[0].meps[0];
    const withFs = { ...model, domains: [{ ...model.domains[0], associations: [{ ...model.domains[0].associations[0], meps: [{ ...mep, faultSignalling: { clientLevel: 6, ais: true, period: 4 as const, priority: 7, locked: false, csf: false } }, ...model.domains[0].associations[0].meps.slice(1)] }] }] };
    await s.r.mgr.sw1.apply(withFs);
    const on = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'on');
    expect(on.err).toBe('');
    expect(on.out.trim()).toBe('md1/ma1/1 lock on: sending LCK to the client level (Y.1731 7.6)');
    await s.run(2500);
    const em = s.r.mgr.sw1.engine.findMep('md1/ma1/1')!;
    expect(em.counters.lckOut).toBe(3);
    const off = await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'off');
    expect(off.out.trim()).toBe('md1/ma1/1 lock off: LCK stopped');
    await s.run(3000);
    expect(em.counters.lckOut).toBe(3);
    expect((await s.cfm('sw1', 'mep', 'set', 'md1/ma1/1', '--lock', 'maybe')).code).toBe(2);
  });
});
