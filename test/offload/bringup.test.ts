import { describe, expect, it } from 'vitest';
import { bringup } from '../../examples/bringup.js';

describe('examples/bringup.ts', () => {
  it('runs: plan, apply, events, status, close', async () => {
    const lines: string[] = [];
    const code = await bringup(new URL('../../examples/board-8-down-meps.yaml', import.meta.url).pathname, (s) => lines.push(s));
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('8 of 8 MEPs in hardware');
    expect(text).toContain('8 hardware operations, 0 software MEPs');
    // nobody is cabled to the lone board: every MEP loses its (absent) peer after 3.5 intervals
    expect(text).toMatch(/links\/link0\/1 defect defRemoteCCM raised \[hw\]/);
    expect(text).toContain('0 of 8 MEPs hear all their remote MEPs');
  });
});
