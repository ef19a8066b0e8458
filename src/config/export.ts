/**
 * Model -> config document (the same YANG-named shape the loader reads), so a model can be
 * written back as YAML/JSON. Every value is written explicitly (defaults included, 'defer'
 * already resolved), so loading the export gives an equal model. `pointers` says where each
 * model object lands in the document (used by validateModel for models built in code).
 */
import { intervalYangName } from '../common/interval.js';
import { CfmError } from '../common/errors.js';
import type { MaName, MdName } from '../pdu/maid.js';
import { DEFAULT_SWITCH } from './model.js';
import type { BoardRef, CfmModel, LocalMep, PmSessionConfig } from './model.js';
import type { PointerMap } from './normalize.js';
import { formatNumberSet } from './ranges.js';
import { LOWEST_ALARM_NAMES } from './raw.js';
import type { RawAssociation, RawBoard, RawConfig, RawDomain, RawGroup, RawMep, RawMip, RawPmSession } from './raw.js';
import { pointerOf } from './source.js';

const MHF_TO_YANG = { none: 'mhf-none', default: 'mhf-default', explicit: 'mhf-explicit', defer: 'mhf-defer' } as const;
const ID_TO_YANG = { none: 'send-id-none', chassis: 'send-id-chassis', manage: 'send-id-manage', 'chassis-manage': 'send-id-chassis-manage', defer: 'send-id-defer' } as const;

function boardOut(b: BoardRef): RawBoard {
  const o: RawBoard = { name: b.name };
  if (b.profile !== undefined) o.profile = b.profile;
  o.ports = [...b.ports];
  return o;
}

function sameBoard(a: BoardRef | undefined, b: BoardRef | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function mdNameOut(n: MdName, o: RawDomain): void {
  if ('raw' in n) throw new CfmError('CONFIG', `MD name format ${n.format} (raw bytes) cannot be written to a config`);
  if (n.format === 1) o.none = [null];
  else if (n.format === 2) o['dns-like-name'] = n.name;
  else if (n.format === 3) o['mac-address-and-uint-type'] = { address: n.mac, int: n.id };
  else o['char-string'] = n.name;
}

function maNameOut(n: MaName, o: RawAssociation): void {
  if ('raw' in n) throw new CfmError('CONFIG', `MA name format ${n.format} (raw bytes) cannot be written to a config`);
  if (n.format === 1) o['primary-vid'] = n.vid;
  else if (n.format === 2) o['char-string'] = n.name;
  else if (n.format === 3) o['unsigned-int16'] = n.id;
  else if (n.format === 4) o['vpn-id'] = { 'vpn-oui': n.oui, 'vpn-index': n.index };
  else if (n.format === 32) o['icc-based'] = n.name;
  else o['icc-and-cc'] = n.name;
}

function mepOut(m: LocalMep, mepIds: number[]): RawMep {
  const o: RawMep = { 'mep-id': m.mepId, interface: m.port, direction: m.direction };
  if (m.switch !== DEFAULT_SWITCH) o.switch = m.switch;
  o.enabled = m.enabled;
  o['ccm-ltm-priority'] = m.ccmLtmPriority;
  if (m.macAddress !== undefined) o['mac-address'] = m.macAddress;
  const inactive = mepIds.filter((id) => id !== m.mepId && !m.remoteMepIds.includes(id));
  if (inactive.length) o['inactive-remote-mep'] = inactive.map((id) => ({ 'inactive-rmep-id': id }));
  o['continuity-check'] = {
    'ccm-enabled': m.ccmEnabled,
    'lowest-priority-defect': LOWEST_ALARM_NAMES[m.lowestAlarmPriority - 1],
    'fng-alarm-time': m.fngAlarmTimeMs,
    'fng-reset-time': m.fngResetTimeMs,
  };
  o['port-status-tlv'] = m.portStatusTlv;
  o['interface-status-tlv'] = m.interfaceStatusTlv;
  o['id-permission'] = ID_TO_YANG[m.senderIdPermission];
  o.offload = m.placement;
  const fs = m.faultSignalling;
  if (fs) o['fault-signalling'] = { 'client-md-level': fs.clientLevel, 'ais-enabled': fs.ais, interval: fs.period === 6 ? '1min' : '1s', priority: fs.priority, locked: fs.locked, 'csf-enabled': fs.csf };
  if (m.pmSessions) o['pm-session'] = m.pmSessions.map(pmSessionOut);
  return o;
}

function pmSessionOut(s: PmSessionConfig): RawPmSession {
  const o: RawPmSession = { 'session-id': s.id, type: s.type };
  if (s.targetMepId !== undefined) o['target-mep-id'] = s.targetMepId;
  if (s.targetMac !== undefined) o['target-mac'] = s.targetMac;
  Object.assign(o, { enabled: s.enabled, 'message-period-ms': s.messagePeriodMs, 'measurement-interval-min': s.measurementIntervalMin, history: s.history, priority: s.priority });
  if (s.dataSize !== undefined) o['data-size'] = s.dataSize;
  if (s.testId !== undefined) o['test-id'] = s.testId;
  o['fd-bins-us'] = [...s.fdBinsUs];
  o['ifdv-bins-us'] = [...s.ifdvBinsUs];
  return o;
}

/** The config document for a model (plain data: stringify it as YAML or JSON). */
export function exportDocument(model: CfmModel): { doc: RawConfig; pointers: PointerMap } {
  const pointers: PointerMap = new WeakMap();
  const doc: RawConfig = {};
  if (model.board) {
    doc.board = boardOut(model.board);
    pointers.set(model.board, '/board');
  }
  const onlyDefault = model.switches.length === 0 || (model.switches.length === 1 && model.switches[0].name === DEFAULT_SWITCH && sameBoard(model.switches[0].board, model.board));
  if (!onlyDefault) {
    doc.switches = model.switches.map((s, i) => {
      pointers.set(s, pointerOf(['switches', i]));
      return s.board && !sameBoard(s.board, model.board) ? { name: s.name, board: boardOut(s.board) } : { name: s.name };
    });
  }
  const domains: RawDomain[] = [];
  const groups: RawGroup[] = [];
  const groupIdx = new Map<string, number>();
  model.domains.forEach((d, i) => {
    const p = pointerOf(['cfm', 'maintenance-domain', i]);
    pointers.set(d, p);
    const rd: RawDomain = { 'md-id': d.id };
    mdNameOut(d.name, rd);
    rd['md-level'] = d.level;
    rd['mhf-creation'] = MHF_TO_YANG[d.mhfCreation];
    rd['id-permission'] = ID_TO_YANG[d.senderIdPermission];
    rd['maintenance-association'] = d.associations.map((a, j) => {
      pointers.set(a, `${p}/maintenance-association/${j}`);
      const ra: RawAssociation = { 'ma-id': a.id };
      maNameOut(a.name, ra);
      ra.vid = a.vlan;
      ra['ccm-interval'] = intervalYangName(a.interval);
      ra['mhf-creation'] = MHF_TO_YANG[a.mhfCreation];
      ra['id-permission'] = ID_TO_YANG[a.senderIdPermission];
      ra['maintenance-association-mep'] = a.mepIds.map((id) => ({ 'mep-id': id }));
      for (const m of a.meps) {
        // A group id belongs to one MD/MA (YANG); a model built in code may reuse one: suffix it.
        let gid = m.groupId;
        const owner = `${d.id}\u0000${a.id}`;
        while (groupIdx.has(gid) && groups[groupIdx.get(gid)!]['md-id'] + '\u0000' + groups[groupIdx.get(gid)!]['ma-id'] !== owner) gid += '_';
        let gi = groupIdx.get(gid);
        if (gi === undefined) {
          gi = groups.length;
          groupIdx.set(gid, gi);
          groups.push({ 'maintenance-group-id': gid, 'md-id': d.id, 'ma-id': a.id, mep: [] });
        }
        const g = groups[gi];
        pointers.set(m, pointerOf(['cfm', 'maintenance-group', gi, 'mep', g.mep!.length]));
        g.mep!.push(mepOut(m, a.mepIds));
      }
      return ra;
    });
    domains.push(rd);
  });
  doc.cfm = { 'maintenance-domain': domains, 'maintenance-group': groups };
  if (model.mips.length) {
    doc.cfm.mip = model.mips.map((m, i) => {
      pointers.set(m, pointerOf(['cfm', 'mip', i]));
      const o: RawMip = { interface: m.port, 'md-level': m.level };
      if (m.switch !== DEFAULT_SWITCH) o.switch = m.switch;
      o.vid = m.vlan;
      if (m.domainId !== undefined) o['md-id'] = m.domainId;
      if (m.associationId !== undefined) o['ma-id'] = m.associationId;
      if (m.macAddress !== undefined) o['mac-address'] = m.macAddress;
      o.offload = m.placement;
      return o;
    });
  }
  const cp = model.cpuProtection;
  if (cp.policies.length || cp.bindings.length) {
    doc['cpu-protection'] = {
      policy: cp.policies.map((pol, i) => {
        const p = pointerOf(['cpu-protection', 'policy', i]);
        pointers.set(pol, p);
        return {
          'policy-id': pol.id,
          ...(pol.overallRatePps !== null ? { 'overall-rate': pol.overallRatePps } : {}),
          'eth-cfm': pol.ethCfm.map((e, j) => {
            pointers.set(e, `${p}/eth-cfm/${j}`);
            return { entry: e.entry, level: formatNumberSet(e.levels), opcode: formatNumberSet(e.opcodes), rate: e.ratePps };
          }),
        };
      }),
      binding: cp.bindings.map((b, i) => {
        pointers.set(b, pointerOf(['cpu-protection', 'binding', i]));
        return {
          ...(b.switch !== DEFAULT_SWITCH ? { switch: b.switch } : {}),
          interface: b.port,
          vid: b.vlan,
          ...(b.policy !== null ? { 'cpu-protection': b.policy } : {}),
          ...(b.ethCfmMonitoring ? { 'eth-cfm-monitoring': b.aggregate ? { aggregate: true } : true } : {}),
          'mac-monitoring': b.macMonitoring,
          ...(b.squelchIngressLevels.length ? { 'squelch-ingress-levels': formatNumberSet(b.squelchIngressLevels) } : {}),
        };
      }),
    };
  }
  if (model.debugTags.length) {
    doc['debug-tags'] = model.debugTags.map((t, i) => {
      pointers.set(t, pointerOf(['debug-tags', i]));
      return t.kind === 'mep'
        ? { mep: { domain: t.domainId, association: t.associationId, 'mep-id': t.mepId }, direction: t.direction }
        : { mip: { ...(t.switch !== DEFAULT_SWITCH ? { switch: t.switch } : {}), interface: t.port, vid: t.vlan, 'md-level': t.level }, direction: t.direction };
    });
  }
  return { doc, pointers };
}
