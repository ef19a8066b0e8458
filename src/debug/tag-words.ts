/**
 * Debug tag arguments as an operator types them (seed 004 style keyword/value pairs):
 *   mep <mep-id> domain <md-id> association <ma-id> [direction rx|tx|both]
 *   mip <interface> level <md-level> [vlan <vid>] [switch <name>] [direction rx|tx|both]
 */
import { UsageError } from '../common/errors.js';
import { DEFAULT_SWITCH, type DebugDirection, type DebugTag } from '../config/model.js';

const USAGE = "expected 'mep <mep-id> domain <md-id> association <ma-id> [direction rx|tx|both]' or 'mip <interface> level <0-7> [vlan <vid>] [switch <name>] [direction rx|tx|both]'";

function intIn(v: string | undefined, what: string, lo: number, hi: number): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) throw new UsageError(`${what} must be an integer ${lo}..${hi}, not '${v ?? ''}'`);
  return Number(v);
}

export function parseTagWords(words: string[]): DebugTag {
  const [kind, first, ...rest] = words;
  if (kind !== 'mep' && kind !== 'mip') throw new UsageError(`debug tag: ${USAGE}`);
  if (first === undefined) throw new UsageError(`debug tag ${kind}: ${USAGE}`);
  if (rest.length % 2) throw new UsageError(`debug tag: '${rest[rest.length - 1]}' has no value; ${USAGE}`);
  const kv = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    const allowed = kind === 'mep' ? ['domain', 'association', 'direction'] : ['level', 'vlan', 'switch', 'direction'];
    if (!allowed.includes(k)) throw new UsageError(`debug tag ${kind}: unknown keyword '${k}' (${allowed.join(', ')})`);
    if (kv.has(k)) throw new UsageError(`debug tag ${kind}: '${k}' given twice`);
    kv.set(k, rest[i + 1]);
  }
  const dir = kv.get('direction') ?? 'both';
  if (dir !== 'both' && dir !== 'rx' && dir !== 'tx') throw new UsageError(`direction must be rx, tx or both, not '${dir}'`);
  const direction = dir as DebugDirection;
  if (kind === 'mep') {
    const mepId = intIn(first, 'mep-id', 1, 8191);
    const domainId = kv.get('domain');
    const associationId = kv.get('association');
    if (!domainId || !associationId) throw new UsageError(`debug tag mep ${first}: domain and association are required`);
    return { kind: 'mep', domainId, associationId, mepId, mepKey: `${domainId}/${associationId}/${mepId}`, direction };
  }
  const level = intIn(kv.get('level'), 'level', 0, 7);
  const vlan = kv.has('vlan') ? intIn(kv.get('vlan'), 'vlan', 0, 4094) : 0;
  const sw = kv.get('switch') ?? DEFAULT_SWITCH;
  return { kind: 'mip', switch: sw, port: first, vlan, level, mipKey: `${sw}/${first}/${vlan}/${level}`, direction };
}
