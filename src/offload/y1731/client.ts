/** Y.1731 requests to a running manager over its control socket (docs/y1731.md "Socket protocol"). */
import { controlCall } from '../control.js';
import type { TestKind, TestRxResult, Y1731TestOptions, Y1731TestResult } from './types.js';
import type { PmSessionStatus } from './pm.js';

/** A test request's options as JSON: the Test TLV is `tlv` (`test` names the kind of test). */
export type Y1731TestRequest = Omit<Y1731TestOptions, 'test'> & { tlv?: Y1731TestOptions['test'] };

export async function controlY1731Test(path: string, mep: string, kind: TestKind, opts: Y1731TestOptions, signal?: AbortSignal): Promise<Y1731TestResult> {
  const { test, ...rest } = opts;
  const req: Record<string, unknown> = { cmd: 'y1731', mep, test: kind, ...rest, ...(test ? { tlv: test } : {}) };
  return (await controlCall(path, req, undefined, signal)) as Y1731TestResult;
}

export async function controlY1731Received(path: string, mep: string, clear = false): Promise<TestRxResult> {
  return (await controlCall(path, { cmd: 'y1731', mep, received: true, ...(clear ? { clear: true } : {}) })) as TestRxResult;
}

/** The PM sessions of a running manager (of MEP `mep`, or all). */
export async function controlPmShow(path: string, mep?: string): Promise<PmSessionStatus[]> {
  return (await controlCall(path, { cmd: 'y1731', pm: 'show', ...(mep ? { mep } : {}) })) as PmSessionStatus[];
}
