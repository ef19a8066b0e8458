/**
 * Two mock-ASIC switches in the simulator, each with an offload manager, for session tests.
 */
import type { CfmModel, LocalMep } from '../../src/config/model.js';
import type { FaultEvent } from '../../src/engine/events.js';
import { OffloadManager } from '../../src/offload/manager.js';
import { MockSwitchNode } from '../../src/offload/sim/mock-switch.js';
import { SimNetwork } from '../../src/sim/network.js';
import type { HwProfile } from '../../src/profiles/types.js';
import type { IntervalCode } from '../../src/common/interval.js';
import { mkMep, mkModel, mkProfile } from './fixtures.js';

export interface Rig {
  net: SimNetwork;
  sw: Record<string, MockSwitchNode>;
  mgr: Record<string, OffloadManager>;
  events: Array<FaultEvent & { switch: string }>;
  close(): Promise<void>;
}

export const PROFILE: HwProfile = mkProfile({ name: 'mock-test', voes: { port: 8, service: 16, up: null, down: null, sharedTotal: null, perPort: null }, vlanMep: true, upMep: true });

export function rig(names: string[], links: Array<[string, string]>, profile: HwProfile = PROFILE): Rig {
  const net = new SimNetwork();
  const sw: Record<string, MockSwitchNode> = {};
  const mgr: Record<string, OffloadManager> = {};
  const events: Rig['events'] = [];
  for (const n of names) {
    sw[n] = new MockSwitchNode(n, net, { ports: 4, portVoes: profile.voes.port ?? 8, serviceVoes: profile.voes.service ?? 0, instance: `${n}-${Math.random()}` });
    mgr[n] = newManager(sw[n], profile, events);
  }
  for (const [a, b] of links) net.connect(a, b);
  return {
    net, sw, mgr, events,
    async close() {
      for (const m of Object.values(mgr)) await m.close();
      for (const s of Object.values(sw)) await s.close();
    },
  };
}

export function newManager(node: MockSwitchNode, profile: HwProfile, events: Rig['events']): OffloadManager {
  const m = new OffloadManager({ backend: node.backend, profile, clock: node['net'].clock, switch: node.name });
  m.onFault((e) => events.push({ ...e, switch: node.name }));
  return m;
}

/** A point-to-point MA between MEP a on switch sa and MEP b on switch sb, same port names. */
export function p2p(interval: IntervalCode, a: { sw: string; id: number; port: string; pin?: LocalMep['placement'] }, b: { sw: string; id: number; port: string; pin?: LocalMep['placement'] }, ma = 'ma1'): LocalMep[] {
  return [
    mkMep({ mepId: a.id, switch: a.sw, port: a.port, interval, remoteMepIds: [b.id], placement: a.pin ?? 'auto', associationId: ma }),
    mkMep({ mepId: b.id, switch: b.sw, port: b.port, interval, remoteMepIds: [a.id], placement: b.pin ?? 'auto', associationId: ma }),
  ];
}

export { mkModel };
export type { CfmModel };
