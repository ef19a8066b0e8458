/**
 * Assertions of the vendor-ABI conformance rules. A failed check throws a RuleFailure whose
 * message a shim author can act on without reading our source: the C call, what the ABI
 * requires, and what the library returned, status codes by their header names (CFM_ENOTSUP,
 * never -4).
 */
import { isDeepStrictEqual, inspect } from 'node:util';
import { ASIC_STATUS, AsicError, asicStatusName } from '../backends/asic-binding/index.js';

/** A rule's requirement was not met. */
export class RuleFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleFailure';
  }
}

/** Thrown by RuleContext.skip(): the rule does not apply to this library (reason printed). */
export class RuleSkip extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'RuleSkip';
  }
}

/** 'CFM_ENOTSUP (-4)' style name of a status code as cfm_asic.h spells it. */
export function statusText(code: number): string {
  const name = asicStatusName(code);
  return name === 'EUNKNOWN' ? `unknown status ${code}` : `CFM_${name}`;
}

/** The C function behind each AsicDevice.raw() name, for messages. */
export const C_CALL: Record<string, string> = {
  capsGet: 'cfm_asic_caps_get', countersGet: 'cfm_asic_counters_get',
  portFlagsSet: 'cfm_port_flags_set', portFlagsGet: 'cfm_port_flags_get',
  voeAlloc: 'cfm_voe_alloc', voeConfSet: 'cfm_voe_conf_set', voeConfGet: 'cfm_voe_conf_get',
  voeFree: 'cfm_voe_free', voeList: 'cfm_voe_list', ccSet: 'cfm_voe_cc_set', ccGet: 'cfm_voe_cc_get',
  rdiSet: 'cfm_voe_rdi_set', statusGet: 'cfm_voe_status_get', eventPoll: 'cfm_event_poll',
  frameRx: 'cfm_frame_rx', frameTx: 'cfm_frame_tx', policerSet: 'cfm_policer_set',
  policerGet: 'cfm_policer_get', policerCountersGet: 'cfm_policer_counters_get',
};

function show(v: unknown): string {
  return inspect(v, { depth: 4, breakLength: Infinity, maxArrayLength: 16 });
}

/** The checks a rule body uses; every one names what it checked. */
export const check = {
  /** `call` returned `actual`; the ABI requires `expected` (one status or any of several). */
  status(actual: number, expected: number | readonly number[], call: string): void {
    const want = typeof expected === 'number' ? [expected] : expected;
    if (want.includes(actual)) return;
    throw new RuleFailure(`${call}: expected ${want.map(statusText).join(' or ')}, got ${statusText(actual)}`);
  },
  equal<T>(actual: T, expected: T, what: string): void {
    if (isDeepStrictEqual(actual, expected)) return;
    throw new RuleFailure(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  },
  ok(condition: boolean, what: string): void {
    if (!condition) throw new RuleFailure(what);
  },
};

/** What a rule body threw, as a readable one-line reason (AsicError -> status by name). */
export function describeThrown(e: unknown): string {
  if (e instanceof RuleFailure) return e.message;
  if (e instanceof AsicError) {
    const at = e.message.indexOf(`: ${e.status}: `);
    const call = at >= 0 ? e.message.slice(0, at) : e.call;
    const text = at >= 0 ? e.message.slice(at + e.status.length + 4) : '';
    return `${call}: expected ${statusText(ASIC_STATUS.OK)}, got ${statusText(e.statusCode)}${text ? ` ("${text}")` : ''}`;
  }
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
