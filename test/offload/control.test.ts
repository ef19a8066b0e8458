import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlMonitor, controlRequest, serveControl } from '../../src/offload/control.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sockPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'cfm-ctl-'));
  dirs.push(d);
  return join(d, 'ctl.sock');
}

describe('control socket', () => {
  it('answers status and streams monitor events as JSON lines', async () => {
    const path = sockPath();
    const subs = new Set<(e: unknown) => void>();
    const srv = await serveControl(path, {
      status: async () => ({ meps: 3 }),
      subscribe: (fn) => {
        subs.add(fn);
        return () => subs.delete(fn);
      },
    });
    expect(await controlRequest(path, 'status')).toEqual({ meps: 3 });
    const got: unknown[] = [];
    const ac = new AbortController();
    const mon = controlMonitor(path, (e) => {
      got.push(e);
      if (got.length === 2) ac.abort();
    }, ac.signal);
    while (subs.size === 0) await new Promise((r) => setTimeout(r, 5));
    for (const fn of subs) { fn({ type: 'defect', n: 1 }); fn({ type: 'alarm', n: 2 }); }
    await mon;
    expect(got).toEqual([{ type: 'defect', n: 1 }, { type: 'alarm', n: 2 }]);
    await srv.close();
  });

  it('refuses a second server, names a missing manager, serves again after close', async () => {
    const path = sockPath();
    const h = { status: async () => 1, subscribe: () => () => {} };
    const a = await serveControl(path, h);
    await expect(serveControl(path, h)).rejects.toThrow(/already serving/);
    await a.close();
    await expect(controlRequest(path, 'status')).rejects.toThrow(/no manager is running/);
    const b = await serveControl(path, h);
    await b.close();
  });
});
