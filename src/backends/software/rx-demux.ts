/**
 * Receive demux of the software backend: which VOE's checker a received CCM belongs to (its
 * port, VLAN and level), and the index that finds the candidates without a scan of every VOE.
 */
import type { VoeSpec } from '../types.js';
import type { KernelView } from './bpf-rx.js';
import type { ParsedCfm } from './ccm-frame.js';
import type { CcmChecker } from './checker.js';

export interface DemuxVoe {
  handle: number;
  spec: VoeSpec;
  checker: CcmChecker | undefined;
}

/** port -> VLAN -> the VOEs there (one MEP per level: the backend refuses clashes). */
export function indexByPortVlan<V extends { spec: VoeSpec }>(voes: Iterable<V>): Map<string, Map<number, V[]>> {
  const index = new Map<string, Map<number, V[]>>();
  for (const v of voes) {
    let byVlan = index.get(v.spec.port);
    if (!byVlan) index.set(v.spec.port, (byVlan = new Map()));
    const list = byVlan.get(v.spec.vlan);
    if (list) list.push(v);
    else byVlan.set(v.spec.vlan, [v]);
  }
  return index;
}

/**
 * Hand a CCM to the VOE at its level among `candidates` (the VOEs of its port and VLAN); a CCM
 * below the lowest VOE above it counts as dUNL there. `live` re-checks a VOE (a handler may have
 * changed or deleted it mid-batch). True when a VOE consumed it; false: it goes to the CPU path.
 */
export function deliverCcm<V extends DemuxVoe>(candidates: V[], live: (v: V) => boolean, port: string, p: ParsedCfm, rxNs: number, kernel?: KernelView): boolean {
  let consumed = false;
  let lowestAbove: V | undefined;
  for (const v of candidates) {
    const s = v.spec;
    if (!v.checker || s.port !== port || s.vlan !== p.vlan || !live(v)) continue;
    if (s.level === p.level) {
      v.checker.onCcm(p, rxNs, kernel?.prior, kernel?.timed ?? false);
      consumed = true;
    } else if (s.level > p.level && (!lowestAbove || s.level < lowestAbove.spec.level)) {
      lowestAbove = v;
    }
  }
  // 802.1Q 20.23: a CCM below the MEP's level is a cross-connect (dUNL in G.8021); an invalid one
  // (no `ccm`) is discarded first (20.51) and raises nothing, as in the engine and the mock VOE
  if (!consumed && lowestAbove && p.ccm) lowestAbove.checker?.lowerLevel(rxNs);
  return consumed;
}
