/**
 * The model built one raw list entry at a time (issue 11 item 25): the board and switches first,
 * then every maintenance domain, then the groups (their md-id/ma-id leafrefs need every domain),
 * MIPs, CPU protection and debug tags, in that order. Between entries it keeps only the model
 * and what cross references need (domains by md-id, associations by ma-id), so a caller that
 * parses one entry, hands it over and drops it never holds the whole raw tree. normalize()
 * (normalize.ts) feeds a whole raw tree through it; the streaming loader (stream.ts) feeds it
 * entry by entry from the file.
 */
import { Compactor, fit, sortIfNeeded } from './compact.js';
import { bindingKey, buildAssociation, buildDomain, buildMep, mipKey, normMac, resolveBoard } from './items.js';
import type { IssueFn } from './items.js';
import { DEFAULT_SWITCH } from './model.js';
import type {
  Association, BoardRef, CfmModel, ConfigIssue, CpuProtectionBinding, CpuProtectionPolicy, DebugTag, Domain, LocalMep, Mip, SwitchRef,
} from './model.js';
import { parseNumberSet } from './ranges.js';
import type { RawConfig, RawCpuProtection, RawDebugTag, RawDomain, RawGroup, RawMip } from './raw.js';
import { pointerOf } from './source.js';

export type PointerMap = WeakMap<object, string>;

export interface Normalized {
  model: CfmModel;
  pointers: PointerMap;
  issues: ConfigIssue[];
}

export interface BuilderOptions {
  /** Directory of the config file: a board profile given as a relative path is found from here. */
  baseDir?: string;
  /**
   * Record where each model object came from (for issue pointers of checkModel); default true.
   * The streaming loader turns it off: it answers only for configs without any issue.
   */
  pointers?: boolean;
  /**
   * Hand each built MEP here instead of keeping it in its association (validate.ts: validating
   * checks a MEP as it is built and keeps only a few numbers of it; the MAs' `meps` stay empty).
   */
  onMep?: (m: LocalMep, a: Association, maIndex: number) => void;
}

const byMepId = (x: LocalMep, y: LocalMep): number => x.mepId - y.mepId;

type RawPolicy = NonNullable<RawCpuProtection['policy']>[number];
type RawBinding = NonNullable<RawCpuProtection['binding']>[number];

export class ModelBuilder {
  readonly issues: ConfigIssue[] = [];
  readonly pointers: PointerMap = new WeakMap();
  private readonly keep: boolean;
  private readonly onMep: ((m: LocalMep, a: Association, maIndex: number) => void) | undefined;
  /** Each domain's first association's index among all associations (the `maIndex` given to onMep). */
  private readonly assocBase = new Map<Domain, number>();
  private assocCount = 0;
  /** One empty MEP list for every association when MEPs go to onMep (an empty array each was 16 bytes per MA). */
  private readonly noMeps: LocalMep[] = [];
  private readonly issue: IssueFn;
  private readonly board: BoardRef | undefined;
  private readonly declared = new Map<string, SwitchRef>();
  private readonly used: Map<string, SwitchRef>;
  /** 'cfm' or 'ieee802-dot1q-cfm:cfm': the container the pointers name. */
  private readonly cfmKey: string;
  private readonly domains: Domain[] = [];
  private readonly domainById = new Map<string, Domain>();
  /**
   * Each domain's associations sorted by ma-id, then position (indices into d.associations): a
   * group finds the first MA of an ma-id, as a list search would, by binary search (a map entry
   * per MA cost ten times as much).
   */
  private readonly assocOrder = new Map<Domain, Int32Array>();
  private readonly mips: Mip[] = [];
  private readonly policies: CpuProtectionPolicy[] = [];
  private readonly bindings: CpuProtectionBinding[] = [];
  private readonly debugTags: DebugTag[] = [];
  /** Each entry's model objects are compacted as they are built: nothing keeps an entry's text alive. */
  private readonly compactor = new Compactor();

  /** `top`: the config without its lists' entries (board, ports, switches and which cfm key it uses). */
  constructor(top: RawConfig, opts: BuilderOptions = {}) {
    this.keep = opts.pointers !== false;
    this.onMep = opts.onMep;
    const issues = this.issues;
    this.issue = (pointer, rule, message, hint) => {
      issues.push({ pointer, rule, message, hint: hint ?? `see the rule '${rule}' in docs/config.md` });
    };
    this.cfmKey = top.cfm ? 'cfm' : 'ieee802-dot1q-cfm:cfm';
    // ---- board and switches ----------------------------------------------------------------
    const board = resolveBoard(top.board, top.ports, '/board', this.issue, opts.baseDir);
    this.board = board;
    (top.switches ?? []).forEach((s, i) => {
      const p = pointerOf(['switches', i]);
      if (this.declared.has(s.name)) {
        this.issue(p + '/name', 'switch.duplicate', `switch '${s.name}' is declared twice`, 'give each switch one entry');
        return;
      }
      const own = s.board ? resolveBoard(s.board, undefined, p + '/board', this.issue, opts.baseDir) : undefined;
      const ref: SwitchRef = { name: s.name };
      const b = own ?? board;
      if (b) ref.board = b;
      this.declared.set(s.name, ref);
    });
    this.used = new Map(this.declared);
    if (top.cfm && top['ieee802-dot1q-cfm:cfm']) {
      this.issue('/ieee802-dot1q-cfm:cfm', 'cfm.twice', "both 'cfm' and 'ieee802-dot1q-cfm:cfm' are given", 'keep one of them');
    }
  }

  private mark(o: object, p: string): void {
    if (this.keep) this.pointers.set(o, p);
  }

  private switchOf(name: string | undefined, pointer: string): string {
    const sw = name ?? DEFAULT_SWITCH;
    const declared = this.declared;
    if (declared.size > 0 && !declared.has(sw)) {
      this.issue(pointer, 'switch.unknown',
        name === undefined ? `no switch named, but this config declares switches (${[...declared.keys()].join(', ')})` : `switch '${sw}' is not declared under switches`,
        `use one of: ${[...declared.keys()].join(', ')}`);
    }
    if (!this.used.has(sw)) this.used.set(sw, this.board ? { name: sw, board: this.board } : { name: sw });
    return sw;
  }

  /**
   * The strings of a model object made flat copies as it is built (compact.ts: nothing keeps an
   * entry's text alive, no concatenation trees): those that repeat (ports, directions, switch
   * names) shared through the compactor's map, those that occur once (keys, ids, names) copied
   * without it (a map of every string of a large config was about as big as its MEPs). An id
   * copied here is then referenced, not copied, by the objects under it (a MEP's domainId).
   */
  private own(s: string): string {
    return this.compactor.own(s);
  }

  private shared(s: string): string {
    return this.compactor.string(s);
  }

  private ownName<T extends object>(name: T): T {
    const n = name as { name?: unknown; mac?: unknown };
    if (typeof n.name === 'string') n.name = this.own(n.name);
    if (typeof n.mac === 'string') n.mac = this.own(n.mac);
    return name;
  }

  /** maintenance-domain entry i, with its associations. */
  domain(rd: RawDomain, i: number): void {
    const p = `/${this.cfmKey}/maintenance-domain/${i}`; // (no '/' or '~' to escape in these segments)
    const d = buildDomain(rd, p, this.issue);
    d.id = this.own(d.id);
    this.ownName(d.name);
    this.mark(d, p);
    this.domains.push(d);
    (rd['maintenance-association'] ?? []).forEach((ra, j) => {
      const pa = `${p}/maintenance-association/${j}`;
      const a = buildAssociation(ra, d, pa, this.issue);
      a.id = this.own(a.id);
      a.key = this.own(a.key);
      this.ownName(a.name);
      this.mark(a, pa);
      d.associations.push(a);
    });
    const as = (d.associations = fit(d.associations));
    this.assocBase.set(d, this.assocCount);
    this.assocCount += as.length;
    if (this.onMep) for (const a of as) a.meps = this.noMeps;
    const order = new Int32Array(as.length);
    for (let k = 0; k < order.length; k++) order[k] = k;
    order.sort((x, y) => (as[x].id < as[y].id ? -1 : as[x].id > as[y].id ? 1 : x - y));
    this.assocOrder.set(d, order);
    if (!this.domainById.has(d.id)) this.domainById.set(d.id, d);
  }

  /** The index in d.associations of the first association of `d` with ma-id `id`, or -1. */
  private assocIndex(d: Domain, id: string): number {
    const order = this.assocOrder.get(d);
    if (!order) return -1;
    const as = d.associations;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (as[order[mid]].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo < order.length && as[order[lo]].id === id ? order[lo] : -1;
  }

  /** maintenance-group entry i and its MEPs: call after every domain. */
  group(g: RawGroup, i: number): void {
    const p = `/${this.cfmKey}/maintenance-group/${i}`;
    const d = this.domainById.get(g['md-id']);
    if (!d) {
      this.issue(p + '/md-id', 'group.unknown-md', `maintenance-group '${g['maintenance-group-id']}' names md-id '${g['md-id']}', which is not a maintenance-domain`,
        `known md-ids: ${[...this.domainById.keys()].join(', ') || '(none)'}`);
      return;
    }
    const ai = this.assocIndex(d, g['ma-id']);
    const a = ai < 0 ? undefined : d.associations[ai];
    if (!a) {
      this.issue(p + '/ma-id', 'group.unknown-ma', `maintenance-group '${g['maintenance-group-id']}' names ma-id '${g['ma-id']}', which is not an association of '${d.id}'`,
        `known ma-ids in '${d.id}': ${d.associations.map((x) => x.id).join(', ') || '(none)'}`);
      return;
    }
    const groupId = this.own(g['maintenance-group-id']);
    (g.mep ?? []).forEach((rm, k) => {
      const pm = `${p}/mep/${k}`;
      const m = buildMep(rm, a, d, groupId, this.shared(this.switchOf(rm.switch, pm)), pm, this.issue);
      if (this.onMep) {
        this.onMep(m, a, (this.assocBase.get(d) ?? 0) + ai); // (checked and dropped: nothing of it is kept, so nothing to compact)
        return;
      }
      m.key = this.own(m.key);
      m.port = this.shared(m.port);
      m.direction = this.shared(m.direction) as typeof m.direction;
      m.placement = this.shared(m.placement) as typeof m.placement;
      if (m.macAddress !== undefined) m.macAddress = this.own(m.macAddress);
      if (m.pmSessions) this.compactor.compact(m.pmSessions);
      this.mark(m, pm);
      // exact-size while short (most MAs have a MEP or two here; push() would give 17 slots)
      if (a.meps.length < 16) a.meps = a.meps.concat(m); // (concat allocates exactly; a spread grows like push)
      else a.meps.push(m);
    });
  }

  mip(r: RawMip, i: number): void {
    const p = `/${this.cfmKey}/mip/${i}`;
    const sw = this.switchOf(r.switch, p);
    const vlan = r.vid ?? 0;
    const mip: Mip = {
      key: this.own(mipKey(sw, r.interface, vlan, r['md-level'])), switch: this.shared(sw), port: this.shared(r.interface), level: r['md-level'], vlan,
      placement: this.shared(r.offload ?? 'auto') as Mip['placement'],
    };
    if (r['md-id'] !== undefined) mip.domainId = this.shared(r['md-id']);
    if (r['ma-id'] !== undefined) mip.associationId = this.shared(r['ma-id']);
    if (r['mac-address'] !== undefined) mip.macAddress = this.own(normMac(r['mac-address']));
    this.mark(mip, p);
    this.mips.push(mip);
  }

  policy(rp: RawPolicy, i: number): void {
    const p = pointerOf(['cpu-protection', 'policy', i]);
    const pol: CpuProtectionPolicy = { id: rp['policy-id'], overallRatePps: rp['overall-rate'] ?? null, ethCfm: [] };
    this.mark(pol, p);
    (rp['eth-cfm'] ?? []).forEach((re, j) => {
      const pe = `${p}/eth-cfm/${j}`;
      const levels = parseNumberSet(re.level, 0, 7);
      const opcodes = parseNumberSet(re.opcode, 0, 255);
      if (typeof levels === 'string') this.issue(pe + '/level', 'cpu.bad-range', `level: ${levels}`, 'levels are 0..7, e.g. "5-7" or "0,3"');
      if (typeof opcodes === 'string') this.issue(pe + '/opcode', 'cpu.bad-range', `opcode: ${opcodes}`, 'opcodes are 0..255, e.g. "3,5" or "0-255"');
      const entry = { entry: re.entry, levels: typeof levels === 'string' ? [] : levels, opcodes: typeof opcodes === 'string' ? [] : opcodes, ratePps: re.rate };
      this.mark(entry, pe);
      pol.ethCfm.push(entry);
    });
    pol.ethCfm.sort((a, b) => a.entry - b.entry);
    this.policies.push(pol);
  }

  binding(rb: RawBinding, i: number): void {
    const p = `/cpu-protection/binding/${i}`;
    const sw = this.switchOf(rb.switch, p);
    const vlan = rb.vid ?? 0;
    const mon = rb['eth-cfm-monitoring'];
    let squelch: number[] = [];
    if (rb['squelch-ingress-levels'] !== undefined) {
      const s = parseNumberSet(rb['squelch-ingress-levels'], 0, 7);
      if (typeof s === 'string') this.issue(p + '/squelch-ingress-levels', 'cpu.bad-range', `squelch-ingress-levels: ${s}`, 'levels are 0..7, e.g. "0-2"');
      else squelch = s;
    }
    const b: CpuProtectionBinding = {
      key: this.own(bindingKey(sw, rb.interface, vlan)), switch: this.shared(sw), port: this.shared(rb.interface), vlan,
      policy: rb['cpu-protection'] ?? null,
      ethCfmMonitoring: mon === true || (typeof mon === 'object' && mon !== null),
      aggregate: typeof mon === 'object' && mon !== null && mon.aggregate === true,
      macMonitoring: rb['mac-monitoring'] ?? false,
      squelchIngressLevels: squelch,
    };
    this.mark(b, p);
    this.bindings.push(b);
  }

  debugTag(t: RawDebugTag, i: number): void {
    const p = pointerOf(['debug-tags', i]);
    const direction = t.direction ?? 'both';
    if ((t.mep ? 1 : 0) + (t.mip ? 1 : 0) !== 1) {
      this.issue(p, 'debug.one-target', 'a debug tag names exactly one of mep or mip', 'write {mep: {domain, association, mep-id}} or {mip: {interface, md-level}}');
      return;
    }
    let tag: DebugTag;
    if (t.mep) {
      tag = { kind: 'mep', domainId: t.mep.domain, associationId: t.mep.association, mepId: t.mep['mep-id'], mepKey: `${t.mep.domain}/${t.mep.association}/${t.mep['mep-id']}`, direction };
    } else {
      const m = t.mip!;
      const sw = this.switchOf(m.switch, p + '/mip');
      const vlan = m.vid ?? 0;
      tag = { kind: 'mip', switch: sw, port: m.interface, vlan, level: m['md-level'], mipKey: mipKey(sw, m.interface, vlan, m['md-level']), direction };
    }
    this.mark(tag, p);
    this.debugTags.push(tag);
  }

  /** The model (exact-size arrays, MEPs sorted by id, compacted), its pointers and every issue. */
  finish(): Normalized {
    for (const d of this.domains) {
      for (const a of d.associations) a.meps = a.meps.length < 16 ? sortIfNeeded(a.meps, byMepId) : fit(a.meps.sort(byMepId)); // short ones are exact-size already
    }
    this.assocOrder.clear();
    this.policies.sort((a, b) => a.id - b.id);
    const switches = [...this.used.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const model: CfmModel = {
      domains: fit(this.domains), mips: fit(this.mips), cpuProtection: { policies: this.policies, bindings: fit(this.bindings) }, debugTags: this.debugTags, switches,
    };
    if (this.board) model.board = this.board;
    // The rest (the lists' entries are done as they came): shared flat strings, nothing that
    // keeps the config text alive (compact.ts).
    this.compactor.compact(model.cpuProtection.policies);
    this.compactor.compact(model.debugTags);
    this.compactor.compact(switches);
    if (model.board) this.compactor.compact(model.board);
    this.compactor.release();
    return { model, pointers: this.pointers, issues: this.issues };
  }
}
