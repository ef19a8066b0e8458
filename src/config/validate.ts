/**
 * Validate-only loading (issue 11 item 25, second pass: validation memory near the file size).
 * `cfm validate` needs a yes/no and a summary, not a model. Loading keeps the whole model (about
 * 2.2x compact JSON, most of it the MEPs: 24 fields, a key text and a remote-MEP list each);
 * here the streaming loader (stream.ts) hands each MEP over as it is built, its own rules are
 * checked at once, and only a few integers of it are kept for the rules between MEPs (one MEP id
 * per MA, one MP per level on a port, nesting, ports on the board). The rest of the model (domains,
 * MAs without their MEPs, MIPs, CPU protection) gets checkModel as when loading.
 *
 * It answers only "valid" with the same summary loadConfig gives. Anything else (an issue, a
 * document the streaming loader does not split, a case it does not handle here) goes to the
 * loaders, which report every issue with its pointer and location exactly as before.
 */
import { isIntervalCode } from '../common/interval.js';
import type { Association, BoardRef, CfmModel, LocalMep } from './model.js';

/** The counts of a one-line summary (summaryText in index.ts). */
export interface ModelCounts {
  domains: number;
  associations: number;
  meps: number;
  enabledMeps: number;
  mips: number;
  switches: number;
}

/** A growable Int32 column. */
class Column {
  data = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

const inRange = (v: number, lo: number, hi: number): boolean => Number.isInteger(v) && v >= lo && v <= hi;

/**
 * The MEP rules of checks.ts (802.1Q 12.14.7, 20.9.5, 20.35, 22.1; docs/config.md), checked as
 * each MEP is built, the rules between MEPs once every MEP is in. Each answers only pass/fail.
 */
export class MepValidator {
  /** False once any MEP rule fails, or the config is a case this does not handle (declined). */
  ok = true;
  /** Set when a rule is not checked here (the caller loads the config instead). */
  declined = false;
  meps = 0;
  enabledMeps = 0;
  private readonly swIds = new Map<string, number>();
  private readonly portIds = new Map<string, number>();
  private readonly ma = new Column();
  private readonly mepId = new Column();
  private readonly sw = new Column();
  private readonly port = new Column();
  private readonly vlan = new Column();
  /** level * 2 + (1 for an up MEP). */
  private readonly levelDir = new Column();

  private intern(ids: Map<string, number>, k: string): number {
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  }

  /** One MEP as the builder made it, in its MA (index `maIndex` among all MAs; checks.ts checkModel: MEPs, checkAssociation). */
  readonly onMep = (m: LocalMep, a: Association, maIndex: number): void => {
    this.meps++;
    if (m.enabled) this.enabledMeps++;
    if (!this.ok) return;
    if (!a.mepIds.includes(m.mepId) || !inRange(m.mepId, 1, 8191) || !inRange(m.ccmLtmPriority, 0, 7) ||
      !inRange(m.fngAlarmTimeMs, 2500, 10000) || !inRange(m.fngResetTimeMs, 2500, 10000) || !inRange(m.lowestAlarmPriority, 1, 6) ||
      !isIntervalCode(m.interval) || m.level !== a.level || m.interval !== a.interval || m.vlan !== a.vlan || !inRange(m.level, 0, 7) ||
      !inRange(m.vlan, 0, 4094) || (m.direction !== 'up' && m.direction !== 'down')) {
      this.ok = false;
      return;
    }
    if (m.macAddress !== undefined && (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m.macAddress) || parseInt(m.macAddress.slice(0, 2), 16) & 1)) {
      this.ok = false;
      return;
    }
    this.ma.push(maIndex);
    this.mepId.push(m.mepId);
    this.sw.push(this.intern(this.swIds, m.switch));
    this.port.push(this.intern(this.portIds, m.port));
    this.vlan.push(m.vlan);
    this.levelDir.push(m.level * 2 + (m.direction === 'up' ? 1 : 0));
  };

  /** The rules between MEPs, and between MEPs and MIPs, on the model without its MEPs. */
  readonly valid = (model: CfmModel): boolean => {
    if (!this.ok) return false;
    // A MEP debug tag needs every MEP key; MEP keys are only plain with ids without '/'
    // (checks.ts mepIdentity): leave both to the loader.
    if (model.debugTags.some((t) => t.kind === 'mep') || model.domains.some((d) => d.id.includes('/') || d.associations.some((a) => a.id.includes('/')))) {
      this.declined = true;
      return false;
    }
    return this.uniqueInMa() && this.portsOnBoards(model) && this.places(model);
  };

  /** mep.duplicate-id: a MEP id once among the local MEPs of an MA. */
  private uniqueInMa(): boolean {
    const n = this.ma.length;
    const ma = this.ma.data;
    const id = this.mepId.data;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => ma[x] - ma[y] || id[x] - id[y]);
    for (let k = 1; k < n; k++) if (ma[order[k]] === ma[order[k - 1]] && id[order[k]] === id[order[k - 1]]) return false;
    return true;
  }

  /** port.unknown: each MEP's port on the board of its switch (the MIPs' and bindings' are checkModel's). */
  private portsOnBoards(model: CfmModel): boolean {
    const boardOf = new Map<string, BoardRef | undefined>(model.switches.map((s) => [s.name, s.board] as const));
    const swNames = [...this.swIds.keys()];
    const portNames = [...this.portIds.keys()];
    const seen = new Set<number>();
    const stride = portNames.length;
    for (let i = 0; i < this.sw.length; i++) {
      const key = this.sw.data[i] * stride + this.port.data[i];
      if (seen.has(key)) continue;
      seen.add(key);
      const sw = swNames[this.sw.data[i]];
      const b = boardOf.has(sw) ? boardOf.get(sw) : model.board;
      if (b && b.ports.length > 0 && !b.ports.includes(portNames[this.port.data[i]])) return false;
    }
    return true;
  }

  /**
   * mep.conflict, mp.same-level, mip.below-mep, mp.nesting (802.1Q 22.1, 19.2/19.3): on one
   * switch/port/VLAN no two MEPs share a level, no MIP is at or below a MEP's level, and every
   * down MEP is below every up MEP (checks.ts looks at the same pairs to word each issue).
   */
  private places(model: CfmModel): boolean {
    const nMep = this.sw.length;
    const mips = model.mips;
    const n = nMep + mips.length;
    const sw = new Int32Array(n);
    const port = new Int32Array(n);
    const vlan = new Int32Array(n);
    sw.set(this.sw.data.subarray(0, nMep));
    port.set(this.port.data.subarray(0, nMep));
    vlan.set(this.vlan.data.subarray(0, nMep));
    for (let j = 0; j < mips.length; j++) {
      const mip = mips[j];
      if (!inRange(mip.level, 0, 7) || !inRange(mip.vlan, 0, 4094)) return false;
      sw[nMep + j] = this.intern(this.swIds, mip.switch);
      port[nMep + j] = this.intern(this.portIds, mip.port);
      vlan[nMep + j] = mip.vlan;
    }
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => sw[x] - sw[y] || port[x] - port[y] || vlan[x] - vlan[y]);
    const ld = this.levelDir.data;
    for (let k = 0; k < n;) {
      const a = order[k];
      let e = k + 1;
      while (e < n && sw[order[e]] === sw[a] && port[order[e]] === port[a] && vlan[order[e]] === vlan[a]) e++;
      if (e - k > 1) {
        let mepLevels = 0;
        let maxMep = -1;
        let maxDown = -1;
        let minUp = 8;
        let minMip = 8;
        for (let q = k; q < e; q++) {
          const i = order[q];
          if (i >= nMep) {
            minMip = Math.min(minMip, mips[i - nMep].level);
            continue;
          }
          const level = ld[i] >> 1;
          if (mepLevels & (1 << level)) return false; // mep.conflict or mp.same-level
          mepLevels |= 1 << level;
          maxMep = Math.max(maxMep, level);
          if (ld[i] & 1) minUp = Math.min(minUp, level);
          else maxDown = Math.max(maxDown, level);
        }
        if (minMip <= maxMep || maxDown > minUp) return false; // mp.same-level / mip.below-mep, mp.nesting
      }
      k = e;
    }
    return true;
  }
}
