/**
 * Merge a hardware profile (what the chip family can do, from hw-profiles/) with the backend's
 * run-time capabilities (what this device/driver/shim actually offers) into the resources the
 * planner counts against. The stricter of the two wins; counts the profile leaves unknown (null)
 * are taken from the backend, else treated as 0 with a note (profiles/types.ts: never rely on a
 * number that is not public).
 */
import type { BackendCapabilities } from '../backends/types.js';
import type { IntervalCode } from '../common/interval.js';
import type { HwProfile } from '../profiles/types.js';
import type { HwResources, OffloadFunction } from './types.js';

function intersect(a: IntervalCode[], b: IntervalCode[] | undefined): IntervalCode[] {
  if (!b) return [...a].sort((x, y) => x - y);
  return a.filter((c) => b.includes(c)).sort((x, y) => x - y);
}

function count(
  what: string,
  fromProfile: number | null,
  fromBackend: number | undefined,
  notes: string[],
): number {
  if (fromBackend !== undefined && fromProfile !== null) return Math.min(fromProfile, fromBackend);
  if (fromBackend !== undefined) return fromBackend;
  if (fromProfile !== null) return fromProfile;
  notes.push(`${what} count unknown in the profile: planned as 0`);
  return 0;
}

/**
 * The stricter of the profile's remote MEP table and the backend's (null: neither has one). A
 * profile's null here is "no separate table" (each VOE holds its own peers: peersPerVoe), as every
 * shipped profile's note says, not an unknown count planned as 0.
 */
function remoteMepTable(profile: HwProfile, caps: BackendCapabilities | undefined): HwResources['remoteMepTable'] {
  const fromProfile = profile.remoteMepTable === null ? null : { entries: profile.remoteMepTable, name: 'remote MEP table' };
  const fromBackend = caps?.remoteMepTable ?? null;
  if (fromProfile === null || fromBackend === null) return fromProfile ?? fromBackend;
  return fromBackend.entries <= fromProfile.entries ? fromBackend : fromProfile;
}

export function hwResources(profile: HwProfile, caps?: BackendCapabilities): HwResources {
  const notes: string[] = [];
  // With one shared table (Broadcom LMEP) a pool the profile leaves unknown is bounded by it.
  const shared = profile.voes.sharedTotal;
  const portVoes = count('port VOE', profile.voes.port ?? shared, caps?.portVoes, notes);
  const serviceVoes = count('service VOE', profile.voes.service ?? shared, caps?.serviceVoes, notes);
  // 'software' in a profile means the host CPU sends every CCM (Linux bridge timers): the
  // backend still owns those MEPs, so it counts as "hardware" placement for the planner.
  const ccmTx = caps ? caps.ccmTxMode !== 'none' : true;
  const injected = (caps?.ccmTxMode ?? profile.ccmTx) === 'injected' || profile.ccmTx === 'injected';
  const budget = caps?.injectorBudgetFps ?? profile.injectorBudgetFps ?? null;
  const offload: Record<OffloadFunction, boolean> = {
    loopback: profile.offload.loopback && (caps ? caps.loopbackOffload : true),
    linktrace: profile.offload.linktrace && (caps ? caps.linktraceOffload : true),
    aisLck: profile.offload.aisLck,
    // DM / LM in hardware need the vendor C ABI group "pm" (capabilities().pmOffload) besides the
    // chip: a profile that offloads them on a backend without the group keeps them on the CPU
    lm: profile.offload.lm && (caps ? caps.pmOffload?.lm === true : true),
    dm: profile.offload.dm && (caps ? caps.pmOffload?.dm === true : true),
  };
  const offloadReasons: Partial<Record<OffloadFunction, string>> = {};
  for (const f of ['dm', 'lm'] as const) {
    if (profile.offload[f] && !offload[f]) offloadReasons[f] = `backend ${caps!.kind} has no hardware ${f.toUpperCase()} (vendor C ABI group "pm")`;
  }
  return {
    profile: profile.name,
    backend: caps?.kind ?? profile.backend,
    portVoes,
    serviceVoes,
    sharedTotal: profile.voes.sharedTotal,
    upVoes: profile.voes.up,
    perPort: profile.voes.perPort,
    txIntervals: intersect(profile.txIntervals, caps?.txIntervals),
    rxIntervals: intersect(profile.rxIntervals, caps?.rxIntervals),
    peersPerVoe: Math.min(profile.peersPerVoe, caps?.peersPerVoe ?? Number.POSITIVE_INFINITY),
    remoteMepTable: remoteMepTable(profile, caps),
    upMep: profile.upMep && (caps ? caps.upMep : true),
    vlanMep: profile.vlanMep && (caps ? caps.vlanMep : true),
    ccmTx,
    injected,
    injectorBudgetFps: injected ? budget : null,
    offload,
    ...(Object.keys(offloadReasons).length ? { offloadReasons } : {}),
    frameIo: caps ? caps.frameIo : true,
    notes,
  };
}
