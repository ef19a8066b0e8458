/**
 * Checks of on-demand test options, shared by the library call (OffloadManager.y1731.test) and
 * the control socket request ({"cmd":"y1731",...}, which may come from any script): every bad
 * field is a USAGE error naming it.
 */
import { CfmError } from '../../common/errors.js';
import { TEST_KINDS, type TestKind, type Y1731TestOptions } from './types.js';

/** Largest Data TLV / Test TLV that keeps a DMM (the longest fixed part: 32 octets) within 1500 octets. */
export const MAX_TEST_DATA = 1460;
export const MAX_TEST_COUNT = 10_000;

const MAC_RE = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

function bad(msg: string): never {
  throw new CfmError('USAGE', msg);
}

function int(what: string, field: string, v: unknown, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${what}: "${field}" ${JSON.stringify(v)} is not an integer ${min}..${max}`);
  return v;
}

/** Throws a USAGE error on the first bad option of a `kind` test. */
export function checkTestOptions(kind: TestKind, o: Y1731TestOptions): void {
  const what = kind;
  if (!TEST_KINDS.includes(kind)) bad(`unknown test ${JSON.stringify(kind)} (${TEST_KINDS.join(', ')})`);
  if ((o.target === undefined) === (o.targetMepId === undefined)) bad(`${what}: give exactly one of "target" (a MAC) and "targetMepId"`);
  if (o.target !== undefined && (typeof o.target !== 'string' || !MAC_RE.test(o.target))) bad(`${what}: "target" ${JSON.stringify(o.target)} is not a MAC address`);
  int(what, 'targetMepId', o.targetMepId, 1, 8191);
  int(what, 'count', o.count, 1, MAX_TEST_COUNT);
  int(what, 'intervalMs', o.intervalMs, 1, 3_600_000);
  int(what, 'priority', o.priority, 0, 7);
  int(what, 'timeoutMs', o.timeoutMs, 1, 600_000);
  int(what, 'testId', o.testId, 0, 0xffffffff);
  if (o.testId !== undefined && kind !== 'slm') bad(`${what}: "testId" is for SLM only`);
  int(what, 'dataSize', o.dataSize, 1, MAX_TEST_DATA);
  if (o.dataSize !== undefined && o.test !== undefined) bad(`${what}: "dataSize" and "test" exclude each other (a Data TLV or a Test TLV)`);
  if (o.test !== undefined) {
    const t = o.test as unknown;
    if (typeof t !== 'object' || t === null) bad(`${what}: "test" must be {"patternType":0..3,"length":N}`);
    const patternType = int(what, 'test.patternType', (t as Record<string, unknown>).patternType, 0, 3);
    const withCrc = patternType === 1 || patternType === 3;
    const length = int(what, 'test.length', (t as Record<string, unknown>).length, 1, MAX_TEST_DATA - (withCrc ? 4 : 0));
    if (patternType === undefined || length === undefined) bad(`${what}: "test" needs "patternType" and "length"`);
  }
}

/** The test kind and options of a {"cmd":"y1731","test":KIND,...} request (validated; unknown fields refused). */
export function testRequest(req: Record<string, unknown>): { kind: TestKind; options: Y1731TestOptions } {
  const kind = req.test as TestKind;
  if (typeof kind !== 'string' || !TEST_KINDS.includes(kind)) bad(`y1731: "test" must be one of ${TEST_KINDS.join(', ')}, not ${JSON.stringify(req.test)}`);
  const allowed = new Set(['cmd', 'test', 'mep', 'target', 'targetMepId', 'count', 'intervalMs', 'priority', 'dataSize', 'test', 'timeoutMs', 'testId', 'tlv']);
  for (const k of Object.keys(req)) if (!allowed.has(k)) bad(`y1731: unknown field "${k}"`);
  const o: Y1731TestOptions = {};
  for (const k of ['target', 'targetMepId', 'count', 'intervalMs', 'priority', 'dataSize', 'timeoutMs', 'testId'] as const) {
    if (req[k] !== undefined) (o as Record<string, unknown>)[k] = req[k];
  }
  if (req.tlv !== undefined) o.test = req.tlv as Y1731TestOptions['test'];
  checkTestOptions(kind, o);
  if (o.target !== undefined) o.target = o.target.toLowerCase().replace(/-/g, ':');
  return { kind, options: o };
}
