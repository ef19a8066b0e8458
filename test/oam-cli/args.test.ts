import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'cfm-oam-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOSOCK = join(dir, 'none.sock');

describe('cfm loopback / linktrace / mep / cc: bad arguments', () => {
  const cases: Array<[string[], string]> = [
    [['loopback', 'md1/ma1/1'], 'cfm: one of --target-mep ID, --target-mac MAC or --multicast is needed'],
    [['loopback', 'md1/ma1/1', '--target-mep', '2', '--multicast'], 'cfm: only one of --target-mep ID, --target-mac MAC or --multicast is needed'],
    [['loopback', 'md1-ma1-1', '--target-mep', '2'], 'cfm: MEP \'md1-ma1-1\' is not a MEP key "<md>/<ma>/<mepid>" (as cfm status shows it)'],
    [['loopback', 'md1/ma1/1', '--target-mep', '9000'], "cfm: --target-mep must be an integer 1..8191, not '9000'"],
    [['loopback', 'md1/ma1/1', '--target-mac', '02:cf:00:00:01'], "cfm: --target-mac '02:cf:00:00:01' is not a MAC address (aa:bb:cc:dd:ee:ff)"],
    [['loopback', 'md1/ma1/1', '--multicast', '--count', '1025'], "cfm: --count must be an integer 1..1024, not '1025'"],
    [['loopback', 'md1/ma1/1', '--multicast', '--interval-ms', '0.5'], "cfm: --interval-ms must be an integer 1..3600000, not '0.5'"],
    [['loopback', 'md1/ma1/1', '--multicast', '--data-size', '1489'], "cfm: --data-size must be an integer 1..1488, not '1489'"],
    [['loopback', 'md1/ma1/1', '--multicast', '--data-size', '10', '--test-pattern', 'prbs', '--test-size', '10'], 'cfm: --data-size and --test-pattern/--test-size exclude each other (a Data TLV or a Test TLV)'],
    [['loopback', 'md1/ma1/1', '--multicast', '--test-pattern', 'zeros', '--test-size', '10'], "cfm: --test-pattern must be null, null-crc, prbs or prbs-crc, not 'zeros'"],
    [['loopback', 'md1/ma1/1', '--multicast', '--test-pattern', 'prbs'], 'cfm: --test-pattern and --test-size go together'],
    [['loopback', 'md1/ma1/1', '--multicast', '--test-pattern', 'null-crc', '--test-size', '1486'], "cfm: --test-size must be an integer 1..1484, not '1486'"],
    [['linktrace', 'md1/ma1/1', '--ttl', '3'], 'cfm: one of --target-mep ID or --target-mac MAC is needed'],
    [['linktrace', 'md1/ma1/1', '--target-mep', '2', '--ttl', '0'], "cfm: --ttl must be an integer 1..255, not '0'"],
    [['mep', 'show', 'md1/ma1'], 'cfm: MEP \'md1/ma1\' is not a MEP key "<md>/<ma>/<mepid>" (as cfm status shows it)'],
    [['mep', 'set', 'md1/ma1/1'], 'cfm: mep set: nothing to change (give --enable/--disable, --cc, --priority, --lowest-alarm-priority, --placement, --remote-meps or --lock)'],
    [['mep', 'set', 'md1/ma1/1', '--enable', '--disable'], 'cfm: --enable and --disable exclude each other'],
    [['mep', 'set', 'md1/ma1/1', '--cc', 'yes'], "cfm: --cc must be on or off, not 'yes'"],
    [['mep', 'set', 'md1/ma1/1', '--priority', '9'], "cfm: --priority must be an integer 0..7, not '9'"],
    [['mep', 'set', 'md1/ma1/1', '--lowest-alarm-priority', '0'], "cfm: --lowest-alarm-priority must be an integer 1..6, not '0'"],
    [['mep', 'set', 'md1/ma1/1', '--placement', 'asic'], "cfm: --placement must be auto, hardware or software, not 'asic'"],
    [['mep', 'set', 'md1/ma1/1', '--remote-meps', '2,,3'], "cfm: --remote-meps must be a comma-separated list of MEP ids, not '2,,3'"],
    [['mep', 'set', 'md1/ma1/1', '--remote-meps', '2,x'], "cfm: --remote-meps must be an integer 1..8191, not 'x'"],
    [['mep', 'set', 'md1/ma1/1', '--remote-meps', '2,3,2'], "cfm: --remote-meps lists a MEP id twice: '2,3,2'"],
    [['cc', 'interval', 'md1', '1s'], 'cfm: MA \'md1\' is not an MA key "<md>/<ma>"'],
    [['cc', 'interval', 'md1/ma1', '2s'], "cfm: interval '2s' is not one of 3.33ms, 10ms, 100ms, 1s, 10s, 1min, 10min"],
  ];
  it.each(cases)('cfm %j -> one stderr line, exit 2', async (args, msg) => {
    const r = await runCfm(...args, '--socket', NOSOCK);
    expect(r.code).toBe(2);
    expect(r.err).toBe(msg + '\n');
    expect(r.out).toBe('');
  });

  it('no manager on the socket: one line naming the path and how to start one, exit 1', async () => {
    for (const args of [['loopback', 'md1/ma1/1', '--multicast'], ['linktrace', 'md1/ma1/1', '--target-mep', '2'], ['mep', 'list'], ['mep', 'set', 'md1/ma1/1', '--cc', 'off'], ['cc', 'interval', 'md1/ma1', '1s']]) {
      const r = await runCfm(...args, '--socket', NOSOCK);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^cfm: no manager is running on ${NOSOCK} \\(ENOENT\\); start one with 'cfm apply --follow' or 'cfm run'\\n$`));
    }
  });

  it('an unknown option is a usage error (exit 2, no stack)', async () => {
    const r = await runCfm('loopback', 'md1/ma1/1', '--count-to', '3');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--count-to'");
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  // commander's own errors were its message plus the whole usage (20-60 lines)
  it.each([
    [['loopback', 'md1/ma1/1', '--count-to', '3'], "cfm: unknown option '--count-to' (Did you mean --count?) (see cfm loopback --help)"],
    [['loopback'], "cfm: missing required argument 'mep' (see cfm loopback --help)"],
    [['loopback', 'md1/ma1/1', '--count'], "cfm: option '--count <n>' argument missing (see cfm loopback --help)"],
    [['statu'], "cfm: unknown command 'statu' (Did you mean status?) (see cfm --help)"],
    [['mep', 'sett', 'md1/ma1/1'], "cfm: unknown command 'sett' (Did you mean set?) (see cfm mep --help)"],
    [['status', 'extra'], "cfm: too many arguments for 'status'. Expected 0 arguments but got 1. (see cfm status --help)"],
    // was: "too many arguments" (commander took --multicast as the count)
    [['loopback', 'md1/ma1/1', '--count', '--multicast', 'x'], "cfm: option '--count <n>' argument '--multicast' is invalid. that is an option; the value is missing (see cfm loopback --help)"],
  ])('commander: cfm %j -> one stderr line naming the help, exit 2', async (args, msg) => {
    const r = await runCfm(...args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(msg + '\n');
    expect(r.out).toBe('');
  });

  it('cfm --help lists the exit codes', async () => {
    const r = await runCfm('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Exit codes:\n {2}0 {3}done[^]*\n {2}1 {3}[^]*\n {2}2 {3}the command line is wrong[^]*\n {2}70 {2}internal error/m);
  });

  it('cfm status -j is cfm status --json (as cfm monitor -j)', async () => {
    const r = await runCfm('status', '-j', '--socket', NOSOCK);
    expect(r.code).toBe(1); // parsed: it went on to ask the (missing) manager
    expect(r.err).toMatch(/^cfm: no manager is running on /);
  });

  it.each([
    [['dm', 'md1/ma1/1', '--received', '--target-mep', '2'], 'cfm: --received reads what md1/ma1/1 received: --target-mep is for sending a test'],
    [['tst', 'md1/ma1/1', '--received', '--count', '3', '--target-mac', '02:00:00:00:00:01'], 'cfm: --received reads what md1/ma1/1 received: --target-mac, --count are for sending a test'],
  ])('Y.1731 --received with sending options: cfm %j -> exit 2 (they were ignored)', async (args, msg) => {
    const r = await runCfm(...args, '--socket', NOSOCK);
    expect(r.code).toBe(2);
    expect(r.err).toBe(msg + '\n');
  });
});
