/**
 * Semantic rules the JSON Schema cannot express, run on the normalized model. Each rule has a
 * stable id (the `rule` of the issue) so tests, docs and operators can refer to it. Pointers
 * come from `ptr(obj)`: the source position of a loaded file, or the export layout for a model
 * built in code (validateModel).
 */
import { isIntervalCode } from '../common/interval.js';
import { MAID_LENGTH } from '../pdu/maid.js';
import type { Association, BoardRef, CfmModel, ConfigIssue, LocalMep, Mip } from './model.js';

export type PtrFn = (obj: object) => string;

const RANGE = {
  level: [0, 7],
  mepId: [1, 8191],
  vlan: [0, 4094],
  priority: [0, 7],
  fng: [2500, 10000],
  alarm: [1, 6],
} as const;

export function checkModel(model: CfmModel, ptr: PtrFn): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const add = (pointer: string, rule: string, message: string, hint?: string): void => {
    out.push({ pointer, rule, message, hint: hint ?? `see the rule '${rule}' in docs/config.md` });
  };
  const inRange = (v: number, [lo, hi]: readonly [number, number]): boolean => Number.isInteger(v) && v >= lo && v <= hi;

  // ---- unique keys (YANG list keys) --------------------------------------------------------
  const mdSeen = new Set<string>();
  /** Whether the list keys are plain (see mepIdentity). */
  let plain = true;
  for (const d of model.domains) {
    if (mdSeen.has(d.id) || d.id.includes('/')) plain = false;
    if (mdSeen.has(d.id)) add(ptr(d) + '/md-id', 'md.duplicate-id', `md-id '${d.id}' is used by two maintenance domains`, 'md-id is the list key: make it unique');
    mdSeen.add(d.id);
    if (!inRange(d.level, RANGE.level)) add(ptr(d) + '/md-level', 'range.level', `md-level ${d.level} is not 0..7`);
    const maSeen = new Set<string>();
    for (const a of d.associations) {
      if (maSeen.has(a.id) || a.domainId !== d.id || !joined(a.key, d.id, a.id)) plain = false;
      if (maSeen.has(a.id)) add(ptr(a) + '/ma-id', 'ma.duplicate-id', `ma-id '${a.id}' is used twice in domain '${d.id}'`, 'ma-id is the list key within a domain: make it unique');
      maSeen.add(a.id);
      checkAssociation(a, ptr, add, inRange);
    }
  }

  // ---- MAIDs unique per level (a CCM is told apart by level + MAID only) ---------------------
  for (const [a, other] of duplicateMaids(model)) {
    add(ptr(a), 'ma.duplicate-maid', `'${a.key}' has the same MAID and MD level as '${other.key}'; their CCMs would be indistinguishable (cross-connect)`, 'give one MA (or its domain) a different name');
  }

  // ---- MEPs: identity, membership, placement ------------------------------------------------
  const { all, duplicate, assocOf } = mepIdentity(model, plain);
  for (let i = 0; i < all.length; i++) {
    const m = all[i];
    const p = ptr(m);
    if (duplicate(i)) add(p + '/mep-id', 'mep.duplicate-id', `MEP ${m.mepId} is configured twice in '${m.domainId}/${m.associationId}'`, 'a MEP id is unique within its MA');
    const a = assocOf(i);
    if (a && !a.mepIds.includes(m.mepId)) {
      add(p + '/mep-id', 'mep.not-in-ma', `local MEP ${m.mepId} is not in the MEP list of '${a.key}' (${a.mepIds.join(', ') || 'empty'})`, `add {mep-id: ${m.mepId}} to maintenance-association-mep of '${a.key}'`);
    }
    if (!inRange(m.mepId, RANGE.mepId)) add(p + '/mep-id', 'range.mep-id', `MEP id ${m.mepId} is not 1..8191`);
    if (!inRange(m.ccmLtmPriority, RANGE.priority)) add(p + '/ccm-ltm-priority', 'range.priority', `ccm-ltm-priority ${m.ccmLtmPriority} is not 0..7`);
    if (!inRange(m.fngAlarmTimeMs, RANGE.fng)) add(p + '/continuity-check/fng-alarm-time', 'range.fng-time', `fng-alarm-time ${m.fngAlarmTimeMs} ms is not 2500..10000 (802.1Q 20.35.3)`);
    if (!inRange(m.fngResetTimeMs, RANGE.fng)) add(p + '/continuity-check/fng-reset-time', 'range.fng-time', `fng-reset-time ${m.fngResetTimeMs} ms is not 2500..10000 (802.1Q 20.35.4)`);
    if (!inRange(m.lowestAlarmPriority, RANGE.alarm)) add(p + '/continuity-check/lowest-priority-defect', 'range.alarm-priority', `lowest alarm priority ${m.lowestAlarmPriority} is not 1..6 (802.1Q 20.9.5)`);
    if (!isIntervalCode(m.interval)) add(p, 'range.interval', `interval code ${String(m.interval)} is not 1..7`);
    if (m.macAddress !== undefined) {
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m.macAddress)) add(p + '/mac-address', 'mep.mac', `'${m.macAddress}' is not a MAC address`);
      else if (parseInt(m.macAddress.slice(0, 2), 16) & 1) add(p + '/mac-address', 'mep.mac-multicast', `MEP MAC ${m.macAddress} is a group address`, 'a MEP needs an individual (unicast) MAC: clear the I/G bit of the first octet');
    }
  }

  // ---- per port: one MP per level, nesting (802.1Q 22.1, 19.2/19.3) -------------------------
  // The label is written only for an issue: a text per MP for a large config is tens of MB.
  // An MP is the model object itself (no wrapper object per MP either).
  type Mp = LocalMep | Mip;
  const isMep = (o: Mp): o is LocalMep => 'mepId' in o;
  const kindOf = (o: Mp): 'mep' | 'mip' => (isMep(o) ? 'mep' : 'mip');
  const dirOf = (o: Mp): 'up' | 'down' | undefined => (isMep(o) ? o.direction : undefined);
  const labelOf = (mp: Mp): string => isMep(mp) ? `MEP ${mp.key} (${mp.direction}, level ${mp.level})` : `MIP at level ${mp.level}`;
  const mipSeen = new Set<string>();
  const domainById = new Map(model.domains.map((d) => [d.id, d] as const));
  for (const mip of model.mips) {
    const p = ptr(mip);
    if (mipSeen.has(mip.key)) add(p, 'mip.duplicate', `two MIPs at ${mip.port} VLAN ${mip.vlan} level ${mip.level}${mip.switch ? ` on ${mip.switch}` : ''}`, 'keep one');
    mipSeen.add(mip.key);
    if (!inRange(mip.level, RANGE.level)) add(p + '/md-level', 'range.level', `md-level ${mip.level} is not 0..7`);
    if (mip.domainId !== undefined) {
      const d = domainById.get(mip.domainId);
      if (!d) add(p + '/md-id', 'mip.unknown-md', `MIP names md-id '${mip.domainId}', which is not a maintenance-domain`);
      else {
        if (d.level !== mip.level) add(p + '/md-level', 'mip.level-mismatch', `MIP level ${mip.level} differs from the level ${d.level} of domain '${d.id}'`, `set md-level: ${d.level}`);
        if (mip.associationId !== undefined && !d.associations.some((a) => a.id === mip.associationId)) add(p + '/ma-id', 'mip.unknown-ma', `MIP names ma-id '${mip.associationId}', which is not an association of '${d.id}'`);
      }
    } else if (mip.associationId !== undefined) add(p + '/ma-id', 'mip.ma-without-md', 'a MIP that names ma-id must also name md-id');
  }
  for (const mps of sharedPlaces(all, model.mips)) {
    for (let i = 0; i < mps.length; i++) {
      for (let j = i + 1; j < mps.length; j++) {
        const a = mps[i];
        const b = mps[j];
        const where = `${portLabel(b)}`;
        if (kindOf(a) === 'mep' && kindOf(b) === 'mep' && a.level === b.level && dirOf(a) === dirOf(b)) {
          add(ptr(b), 'mep.conflict', `${labelOf(b)} and ${labelOf(a)} are on the same ${where}, level and direction`, 'one MEP per port, VLAN, level and direction: move one to another port, VLAN or level');
        } else if (a.level === b.level && !(kindOf(a) === 'mip' && kindOf(b) === 'mip')) {
          add(ptr(b), 'mp.same-level', `${labelOf(b)} and ${labelOf(a)} share level ${a.level} on ${where}`, 'one maintenance point per level on a port: use different MD levels');
        } else if (kindOf(a) !== kindOf(b)) {
          const mip = kindOf(a) === 'mip' ? a : b;
          const mep = kindOf(a) === 'mep' ? a : b;
          if (mip.level < mep.level) {
            add(ptr(mip), 'mip.below-mep', `${labelOf(mip)} on ${where} is below ${labelOf(mep)}; the MEP would drop the MIP's CFM frames`,
              'a MIP sits above the MEPs of its port (802.1Q 12.14.5.1.3c, mhf-explicit: a MEP at the next lower level): raise the MIP level or lower the MEP level');
          }
        } else if (kindOf(a) === 'mep' && kindOf(b) === 'mep' && dirOf(a) !== dirOf(b)) {
          const down = dirOf(a) === 'down' ? a : b;
          const up = dirOf(a) === 'up' ? a : b;
          if (down.level > up.level) {
            add(ptr(down), 'mp.nesting', `${labelOf(down)} is above ${labelOf(up)} on ${where}: the domains would intersect`,
              'domains nest or touch, never intersect: on one port the down MEPs sit at lower levels than the up MEPs (802.1Q clause 22 MP ordering)');
          }
        }
      }
    }
  }

  // ---- ports exist on the board of the MP's switch ------------------------------------------
  const boardOf = new Map<string, BoardRef | undefined>(model.switches.map((s) => [s.name, s.board] as const));
  const checkPort = (sw: string, port: string, pointer: string): void => {
    const b = boardOf.has(sw) ? boardOf.get(sw) : model.board;
    if (!b || b.ports.length === 0) return;
    if (!b.ports.includes(port)) {
      add(pointer, 'port.unknown', `port '${port}' does not exist on board '${b.name}'${sw !== 'default' ? ` (switch ${sw})` : ''}`, `ports of the board: ${b.ports.join(', ')}`);
    }
  };
  for (const m of all) checkPort(m.switch, m.port, ptr(m) + '/interface');
  for (const mip of model.mips) checkPort(mip.switch, mip.port, ptr(mip) + '/interface');
  for (const b of model.cpuProtection.bindings) checkPort(b.switch, b.port, ptr(b) + '/interface');

  // ---- CPU protection (seed 002) ------------------------------------------------------------
  const polSeen = new Set<number>();
  for (const pol of model.cpuProtection.policies) {
    const p = ptr(pol);
    if (!inRange(pol.id, [1, 4])) add(p + '/policy-id', 'cpu.policy-id', `policy ${pol.id} is not 1..4`, 'up to four CPU protection policies');
    if (polSeen.has(pol.id)) add(p + '/policy-id', 'cpu.duplicate-policy', `policy ${pol.id} is defined twice`);
    polSeen.add(pol.id);
    if (pol.ethCfm.length > 10) add(p + '/eth-cfm', 'cpu.too-many-entries', `policy ${pol.id} has ${pol.ethCfm.length} eth-cfm entries; at most 10`);
    const entrySeen = new Set<number>();
    for (const e of pol.ethCfm) {
      if (entrySeen.has(e.entry)) add(ptr(e) + '/entry', 'cpu.duplicate-entry', `entry ${e.entry} appears twice in policy ${pol.id}`, 'entry numbers 1..100 order the first-match list: make them unique');
      entrySeen.add(e.entry);
      if (!inRange(e.entry, [1, 100])) add(ptr(e) + '/entry', 'cpu.entry-number', `entry ${e.entry} is not 1..100`);
    }
  }
  const bindSeen = new Set<string>();
  for (const b of model.cpuProtection.bindings) {
    const p = ptr(b);
    if (bindSeen.has(b.key)) add(p, 'cpu.duplicate-binding', `port ${b.port}${b.vlan ? ` VLAN ${b.vlan}` : ''} has two bindings`, 'only one policy per port or port+VLAN');
    bindSeen.add(b.key);
    if (b.policy !== null && !polSeen.has(b.policy)) add(p + '/cpu-protection', 'cpu.unknown-policy', `binding uses policy ${b.policy}, which is not defined`, `defined policies: ${[...polSeen].join(', ') || '(none)'}`);
    if (b.ethCfmMonitoring && b.macMonitoring) add(p + '/mac-monitoring', 'cpu.monitoring-exclusive', 'eth-cfm-monitoring and mac-monitoring cannot both be set on one binding', 'keep one of them');
    if (b.ethCfmMonitoring && b.policy === null) add(p + '/eth-cfm-monitoring', 'cpu.monitoring-needs-policy', 'eth-cfm-monitoring applies the eth-cfm entries of a policy, but no cpu-protection policy is given', 'add cpu-protection: <policy-id>');
    if (b.aggregate && !b.ethCfmMonitoring) add(p + '/eth-cfm-monitoring', 'cpu.aggregate-needs-monitoring', 'aggregate is an option of eth-cfm-monitoring');
  }

  // ---- debug tags (seed 004) ----------------------------------------------------------------
  let mepKeys: Set<string> | undefined; // every MEP key, made only when a MEP is tagged
  const mipKeys = new Set(model.mips.map((m) => m.key));
  for (const t of model.debugTags) {
    if (t.kind === 'mep' && !(mepKeys ??= new Set(all.map((m) => m.key))).has(t.mepKey)) add(ptr(t) + '/mep', 'debug.unknown-mep', `debug tag names MEP ${t.mepKey}, which is not a local MEP`, 'tag a MEP configured under maintenance-group');
    if (t.kind === 'mip' && !mipKeys.has(t.mipKey)) add(ptr(t) + '/mip', 'debug.unknown-mip', `debug tag names a MIP at ${t.port} VLAN ${t.vlan} level ${t.level}, which is not configured`, 'tag a MIP configured under cfm.mip');
  }
  return out;
}

function portLabel(o: LocalMep | Mip): string {
  return `${o.switch !== 'default' ? o.switch + ' ' : ''}port ${o.port}${o.vlan ? ` VLAN ${o.vlan}` : ''}`;
}

function checkAssociation(a: Association, ptr: PtrFn, add: (p: string, r: string, m: string, h?: string) => void, inRange: (v: number, r: readonly [number, number]) => boolean): void {
  const p = ptr(a);
  if (a.maid.length !== MAID_LENGTH) add(p, 'ma.maid', `MAID of '${a.key}' is ${a.maid.length} bytes, not ${MAID_LENGTH}`);
  if (!isIntervalCode(a.interval)) add(p + '/ccm-interval', 'range.interval', `interval code ${String(a.interval)} is not 1..7`);
  if (!inRange(a.vlan, RANGE.vlan)) add(p + '/vid', 'range.vlan', `VLAN ${a.vlan} is not 0..4094`);
  const seen = a.mepIds.length > 32 ? new Set<number>() : undefined; // short lists (nearly all) are searched
  a.mepIds.forEach((id, i) => {
    if (!inRange(id, RANGE.mepId)) add(p + '/maintenance-association-mep', 'range.mep-id', `MEP id ${id} is not 1..8191`);
    if (seen ? seen.has(id) : listedBefore(a.mepIds, id, i)) add(p + '/maintenance-association-mep', 'ma.duplicate-mep-id', `MEP id ${id} is listed twice in '${a.key}'`);
    seen?.add(id);
  });
  for (const m of a.meps) {
    if (m.level !== a.level || m.interval !== a.interval || m.vlan !== a.vlan) {
      add(ptr(m), 'mep.inconsistent', `MEP ${m.key} level/interval/VLAN differ from its MA (${a.level}/${a.interval}/${a.vlan})`, 'MEP fields are copies of the MA values in the model');
    }
  }
}

/** FNV-1a over the 48 MAID octets. */
function maidHash(maid: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < maid.length; i++) h = Math.imul(h ^ maid[i], 0x01000193);
  return h >>> 0;
}

function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `id` is among list[0..end) (SameValueZero, as a Set has it). */
function listedBefore(list: number[], id: number, end: number): boolean {
  for (let j = 0; j < end; j++) if (list[j] === id || (list[j] !== list[j] && id !== id)) return true;
  return false;
}

/** `key` is `a/b` (without building that text). */
function joined(key: string, a: string, b: string): boolean {
  return key.length === a.length + 1 + b.length && key.startsWith(a) && key.charCodeAt(a.length) === 0x2f && key.endsWith(b);
}

interface MepIdentity {
  /** Every MEP, MA by MA. */
  all: LocalMep[];
  /** MEP i has the key of an earlier MEP. */
  duplicate(i: number): boolean;
  /** The MA MEP i names (md-id/ma-id; the last of equal keys), if any. */
  assocOf(i: number): Association | undefined;
}

/**
 * Which MEP keys repeat and which MA each MEP names. In general that takes a set of every MEP key
 * and a map of every MA key (megabytes for a large config: the peak of validating it). When the
 * list keys are plain (`plain`: unique md-ids without '/', unique ma-ids in each domain, MA keys
 * `md-id/ma-id`) and every MEP sits in the MA its ids name with the key `md-id/ma-id/mep-id`, as
 * in every loaded model, the MA a MEP names is the one it sits in and two MEP keys can only be
 * equal within one MA, so neither is built. The answers are the same either way.
 */
function mepIdentity(model: CfmModel, plain: boolean): MepIdentity {
  let count = 0;
  for (const d of model.domains) for (const a of d.associations) count += a.meps.length;
  const all = new Array<LocalMep>(count);
  const owners: Association[] = [];
  /** MEP i sits in owners[within[i]], whose first MEP is all[first[within[i]]]. */
  const within = new Int32Array(count);
  const first: number[] = [];
  let plainMeps = plain;
  let i = 0;
  for (const d of model.domains) {
    for (const a of d.associations) {
      first.push(i);
      owners.push(a);
      for (const m of a.meps) {
        within[i] = owners.length - 1;
        all[i++] = m;
        if (plainMeps && !(m.domainId === a.domainId && m.associationId === a.id && joined(m.key, a.key, String(m.mepId)))) plainMeps = false;
      }
    }
  }
  if (!plainMeps) {
    const assocByKey = new Map<string, Association>(); // (the last of equal keys, as new Map(pairs) has it)
    for (const a of owners) assocByKey.set(a.key, a);
    const seen = new Set<string>();
    const dup = all.map((m) => {
      const d = seen.has(m.key);
      seen.add(m.key);
      return d;
    });
    return { all, duplicate: (k) => dup[k], assocOf: (k) => assocByKey.get(`${all[k].domainId}/${all[k].associationId}`) };
  }
  return {
    all,
    assocOf: (k) => owners[within[k]],
    duplicate: (k) => {
      const id = all[k].mepId;
      for (let j = first[within[k]]; j < k; j++) if (all[j].mepId === id || (all[j].mepId !== all[j].mepId && id !== id)) return true;
      return false;
    },
  };
}

/**
 * The switch/port/VLAN places with more than one maintenance point, each with its MPs (MEPs in
 * model order, then MIPs), in the order each place first occurs: the pairs the per-port rules
 * look at, in the order of their issues. Found by sorting small integer ids of switch, port and
 * VLAN; a map entry and a list per place was a large share of validating a large config.
 */
function sharedPlaces(meps: LocalMep[], mips: Mip[]): Array<Array<LocalMep | Mip>> {
  const mps: Array<LocalMep | Mip> = (meps as Array<LocalMep | Mip>).concat(mips);
  const n = mps.length;
  const intern = <K>(ids: Map<K, number>, k: K): number => {
    let v = ids.get(k);
    if (v === undefined) ids.set(k, (v = ids.size));
    return v;
  };
  const swIds = new Map<string, number>();
  const portIds = new Map<string, number>();
  const vlanIds = new Map<number, number>(); // (SameValueZero, as the VLAN of a map key)
  const sw = new Int32Array(n);
  const port = new Int32Array(n);
  const vlan = new Int32Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    sw[i] = intern(swIds, mps[i].switch);
    port[i] = intern(portIds, mps[i].port);
    vlan[i] = intern(vlanIds, mps[i].vlan);
    order[i] = i;
  }
  order.sort((x, y) => sw[x] - sw[y] || port[x] - port[y] || vlan[x] - vlan[y] || x - y);
  const places: Array<Array<LocalMep | Mip>> = [];
  const firsts: number[] = []; // each place's MPs are in index order: its first is its first occurrence
  for (let k = 0; k < n;) {
    const a = order[k];
    let e = k + 1;
    while (e < n && sw[order[e]] === sw[a] && port[order[e]] === port[a] && vlan[order[e]] === vlan[a]) e++;
    if (e - k > 1) {
      places.push(Array.from(order.subarray(k, e), (i) => mps[i]));
      firsts.push(a);
    }
    k = e;
  }
  return places.map((_, j) => j).sort((x, y) => firsts[x] - firsts[y]).map((j) => places[j]);
}

/**
 * Each MA (in model order) whose MAID and MD level an earlier MA already has, with the first such
 * MA; an all-zero MAID (one that could not be built, already an issue) is never a duplicate. MAs
 * are sorted by a hash of their octets, so equal ones sit together; a map of every MAID was
 * megabytes for a large config.
 */
function duplicateMaids(model: CfmModel): Array<[Association, Association]> {
  const as: Association[] = [];
  for (const d of model.domains) for (const a of d.associations) if (a.maid.some((b) => b !== 0)) as.push(a);
  const n = as.length;
  const hash = new Uint32Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    hash[i] = maidHash(as[i].maid);
    order[i] = i;
  }
  order.sort((x, y) => hash[x] - hash[y] || x - y);
  const firstEqual = new Int32Array(n).fill(-1);
  for (let k = 0; k < n;) {
    let e = k + 1;
    while (e < n && hash[order[e]] === hash[order[k]]) e++;
    for (let q = k + 1; q < e; q++) {
      const a = as[order[q]];
      for (let r = k; r < q; r++) {
        const x = as[order[r]];
        if (firstEqual[order[r]] < 0 && String(x.level) === String(a.level) && sameOctets(x.maid, a.maid)) {
          firstEqual[order[q]] = order[r];
          break;
        }
      }
    }
    k = e;
  }
  const out: Array<[Association, Association]> = [];
  for (let i = 0; i < n; i++) if (firstEqual[i] >= 0) out.push([as[i], as[firstEqual[i]]]);
  return out;
}
