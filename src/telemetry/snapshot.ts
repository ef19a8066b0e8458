/**
 * One consistent read of a manager for a scrape or an SNMP walk: `status()` (hardware read
 * back) joined with the applied config (MD / MA indexes, names from the MAID) and the engine's
 * per-MEP counters (LBR / LTR, which run in the engine for hardware MEPs too).
 *
 * Indexes follow the IEEE8021-CFM-MIB conventions: dot1agCfmMdIndex = 1 + the domain's position
 * in the config, dot1agCfmMaIndex = 1 + the association's position in its domain (both stable
 * while the config's order is), MEP id = dot1agCfmMepIdentifier.
 */
import type { Association, Domain, LocalMep } from '../config/model.js';
import type { MepCounters } from '../engine/types.js';
import type { OffloadManager } from '../offload/manager.js';
import type { ManagerStatus, MepStatusRow } from '../offload/status.js';

export interface MdView {
  index: number;
  domain: Domain;
  /** MD name format (802.1Q Table 21-19) and name bytes, as carried in the MAID. */
  format: number;
  name: Uint8Array;
  mas: MaView[];
}

export interface MaView {
  index: number;
  assoc: Association;
  /** Short MA name format (Table 21-20) and bytes, from the MAID. */
  format: number;
  name: Uint8Array;
}

export interface MepView {
  mdIndex: number;
  maIndex: number;
  md: MdView;
  ma: MaView;
  config: LocalMep;
  row: MepStatusRow;
  /** The engine's counters of this MEP (loopback, linktrace), when it has an engine part. */
  engine: MepCounters | null;
}

export interface TelemetrySnapshot {
  status: ManagerStatus;
  mds: MdView[];
  meps: MepView[];
  byKey: Map<string, MepView>;
}

/** Split a 48-byte MAID (802.1Q 21.6.5) into MD and short MA name format + bytes. */
export function splitMaid(maid: Uint8Array): { mdFormat: number; mdName: Uint8Array; maFormat: number; maName: Uint8Array } {
  let p = 0;
  const mdFormat = maid[p++];
  let mdName = new Uint8Array(0);
  if (mdFormat !== 1) {
    const n = maid[p++];
    mdName = maid.slice(p, p + n);
    p += n;
  }
  const maFormat = maid[p++];
  const n = maid[p++];
  return { mdFormat, mdName, maFormat, maName: maid.slice(p, p + n) };
}

const enc = new TextEncoder();

export function domainViews(domains: readonly Domain[]): MdView[] {
  return domains.map((d, i) => {
    const mas = d.associations.map((a, j) => {
      const s = splitMaid(a.maid);
      return { index: j + 1, assoc: a, format: s.maFormat, name: s.maName };
    });
    const first = d.associations[0] ? splitMaid(d.associations[0].maid) : null;
    // MD format none (1): no name in the MAID; the MIB still wants 1..43 octets, use the md-id.
    const format = first?.mdFormat ?? d.name.format;
    const name = first && first.mdFormat !== 1 ? first.mdName : enc.encode(d.id.slice(0, 43));
    return { index: i + 1, domain: d, format, name, mas };
  });
}

export async function takeSnapshot(manager: OffloadManager): Promise<TelemetrySnapshot> {
  const status = await manager.status();
  const mds = domainViews(manager.currentModel?.domains ?? []);
  const where = new Map<string, { md: MdView; ma: MaView; config: LocalMep }>();
  for (const md of mds) for (const ma of md.mas) for (const m of ma.assoc.meps) where.set(m.key, { md, ma, config: m });
  const meps: MepView[] = [];
  const byKey = new Map<string, MepView>();
  for (const row of status.meps) {
    const w = where.get(row.key);
    if (!w) continue;
    const e = manager.engine.findMep(row.key);
    const v: MepView = { mdIndex: w.md.index, maIndex: w.ma.index, md: w.md, ma: w.ma, config: w.config, row, engine: e ? e.counters : null };
    meps.push(v);
    byKey.set(row.key, v);
  }
  return { status, mds, meps, byKey };
}
