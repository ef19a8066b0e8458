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
import type { MepConfig, MepStatus, MipConfig } from '../engine/types.js';
import { hex } from '../engine/wire.js';
import { opcodeName } from '../pdu/index.js';
import { SimNetwork } from './network.js';
import { checkStatus, expectEvent, expectFrames, linktraceProblems, loopbackProblems, pmProblems } from './scenario-expect.js';
import { runInject } from './scenario-inject.js';
import { ScenarioError } from './scenario-parse-util.js';
import type { Scenario, ScenarioStep, StepAction } from './scenario-types.js';
import { linkOf, mepOf, portOf, stepIo, type ScenarioRecord, type World } from './scenario-world.js';
import { SimSwitch } from './switch.js';
import { describeY1731, runY1731Step } from './scenario-y1731.js';

export type { ScenarioRecord, StepRecord } from './scenario-world.js';

export interface ScenarioOutput {
  records: ScenarioRecord[];
  failures: string[];
  status: Array<MepStatus & { switch: string }>;
  endNs: number;
}


export function runScenario(sc: Scenario, o: { onRecord?: (r: ScenarioRecord) => void } = {}): ScenarioOutput {
  const net = new SimNetwork({ seed: sc.seed });
  const switches = new Map<string, SimSwitch>();
  const w: World = {
    sc, net, switches, events: [], tx: [], records: [], failures: [], pending: new Map(),
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
  for (const l of sc.links) {
    const link = net.connect(l.a, l.b, { delayNs: l.delayNs, jitterNs: l.jitterNs, lossRate: l.lossRate, corruptRate: l.corruptRate });
    if (l.aToB) link.set(l.aToB, l.a);
    if (l.bToA) link.set(l.bToA, l.b);
  }
  if (sc.steps.some((s) => s.action.kind === 'expect-frames')) net.tap((r) => w.tx.push(r));
  applyConfig(w, sc.config, sc.baseDir, 'config');
  // Order at one instant (docs/sim.md): every timer due at or before a step's time fires first
  // (CCMs, rMEPwhile, frame arrivals, earlier steps' trains), then the steps of that time in
  // file order; what a step causes at that instant (a frame sent, a defect) comes after both.
  for (const step of sc.steps) {
    net.clock.advanceTo(step.atNs);
    runStep(w, step);
  }
  net.clock.advanceTo(sc.durationNs);
  for (const msg of w.pending.values()) w.failures.push(msg);
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

// ---------------------------------------------------------------- steps

function describe(a: StepAction): string {
  switch (a.kind) {
    case 'cut': case 'restore': return `${a.kind} ${a.link}`;
    case 'block': return `${a.blocked ? 'block' : 'unblock'} ${a.port}`;
    case 'link': return `link ${a.link}${a.from ? ` from ${a.from}` : ''} ${JSON.stringify({ delayNs: a.delayNs, jitterNs: a.jitterNs, lossRate: a.lossRate, corruptRate: a.corruptRate })}`;
    case 'port': return `port ${a.port}${a.stp ? ` stp ${a.stp}` : ''}${a.link ? ` link ${a.link}` : ''}${a.ifStatus ? ` if-status ${a.ifStatus}` : ''}`;
    case 'inject': return `inject ${opcodeName(a.opcode)} at ${a.port} from the ${a.from}${a.count > 1 ? ` x${a.count}` : ''}`;
    case 'config': return 'config change';
    case 'loopback': return `loopback from ${a.mep} to ${a.target ?? (a.multicast ? 'multicast' : `MEP ${a.targetMepId}`)} x${a.count}`;
    case 'linktrace': return `linktrace from ${a.mep} to ${a.targetMac ?? `MEP ${a.targetMepId}`} ttl ${a.ttl}`;
    case 'y1731': case 'test-rx': return describeY1731(a);
    case 'pm': return `${a.op} from ${a.mep} to ${a.targetMac ?? `MEP ${a.targetMepId}`} x${a.count}`;
    case 'lock': return `${a.on ? 'lock' : 'unlock'} ${a.mep}`;
    case 'csf': return `csf ${a.type ?? 'clear'} from ${a.mep}`;
    case 'rdi': return `rdi ${a.on ? 'on' : 'off'} at ${a.mep}`;
    case 'status-tlv': return `status TLVs of ${a.mep}: port ${a.portStatus} interface ${a.interfaceStatus}`;
    case 'expect': case 'expect-frames': case 'expect-status': return 'expect';
    case 'print': return 'print status';
  }
}

function runStep(w: World, step: ScenarioStep): void {
  const a = step.action;
  const io = stepIo(w, step);
  const { record, fail } = io;
  if (a.kind !== 'expect' && a.kind !== 'expect-frames' && a.kind !== 'expect-status') record('step', describe(a));
  switch (a.kind) {
    case 'cut': linkOf(w, a.link, step.where).up = false; return;
    case 'restore': linkOf(w, a.link, step.where).up = true; return;
    case 'link': {
      const l = linkOf(w, a.link, step.where);
      if (a.from !== undefined && !l.dirOf(a.from)) throw new ScenarioError(w.sc.file, `${step.where}.link.from`, `'${a.from}' is not an end of link ${l.name}`);
      l.set(a, a.from);
      return;
    }
    case 'block': {
      const { sw, port } = portOf(w, a.port, step.where);
      sw.setPortBlocked(port, a.blocked);
      return;
    }
    case 'port': {
      const { sw, port } = portOf(w, a.port, `${step.where}.port.port`);
      if (a.stp) sw.setPortBlocked(port, a.stp === 'blocked');
      if (a.link) linkOf(w, a.port, `${step.where}.port.link`).up = a.link === 'up';
      if (a.ifStatus) sw.engine.setPortState(port, { ifStatus: a.ifStatus });
      return;
    }
    case 'inject': runInject(w, step, a); return;
    case 'config': applyConfig(w, a.config, a.baseDir, step.where); return;
    case 'rdi': mepOf(w, a.mep, step.where).setRdi(a.on); return;
    case 'status-tlv': mepOf(w, a.mep, step.where).setStatusTlvs(a.portStatus, a.interfaceStatus); return;
    case 'lock': ensureY(mepOf(w, a.mep, step.where)).setLock(a.on); return;
    case 'csf': ensureY(mepOf(w, a.mep, step.where)).setClientSignalFail(a.type); return;
    case 'loopback': {
      const s = ensureLb(mepOf(w, a.mep, step.where)).start({ target: a.target, targetMepId: a.targetMepId, multicast: a.multicast, count: a.count, intervalMs: a.intervalMs });
      awaitResult(w, step, a.expectReceived ?? a.expectOutOfOrder ?? a.expectBadMsdu);
      s.onDone((r) => {
        w.pending.delete(step.where);
        const problems = loopbackProblems(r, a);
        record('result', s.summary(), { data: { ...r }, ok: problems.length === 0 });
        problems.forEach(fail);
      });
      return;
    }
    case 'linktrace': {
      const s = ensureLt(mepOf(w, a.mep, step.where)).start({ targetMac: a.targetMac, targetMepId: a.targetMepId, ttl: a.ttl, useFdbOnly: a.useFdbOnly });
      awaitResult(w, step, a.expectHops ?? a.expectReplies);
      s.onDone((r) => {
        w.pending.delete(step.where);
        const problems = linktraceProblems(r, a.expectHops, a.expectReplies);
        record('result', s.table(), { data: r, ok: problems.length === 0 });
        problems.forEach(fail);
      });
      return;
    }
    case 'pm': {
      const y = ensureY(mepOf(w, a.mep, step.where));
      const opts = { targetMac: a.targetMac, targetMepId: a.targetMepId, count: a.count, intervalMs: a.intervalMs };
      const r: DelayResult | LossResult = a.op === 'dmm' ? y.startDmm(opts) : a.op === 'lmm' ? y.startLmm(opts) : y.startSlm(opts);
      awaitResult(w, step, a.expect);
      w.net.clock.setTimer(Math.round(a.count * a.intervalMs * 1e6) + 5e9 + 1, () => {
        w.pending.delete(step.where);
        const problems = pmProblems(r, a.expect);
        record('result', pmText(r), { data: pmData(r), ...(a.expect ? { ok: problems.length === 0 } : {}) });
        problems.forEach(fail);
      });
      return;
    }
    case 'y1731': case 'test-rx': runY1731Step(w, step, a); return;
    case 'print':
      record('result', statusTable([...w.switches.entries()].flatMap(([n, s]) => s.engine.statusAll().map((x) => ({ ...x, switch: n })))));
      return;
    case 'expect': expectEvent(w, step, a.expect, io); return;
    case 'expect-frames': expectFrames(w, step, a.expect, io); return;
    case 'expect-status': checkStatus(w, step, a.check, io); return;
  }
}

/** A step whose result is expected: it fails if the result is not in when the scenario ends. */
function awaitResult(w: World, step: ScenarioStep, expectation: unknown): void {
  if (expectation === undefined) return;
  w.pending.set(step.where, `${step.where} (${+(step.atNs / 1e9).toFixed(6)}s): the result did not come before the scenario ended at ${+(w.sc.durationNs / 1e9).toFixed(6)}s (make duration longer)`);
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
