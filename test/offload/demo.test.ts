import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/offload/demo.js';

describe('cfm demo (in-process)', () => {
  it('prints the plan and the expected timeline, and every check passes', async () => {
    const lines: string[] = [];
    const r = await runDemo({ print: (s) => lines.push(s) });
    const text = lines.join('\n');
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.hardware).toBeGreaterThan(0);
    expect(r.software).toBeGreaterThan(0);
    // the plan with reasons
    expect(text).toContain('plan for switch sw1: profile mock-default');
    expect(text).toContain('interval 1min not in hardware intervals 3.33ms..1s');
    expect(text).toContain('2 remote MEPs, hardware checks one peer per VOE');
    expect(text).toContain('pinned to software by config');
    // the timeline, in order
    const order = [
      'sessions start',
      'fiber sw1 -> sw2 breaks',
      'sw2 demo/svc-100ms/32 defect defRemoteCCM raised [hw]',
      'sw1 demo/svc-100ms/31 defect defRDICCM raised [hw]',
      'fiber repaired',
      'cable sw1-sw2 cut',
      'sw1 demo/svc-pinned/91 defect defRemoteCCM raised',
      'cable restored',
      'sw2 demo/svc-100ms/32 defect defRemoteCCM cleared [hw]',
      'demo ok',
    ];
    let at = -1;
    for (const s of order) {
      const i = text.indexOf(s, at + 1);
      expect(i, `'${s}' after position ${at}`).toBeGreaterThan(at);
      at = i;
    }
    // LOC of the 100 ms hardware MEP: 3.25..3.5 intervals after its last CCM, i.e. 2.25..3.5 after the cut
    const loc = r.checks.find((c) => c.name === 'cable cut: sw1 demo/svc-100ms/31 (100ms) defRemoteCCM')!;
    expect(loc.ok).toBe(true);
  }, 60_000);
});
