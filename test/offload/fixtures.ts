/**
 * Small hand-built config models and profiles for planner/reconciler tests (the real loaders
 * are exercised in the example-config tests).
 */
import type { CfmModel, LocalMep } from '../../src/config/model.js';
import type { HwProfile } from '../../src/profiles/types.js';
import type { IntervalCode } from '../../src/common/interval.js';
import { encodeMaid } from '../../src/pdu/maid.js';

export function mkMep(over: Partial<LocalMep> & { mepId: number }): LocalMep {
  const md = over.domainId ?? 'md1';
  const ma = over.associationId ?? 'ma1';
  return {
    key: `${md}/${ma}/${over.mepId}`,
    domainId: md,
    associationId: ma,
    groupId: 'g1',
    switch: 'default',
    level: 5,
    interval: 4 as IntervalCode,
    vlan: 0,
    maid: encodeMaid({ md: { format: 4, name: md }, ma: { format: 2, name: ma } }),
    port: `p${over.mepId}`,
    direction: 'down',
    enabled: true,
    ccmLtmPriority: 7,
    ccmEnabled: true,
    lowestAlarmPriority: 2,
    fngAlarmTimeMs: 2500,
    fngResetTimeMs: 10000,
    portStatusTlv: false,
    interfaceStatusTlv: false,
    senderIdPermission: 'none',
    remoteMepIds: [1000 + over.mepId],
    placement: 'auto',
    ...over,
  };
}

/** One domain/association per MEP's (domainId, associationId), MEPs as given. */
export function mkModel(meps: LocalMep[]): CfmModel {
  const domains = new Map<string, CfmModel['domains'][number]>();
  for (const m of meps) {
    let d = domains.get(m.domainId);
    if (!d) {
      d = { id: m.domainId, name: { format: 4, name: m.domainId }, level: m.level, mhfCreation: 'none', senderIdPermission: 'none', associations: [] };
      domains.set(m.domainId, d);
    }
    let a = d.associations.find((x) => x.id === m.associationId);
    if (!a) {
      a = {
        id: m.associationId, domainId: m.domainId, key: `${m.domainId}/${m.associationId}`,
        name: { format: 2, name: m.associationId }, maid: m.maid, level: m.level, interval: m.interval,
        vlan: m.vlan, mepIds: [], meps: [], mhfCreation: 'none', senderIdPermission: 'none',
      };
      d.associations.push(a);
    }
    a.meps.push(m);
    a.mepIds = [...new Set([...a.mepIds, m.mepId, ...m.remoteMepIds])].sort((x, y) => x - y);
  }
  const switches = [...new Set(meps.map((m) => m.switch))].sort().map((name) => ({ name }));
  return { domains: [...domains.values()], mips: [], cpuProtection: { policies: [], bindings: [] }, debugTags: [], switches };
}

export function mkProfile(over: Partial<HwProfile> = {}): HwProfile {
  return {
    name: 'test-chip', description: 'test', vendor: 'test', family: 'test', variants: [], backend: 'mock',
    ports: [], portCount: null,
    voes: { port: 8, service: 0, up: 0, down: null, sharedTotal: null, perPort: null },
    mips: { down: 0, up: 0 },
    txIntervals: [1, 2, 3, 4], rxIntervals: [1, 2, 3, 4], ccmTx: 'injected', injectorBudgetFps: null,
    peersPerVoe: 1, remoteMepTable: null, upMep: false, vlanMep: false,
    offload: { loopback: false, linktrace: false, aisLck: false, lm: false, dm: false },
    offloadDetail: { loopback: 'none', linktrace: 'none', aisLck: 'none', lm: 'none', dm: 'none' },
    loc: { method: 'miss-count', threshold: 3.5 }, defects: ['loc', 'rdi'],
    cpuQueues: { count: null, perPduType: false }, policers: null, counters: [], sources: {}, notes: {},
    ...over,
  };
}
