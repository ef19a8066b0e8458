/**
 * `cfm ... | head` (found by QA: `cfm config generate-sp --meps 1000 | head -1` died with Node's
 * unhandled EPIPE error and its stack trace, exit 1). The reader closing the pipe ends the
 * command quietly with exit 0. The CLI runs as a child process (source through tsx).
 */
import { describe, expect, it } from 'vitest';
import { spawnCfm } from '../helpers/cfm-child.js';

describe('stdout closed by the reader', () => {
  it('cfm config generate-sp | head -1: exit 0, nothing on stderr', async () => {
    const { child, done } = spawnCfm(['config', 'generate-sp', '--meps', '4000']);
    child.stdout!.once('data', () => child.stdout!.destroy()); // what head does after its line
    const r = await done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
