/**
 * The large mock-ASIC switch the offload and telemetry benchmarks run: a 4-port board with 8,192
 * service VOEs (CCM transmission in hardware) and a config of n point-to-point MAs, one local MEP
 * each, spread over the ports (4,094 VLANs per port).
 */
import { MockAsicBackend } from '../src/backends/mock/backend.js';
import { VirtualClock } from '../src/common/clock.js';
import type { IntervalCode } from '../src/common/interval.js';
import type { CfmModel, LocalMep } from '../src/config/model.js';
import { OffloadManager } from '../src/offload/manager.js';
import { encodeMaid } from '../src/pdu/maid.js';
import { loadProfile } from '../src/profiles/index.js';
import type { HwProfile } from '../src/profiles/types.js';

export const FLEET_PORTS = 4;

/**
 * n MAs ma0.. in MD md (level 5), MA i with local MEP 1 (down, remote MEP 2) on VLAN 1 + i % 4094
 * of port p(i / 4094), CCM interval `intervals[i % intervals.length]`; `mepIds` is each MA's MEP list.
 */
export function fleetModel(n: number, o: { intervals: IntervalCode[]; mepIds: number[] }): CfmModel {
  const associations = Array.from({ length: n }, (_, i) => {
    const id = `ma${i}`;
    const maid = encodeMaid({ md: { format: 4, name: 'md' }, ma: { format: 2, name: id } });
    const mep: LocalMep = {
      key: `md/${id}/1`, mepId: 1, domainId: 'md', associationId: id, groupId: 'g', switch: 'default', level: 5,
      interval: o.intervals[i % o.intervals.length], vlan: 1 + (i % 4094), maid, port: `p${Math.floor(i / 4094)}`, direction: 'down', enabled: true,
      macAddress: '02:00:00:00:00:01', ccmLtmPriority: 7, ccmEnabled: true, lowestAlarmPriority: 2, fngAlarmTimeMs: 2500,
      fngResetTimeMs: 10000, portStatusTlv: false, interfaceStatusTlv: false, senderIdPermission: 'none', remoteMepIds: [2], placement: 'auto',
    };
    return {
      id, domainId: 'md', key: `md/${id}`, name: { format: 2, name: id } as const, maid, level: 5, interval: mep.interval, vlan: mep.vlan,
      mepIds: [...o.mepIds], meps: [mep], mhfCreation: 'none' as const, senderIdPermission: 'none' as const,
    };
  });
  return {
    domains: [{ id: 'md', name: { format: 4, name: 'md' }, level: 5, mhfCreation: 'none', senderIdPermission: 'none', associations }],
    mips: [], cpuProtection: { policies: [], bindings: [] }, debugTags: [], switches: [{ name: 'default' }],
  };
}

/** mock-default with 4 ports, 8,192 service / up VOEs and no injector limit. */
export function fleetProfile(): HwProfile {
  const p = loadProfile('mock-default');
  return {
    ...p, ports: Array.from({ length: FLEET_PORTS }, (_, i) => `p${i}`), portCount: FLEET_PORTS,
    voes: { ...p.voes, service: 8192, up: 8192, down: 8192 + FLEET_PORTS }, ccmTx: 'hardware', injectorBudgetFps: null,
  };
}

/** A fresh mock ASIC instance of `prof`; `tag` names the instance (bench-TAG-random). */
export function fleetMock(prof: HwProfile, tag: string): MockAsicBackend {
  return new MockAsicBackend({ ports: prof.ports, portVoes: FLEET_PORTS, serviceVoes: 8192, ccmTxMode: 'hardware', instance: `bench-${tag}-${Math.random()}` });
}

/** An offload manager (virtual clock) on a fresh fleetMock of `prof`: `fn` runs with both, then both are closed. */
export async function withFleetManager<T>(prof: HwProfile, tag: string, fn: (mgr: OffloadManager, backend: MockAsicBackend) => Promise<T>): Promise<T> {
  const b = fleetMock(prof, tag);
  const mgr = new OffloadManager({ backend: b, profile: prof, clock: new VirtualClock() });
  try {
    return await fn(mgr, b);
  } finally {
    await mgr.close();
    await b.close();
  }
}
