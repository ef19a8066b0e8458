/**
 * Running a scenario in virtual time: build the switches and links, apply the CFM config (the
 * config model, mapped with engine/from-model.ts), then execute the steps at their times and
 * collect fault events, step results and expectation outcomes. Deterministic: the same file and
 * seed give the same output.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_SWITCH, formatIssue, parseConfig } from '../config/index.js';
import type { FaultEvent } from '../engine/events.js';
import { mepConfigFromModel, mipConfigFromModel } from '../engine/from-model.js';
import { ensureLb } from '../engine/mep-lb.js';
import { ensureLt } from '../engine/mep-lt.js';
import { ensureY, type DelayResult, type LossResult } from '../engine/mep-y1731.js';
import type { Mep } from '../engine/mep.js';
import type { MepConfig, MepStatus, MipConfig } from '../engine/types.js';
import { hex } from '../engine/wire.js';
import { SimNetwork } from './network.js';
import { ScenarioError } from './scenario-parse.js';
import type { Expectation, Scenario, ScenarioStep, StepAction } from './scenario-types.js';
import { SimSwitch } from './switch.js';

export interface StepRecord {
  atNs: number;
  type: 'step' | 'result' | 'expect';
  where: string;
  text: string;
  ok?: boolean;
  data?: unknown;
}

export type ScenarioRecord = FaultEvent | StepRecord;

export interface ScenarioOutput {
  records: ScenarioRecord[];
  failures: string[];
  status: Array<MepStatus & { switch: string }>;
  endNs: number;
}

interface World {
  sc: Scenario;
  net: SimNetwork;
  switches: Map<string, SimSwitch>;
  events: FaultEvent[];
  records: ScenarioRecord[];
  failures: string[];
  emit: (r: ScenarioRecord) => void;
}

const fmtS = (ns: number): string => `${+(ns / 1e9).toFixed(6)}s`;

export function runScenario(sc: Scenario, o: { onRecord?: (r: ScenarioRecord) => void } = {}): ScenarioOutput {
  const net = new SimNetwork({ seed: sc.seed });
  const switches = new Map<string, SimSwitch>();
  const w: World = {
    sc, net, switches, events: [], records: [], failures: [],
    emit: (r) => {
      w.records.push(r);
      o.onRecord?.(r);
    },
  };
  for (const s of sc.switches) {
    const sw = new SimSwitch(net, s.name, s.ports, s.mac ? { mac: s.mac } : {});
    sw.engine.onEvent((e) => {
      w.events.push(e);
      w.emit(e);
    });
    switches.set(s.name, sw);
  }
  for (const l of sc.links) net.connect(l.a, l.b, { delayNs: l.delayNs, jitterNs: l.jitterNs, lossRate: l.lossRate, corruptRate: l.corruptRate });
  applyConfig(w, sc.config, sc.baseDir, 'config');
  for (const step of sc.steps) {
    net.clock.advanceTo(step.atNs);
    runStep(w, step);
  }
  net.clock.advanceTo(sc.durationNs);
  const status = [...switches.entries()].flatMap(([name, sw]) => sw.engine.statusAll().map((s) => ({ ...s, switch: name })));
  return { records: w.records, failures: w.failures, status, endNs: sc.durationNs };
}

// ---------------------------------------------------------------- config

function applyConfig(w: World, doc: unknown, baseDir: string, where: string): void {
  let text: string;
  let fileName: string;
  if (typeof doc === 'string') {
    fileName = resolve(baseDir, doc);
    try {
      text = readFileSync(fileName, 'utf8');
    } catch (e) {
      throw new ScenarioError(w.sc.file, where, `cannot read config '${doc}': ${(e as Error).message}`);
    }
  } else {
    fileName = `${w.sc.file}#${where}.json`;
    text = JSON.stringify(doc);
  }
  const { model, errors } = parseConfig(text, { fileName, format: typeof doc === 'string' ? undefined : 'json' });
  if (!model) throw new ScenarioError(w.sc.file, where, `invalid CFM config:\n${errors.map(formatIssue).join('\n')}`);
  const macs = { portMac: (sw: string, port: string) => switchFor(w, sw, where).portMac(port) };
  const meps = new Map<string, { sw: SimSwitch; cfg: MepConfig }>();
  for (const d of model.domains) for (const a of d.associations) for (const m of a.meps) {
    const sw = switchFor(w, m.switch, `${where}: MEP ${m.key}`);
    if (!sw.ports.includes(m.port)) throw new ScenarioError(w.sc.file, where, `MEP ${m.key}: switch ${sw.name} has no port '${m.port}' (ports: ${sw.ports.join(', ')})`);
    meps.set(m.key, { sw, cfg: { ...mepConfigFromModel(m, macs), ...w.sc.overrides[m.key] } });
  }
  const mips = new Map<string, { sw: SimSwitch; cfg: MipConfig }>();
  for (const m of model.mips) {
    const sw = switchFor(w, m.switch, `${where}: MIP ${m.key}`);
    if (!sw.ports.includes(m.port)) throw new ScenarioError(w.sc.file, where, `MIP ${m.key}: switch ${sw.name} has no port '${m.port}'`);
    mips.set(m.key, { sw, cfg: mipConfigFromModel(m, macs) });
  }
  // Diff against what runs: unchanged MEPs keep running; changed ones are recreated carrying
  // their sequence number on (like a hardware/software move).
  for (const sw of w.switches.values()) {
    for (const m of sw.engine.meps()) {
      const want = meps.get(m.key);
      if (want && want.sw === sw && sameCfg(want.cfg, m.cfg)) {
        meps.delete(m.key);
        continue;
      }
      if (want) want.cfg.initialSeq = m.seq;
      sw.engine.removeMep(m.key);
    }
    for (const m of sw.engine.mips()) {
      const want = mips.get(m.key);
      if (want && want.sw === sw && JSON.stringify(want.cfg) === JSON.stringify(m.cfg)) mips.delete(m.key);
      else sw.engine.removeMip(m.key);
    }
  }
  for (const key of Object.keys(w.sc.overrides)) {
    if (!meps.has(key) && ![...w.switches.values()].some((s) => s.engine.findMep(key))) {
      throw new ScenarioError(w.sc.file, `mep-options.${key}`, 'no such MEP in the config');
    }
  }
  for (const { sw, cfg } of mips.values()) sw.engine.addMip(cfg);
  for (const { sw, cfg } of meps.values()) sw.engine.addMep(cfg);
}

function sameCfg(a: MepConfig, b: MepConfig): boolean {
  const norm = (c: MepConfig) => JSON.stringify({ ...c, maid: hex(c.maid), initialSeq: 0, remoteMepIds: [...c.remoteMepIds].sort() });
  return norm(a) === norm(b);
}

function switchFor(w: World, name: string, where: string): SimSwitch {
  const sw = w.switches.get(name);
  if (sw) return sw;
  if (name === DEFAULT_SWITCH && w.switches.size === 1) return [...w.switches.values()][0];
  throw new ScenarioError(w.sc.file, where, name === DEFAULT_SWITCH
    ? 'names no switch and the topology has several: give `switch:` in the config'
    : `switch '${name}' is not in the topology (${[...w.switches.keys()].join(', ')})`);
}

function mepOf(w: World, key: string, where: string): Mep {
  for (const sw of w.switches.values()) {
    const m = sw.engine.findMep(key);
    if (m) return m;
  }
  const all = [...w.switches.values()].flatMap((s) => s.engine.meps().map((m) => m.key));
  throw new ScenarioError(w.sc.file, where, `no MEP '${key}' (MEPs: ${all.join(', ')})`);
}

// ---------------------------------------------------------------- steps

function describe(a: StepAction): string {
  switch (a.kind) {
    case 'cut': case 'restore': return `${a.kind} ${a.link}`;
    case 'block': return `${a.blocked ? 'block' : 'unblock'} ${a.port}`;
    case 'link': return `link ${a.link} ${JSON.stringify({ delayNs: a.delayNs, jitterNs: a.jitterNs, lossRate: a.lossRate, corruptRate: a.corruptRate })}`;
    case 'config': return 'config change';
    case 'loopback': return `loopback from ${a.mep} to ${a.target ?? (a.multicast ? 'multicast' : `MEP ${a.targetMepId}`)} x${a.count}`;
    case 'linktrace': return `linktrace from ${a.mep} to ${a.targetMac ?? `MEP ${a.targetMepId}`} ttl ${a.ttl}`;
    case 'pm': return `${a.op} from ${a.mep} to ${a.targetMac ?? `MEP ${a.targetMepId}`} x${a.count}`;
    case 'lock': return `${a.on ? 'lock' : 'unlock'} ${a.mep}`;
    case 'csf': return `csf ${a.type ?? 'clear'} from ${a.mep}`;
    case 'rdi': return `rdi ${a.on ? 'on' : 'off'} at ${a.mep}`;
    case 'status-tlv': return `status TLVs of ${a.mep}: port ${a.portStatus} interface ${a.interfaceStatus}`;
    case 'expect': return 'expect';
    case 'print': return 'print status';
  }
}

function runStep(w: World, step: ScenarioStep): void {
  const a = step.action;
  const now = w.net.clock.nowNs();
  const record = (type: StepRecord['type'], text: string, extra: Partial<StepRecord> = {}): void =>
    w.emit({ atNs: w.net.clock.nowNs(), type, where: step.where, text, ...extra });
  const fail = (msg: string): void => {
    w.failures.push(`${step.where} (${fmtS(step.atNs)}): ${msg}`);
  };
  const linkOf = (spec: string) => {
    try {
      return w.net.link(spec);
    } catch (e) {
      throw new ScenarioError(w.sc.file, step.where, (e as Error).message);
    }
  };
  if (a.kind !== 'expect') record('step', describe(a));
  switch (a.kind) {
    case 'cut': linkOf(a.link).up = false; return;
    case 'restore': linkOf(a.link).up = true; return;
    case 'link': linkOf(a.link).set(a); return;
    case 'block': {
      const [sw, port] = a.port.split(':');
      const s = w.switches.get(sw);
      if (!s || !s.ports.includes(port)) throw new ScenarioError(w.sc.file, step.where, `no port '${a.port}'`);
      s.setPortBlocked(port, a.blocked);
      return;
    }
    case 'config': applyConfig(w, a.config, a.baseDir, step.where); return;
    case 'rdi': mepOf(w, a.mep, step.where).setRdi(a.on); return;
    case 'status-tlv': mepOf(w, a.mep, step.where).setStatusTlvs(a.portStatus, a.interfaceStatus); return;
    case 'lock': ensureY(mepOf(w, a.mep, step.where)).setLock(a.on); return;
    case 'csf': ensureY(mepOf(w, a.mep, step.where)).setClientSignalFail(a.type); return;
    case 'loopback': {
      const s = ensureLb(mepOf(w, a.mep, step.where)).start({ target: a.target, targetMepId: a.targetMepId, multicast: a.multicast, count: a.count, intervalMs: a.intervalMs });
      s.onDone((r) => {
        const ok = a.expectReceived === undefined || r.received === a.expectReceived;
        record('result', s.summary(), { data: { ...r }, ok });
        if (!ok) fail(`loopback received ${r.received}, expected ${a.expectReceived}`);
      });
      return;
    }
    case 'linktrace': {
      const s = ensureLt(mepOf(w, a.mep, step.where)).start({ targetMac: a.targetMac, targetMepId: a.targetMepId, ttl: a.ttl, useFdbOnly: a.useFdbOnly });
      s.onDone((r) => {
        const ok = a.expectHops === undefined || r.replies.length === a.expectHops;
        record('result', s.table(), { data: r, ok });
        if (!ok) fail(`linktrace got ${r.replies.length} replies, expected ${a.expectHops}`);
      });
      return;
    }
    case 'pm': {
      const y = ensureY(mepOf(w, a.mep, step.where));
      const opts = { targetMac: a.targetMac, targetMepId: a.targetMepId, count: a.count, intervalMs: a.intervalMs };
      const r: DelayResult | LossResult = a.op === 'dmm' ? y.startDmm(opts) : a.op === 'lmm' ? y.startLmm(opts) : y.startSlm(opts);
      w.net.clock.setTimer(Math.round(a.count * a.intervalMs * 1e6) + 5e9 + 1, () => record('result', pmText(r), { data: pmData(r) }));
      return;
    }
    case 'print':
      record('result', statusTable([...w.switches.entries()].flatMap(([n, s]) => s.engine.statusAll().map((x) => ({ ...x, switch: n })))));
      return;
    case 'expect':
      expect(w, step, a.expect, now, record, fail);
      return;
  }
}

function pmData(r: DelayResult | LossResult): unknown {
  const { ...copy } = r as unknown as Record<string, unknown>;
  delete copy.samples;
  return copy;
}

function pmText(r: DelayResult | LossResult): string {
  if ('delaysNs' in r) {
    const ms = (v: number | null) => (v === null ? '-' : (v / 1e6).toFixed(3) + ' ms');
    return `DMM: sent ${r.sent}, received ${r.received}; delay min ${ms(r.minNs)} avg ${ms(r.avgNs)} max ${ms(r.maxNs)}; variation ${ms(r.avgVariationNs)}`;
  }
  const pct = (v: number) => (v * 100).toFixed(2) + '%';
  if (!('farEndLoss' in r)) return '';
  return `${r.kind.toUpperCase()}: sent ${r.sent}, received ${r.received}; far-end loss ${r.farEndLoss} (${pct(r.farEndRatio)}), near-end loss ${r.nearEndLoss} (${pct(r.nearEndRatio)})`;
}

function matches(e: FaultEvent, x: Expectation): boolean {
  if (e.mep !== x.mep) return false;
  if (x.defect) return e.type === 'defect' && e.defect === x.defect && e.active === x.active;
  if (x.alarm) return x.alarm === 'clear' ? e.type === 'alarm-clear' : e.type === 'alarm' && e.defect === x.alarm;
  if (x.remote !== undefined) return e.type === 'remote-mep' && e.remoteMepId === x.remote && e.state === x.state;
  if (x.condition) return e.type === 'condition' && e.condition === x.condition && e.active === x.active;
  return false;
}

function expectText(x: Expectation): string {
  const what = x.defect ? `defect ${x.defect} ${x.active ? 'raised' : 'cleared'}`
    : x.alarm ? (x.alarm === 'clear' ? 'alarm cleared' : `alarm ${x.alarm}`)
    : x.remote !== undefined ? `remote MEP ${x.remote} ${x.state}`
    : x.condition ? `condition ${x.condition} ${x.active ? 'entered' : 'left'}` : 'no defects';
  return `${x.never ? 'never ' : ''}${x.mep}: ${what}${x.withinNs ? ` within ${fmtS(x.withinNs)}` : ' now'}`;
}

function expect(w: World, step: ScenarioStep, x: Expectation, now: number, record: (t: StepRecord['type'], s: string, e?: Partial<StepRecord>) => void, fail: (m: string) => void): void {
  const m = mepOf(w, x.mep, step.where);
  if (x.withinNs === 0) {
    const s = m.status();
    let ok: boolean;
    if (x.noDefects) ok = s.defects === 0;
    else if (x.defect) ok = s.defectNames.includes(x.defect) === x.active;
    else if (x.alarm) ok = x.alarm === 'clear' ? s.fngState === 'fngReset' : m.fng.reportedDefect === x.alarm;
    else if (x.remote !== undefined) ok = s.remotes.find((r) => r.mepId === x.remote)?.state === x.state;
    else ok = x.condition === 'ais' ? s.ais === x.active : x.condition === 'lck' ? s.lck === x.active : (s.csf !== null && `csf-${s.csf}` === x.condition) === x.active;
    if (x.never) ok = !ok;
    record('expect', `${expectText(x)}: ${ok ? 'OK' : `FAILED (defects: ${s.defectNames.join(', ') || 'none'})`}`, { ok });
    if (!ok) fail(`expected ${expectText(x)}; defects: ${s.defectNames.join(', ') || 'none'}`);
    return;
  }
  const from = w.events.length;
  const deadline = now + x.withinNs;
  // +1 ns: events due exactly at the deadline count, whichever timer fired first
  w.net.clock.setTimerAt(deadline + 1, () => {
    const hit = w.events.slice(from).find((e) => e.atNs <= deadline && matches(e, x));
    const ok = x.never ? !hit : !!hit;
    const at = hit ? ` (at ${fmtS(hit.atNs)}, +${fmtS(hit.atNs - now)})` : '';
    record('expect', `${step.where} ${expectText(x)}: ${ok ? 'OK' : 'FAILED'}${at}`, { ok });
    if (!ok) fail(x.never ? `${expectText(x)}: it happened${at}` : `expected ${expectText(x)}: did not happen`);
  });
}

// ---------------------------------------------------------------- output

export function statusTable(rows: Array<MepStatus & { switch: string }>): string {
  const head = ['MEP', 'switch', 'port', 'dir', 'lvl', 'vlan', 'seq', 'defects', 'highest', 'fng', 'remotes'];
  const cells = rows.map((s) => [
    s.key, s.switch, s.port, s.direction, String(s.level), String(s.vlan), String(s.nextSeq),
    s.defectNames.join(',') || '-', s.highestDefect, s.fngState,
    s.remotes.map((r) => `${r.mepId}:${r.state}${r.rdi ? '+rdi' : ''}`).join(' ') || '-',
  ]);
  const wd = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(wd[i])).join('  ').trimEnd();
  return [line(head), wd.map((n) => '-'.repeat(n)).join('  '), ...cells.map(line)].join('\n');
}

export function formatRecord(r: ScenarioRecord, formatFault: (e: FaultEvent) => string): string {
  if ('mep' in r) return formatFault(r);
  const t = (r.atNs / 1e9).toFixed(6).padStart(12);
  const tag = r.type === 'step' ? 'step' : r.type === 'expect' ? 'expect' : 'result';
  const body = r.text.includes('\n') ? '\n' + r.text.split('\n').map((l) => '    ' + l).join('\n') : r.text;
  return `${t}s [${tag}] ${body}`;
}
