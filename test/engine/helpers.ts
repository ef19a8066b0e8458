import { encodeMaid } from '../../src/pdu/index.js';
import { SimNetwork, SimSwitch } from '../../src/sim/index.js';
import type { FaultEvent } from '../../src/engine/index.js';
import type { IntervalCode } from '../../src/common/interval.js';

export const MAID_A = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA_A' } });
export const MAID_B = encodeMaid({ md: { format: 4, name: 'Provider' }, ma: { format: 2, name: 'MA_B' } });

export const S = 1e9;
export const MS = 1e6;

/** sw1:p1 <-> sw2:p1, a down MEP on each (ids 1 and 2), events collected. */
export function pair(o: { interval?: IntervalCode; level?: number; vlan?: number; lowestAlarmPriority?: number; link?: { delayNs?: number; jitterNs?: number; lossRate?: number; corruptRate?: number } } = {}) {
  const net = new SimNetwork({ seed: 7 });
  const sw1 = new SimSwitch(net, 'sw1', ['p1', 'p2']);
  const sw2 = new SimSwitch(net, 'sw2', ['p1', 'p2']);
  const link = net.connect('sw1:p1', 'sw2:p1', o.link ?? {});
  const events: FaultEvent[] = [];
  sw1.engine.onEvent((e) => events.push(e));
  sw2.engine.onEvent((e) => events.push(e));
  const base = { level: o.level ?? 3, interval: o.interval ?? 4, vlan: o.vlan ?? 0, maid: MAID_A, port: 'p1', direction: 'down' as const, lowestAlarmPriority: o.lowestAlarmPriority };
  const m1 = sw1.addMep({ ...base, key: 'm1', mepId: 1, remoteMepIds: [2] });
  const m2 = sw2.addMep({ ...base, key: 'm2', mepId: 2, remoteMepIds: [1] });
  return { net, sw1, sw2, link, events, m1, m2 };
}

export function ev(events: FaultEvent[], f: Partial<FaultEvent>): FaultEvent[] {
  return events.filter((e) => Object.entries(f).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v));
}
