/** `cfm conformance`: text and JSON reports, --rule, and clear usage errors (no stack trace). */
import { describe, expect, it } from 'vitest';
import { runCfm } from '../helpers/cli.js';

describe('cfm conformance', () => {
  it('passes on the mock ASIC and prints one line per rule with skip reasons', async () => {
    const r = await runCfm('conformance');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS {2}voe\.lifecycle /m);
    expect(r.out).toMatch(/^SKIP {2}policer\.config[^\n]*\n {6}skipped: no policers/m);
    expect(r.out.trimEnd().endsWith('conforms')).toBe(true);
  });

  it('prints one JSON report with --json and runs only the chosen rules with --rule', async () => {
    const r = await runCfm('conformance', '--json', '--rule', 'voe.unknown-id', 'cc.validate');
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as { ok: boolean; passed: number; failed: number; targets: { results: { id: string; outcome: string }[] }[] };
    expect(rep.ok).toBe(true);
    expect(rep.failed).toBe(0);
    expect(rep.targets).toHaveLength(2);
    expect(rep.targets[0].results.map((x) => x.id)).toEqual(['voe.unknown-id', 'cc.validate']);
  });

  it('says what is wrong with a bad --sdk or --rule (exit 2)', async () => {
    const a = await runCfm('conformance', '--sdk', '/nonexistent/libshim.so');
    expect(a.code).toBe(2);
    expect(a.err).toBe('cfm: --sdk: no such file: /nonexistent/libshim.so\n');
    const b = await runCfm('conformance', '--rule', 'no.such');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/^cfm: --rule: unknown rule no\.such \(rules: abi\.version-and-names, /);
  });

  it('fails with a readable reason on a library that is not an ABI implementation', async () => {
    const r = await runCfm('conformance', '--sdk', process.execPath);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^cfm: (cannot load ASIC library|${process.execPath} does not implement the cfm ASIC ABI)`));
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });
});
