/**
 * Reading and checking a scenario file. Every problem is a CfmError('CONFIG') naming the file
 * and the place ("steps[2].cut: ...").
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { CfmError } from '../common/errors.js';
import { bounds, dur, int, isObj, known, parseDurationNs, rate, ScenarioError, str, type Err, type Obj } from './scenario-parse-util.js';
import { parseDir, parseFramesExpect, parseInject, parsePmExpect, parsePortStep, parseReplies, parseStatusCheck, parseWindow } from './scenario-parse-ext.js';
import { DEFECTS, type DefectName, type RmepState } from '../engine/types.js';
import { parseTestRxStep, parseY1731Step, y1731SpanNs } from './scenario-y1731.js';
import type { Expectation, MepOverride, Scenario, ScenarioLink, ScenarioStep, ScenarioSwitch, StepAction } from './scenario-types.js';

export { ScenarioError, parseDurationNs } from './scenario-parse-util.js';

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CfmError('CONFIG', `${file}: cannot read: ${(e as Error).message}`);
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file = '<scenario>'): Scenario {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new ScenarioError(file, '', `not valid YAML: ${(e as Error).message}`);
  }
  const err = (where: string, msg: string): never => {
    throw new ScenarioError(file, where, msg);
  };
  if (!isObj(doc)) err('', 'a scenario is a mapping with topology, config and steps');
  const d = doc as Obj;
  known(d, ['name', 'seed', 'topology', 'config', 'mep-options', 'steps', 'duration'], '', err);
  const baseDir = file.startsWith('<') ? process.cwd() : dirname(resolve(file));
  const topo = d.topology;
  if (!isObj(topo)) err('topology', 'missing: give switches and links');
  const t = topo as Obj;
  known(t, ['switches', 'links'], 'topology', err);
  if (!Array.isArray(t.switches) || t.switches.length === 0) err('topology.switches', 'a non-empty list of { name, ports }');
  const switches: ScenarioSwitch[] = (t.switches as unknown[]).map((s, i) => {
    const w = `topology.switches[${i}]`;
    if (!isObj(s)) err(w, 'expected { name, ports }');
    const o = s as Obj;
    known(o, ['name', 'ports', 'mac'], w, err);
    if (typeof o.name !== 'string' || !/^[A-Za-z0-9_.]+$/.test(o.name)) err(`${w}.name`, 'a name of letters, digits, _ and . (no - or :)');
    if (!Array.isArray(o.ports) || o.ports.length === 0 || !o.ports.every((p) => typeof p === 'string' && /^[A-Za-z0-9_./]+$/.test(p))) err(`${w}.ports`, 'a non-empty list of port names');
    if (o.mac !== undefined && (typeof o.mac !== 'string' || !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(o.mac))) err(`${w}.mac`, 'a MAC aa:bb:cc:dd:ee:ff');
    return { name: o.name as string, ports: o.ports as string[], ...(o.mac ? { mac: (o.mac as string).replace(/-/g, ':').toLowerCase() } : {}) };
  });
  const names = new Set<string>();
  switches.forEach((s, i) => {
    if (names.has(s.name)) err(`topology.switches[${i}].name`, `duplicate switch '${s.name}'`);
    names.add(s.name);
  });
  const portOf = (v: unknown, w: string): string => {
    if (typeof v !== 'string') return err(w, 'expected "<switch>:<port>"');
    const [sw, port] = (v as string).split(':');
    const s = switches.find((x) => x.name === sw);
    if (!s) return err(w, `unknown switch '${sw}' (switches: ${[...names].join(', ')})`);
    if (!port || !s.ports.includes(port)) return err(w, `switch ${sw} has no port '${port}' (ports: ${s.ports.join(', ')})`);
    return v as string;
  };
  const links: ScenarioLink[] = (Array.isArray(t.links) ? t.links : []).map((l, i) => {
    const w = `topology.links[${i}]`;
    let o: Obj;
    if (Array.isArray(l) && l.length === 2) o = { a: l[0], b: l[1] };
    else if (isObj(l)) o = l as Obj;
    else return err(w, 'expected [a, b] or { a, b, delay, jitter, loss, corrupt, a-to-b, b-to-a }');
    known(o, ['a', 'b', 'delay', 'jitter', 'loss', 'corrupt', 'a-to-b', 'b-to-a'], w, err);
    return {
      a: portOf(o.a, `${w}.a`), b: portOf(o.b, `${w}.b`),
      delayNs: o.delay === undefined ? 1000 : dur(o.delay, `${w}.delay`, err),
      jitterNs: o.jitter === undefined ? 0 : dur(o.jitter, `${w}.jitter`, err),
      lossRate: o.loss === undefined ? 0 : rate(o.loss, `${w}.loss`, err),
      corruptRate: o.corrupt === undefined ? 0 : rate(o.corrupt, `${w}.corrupt`, err),
      ...(o['a-to-b'] !== undefined ? { aToB: parseDir(o['a-to-b'], `${w}.a-to-b`, err) } : {}),
      ...(o['b-to-a'] !== undefined ? { bToA: parseDir(o['b-to-a'], `${w}.b-to-a`, err) } : {}),
    };
  });
  const overrides: Record<string, MepOverride> = {};
  if (d['mep-options'] !== undefined) {
    if (!isObj(d['mep-options'])) err('mep-options', 'a mapping of MEP key -> { ais-client-level, ais-period }');
    for (const [key, v] of Object.entries(d['mep-options'] as Obj)) {
      const w = `mep-options.${key}`;
      if (!isObj(v)) err(w, 'expected { ais-client-level, ais-period }');
      const o = v as Obj;
      known(o, ['ais-client-level', 'ais-period'], w, err);
      const ov: MepOverride = {};
      if (o['ais-client-level'] !== undefined) ov.aisClientLevel = int(o['ais-client-level'], `${w}.ais-client-level`, err, 0, 7);
      if (o['ais-period'] !== undefined) {
        const p = parseDurationNs(o['ais-period']);
        if (p !== 1e9 && p !== 60e9) err(`${w}.ais-period`, '1s or 1min (Y.1731 7.4)');
        ov.aisPeriod = p === 1e9 ? 4 : 6;
      }
      overrides[key] = ov;
    }
  }
  if (d.config === undefined) err('config', 'missing: the CFM config (inline, or a file path relative to the scenario)');
  const seed = d.seed === undefined ? 1 : d.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) err('seed', 'an integer');
  if (!Array.isArray(d.steps)) err('steps', 'a list of timed steps');
  const steps: ScenarioStep[] = (d.steps as unknown[]).map((s, i) => parseStep(s, `steps[${i}]`, baseDir, err));
  for (let i = 1; i < steps.length; i++) {
    if (steps[i].atNs < steps[i - 1].atNs) err(`steps[${i}].at`, 'steps must be in time order');
  }
  const lastNs = steps.length ? Math.max(...steps.map((s) => s.atNs + stepSpanNs(s.action))) : 0;
  // by default the run also lasts until the results of loopback, linktrace and PM steps are in
  const resultNs = steps.length ? Math.max(...steps.map((s) => s.atNs + resultSpanNs(s.action))) : 0;
  const durationNs = d.duration === undefined ? Math.max(lastNs + 1e9, resultNs) : dur(d.duration, 'duration', err);
  if (durationNs < lastNs) err('duration', `ends before the last step (${lastNs / 1e9} s)`);
  return {
    name: typeof d.name === 'string' ? d.name : file, file, seed: seed as number, switches, links,
    config: d.config, baseDir, overrides, steps, durationNs,
  };
}

/** How long after its time a step still acts (expectation windows, injected frame trains). */
function stepSpanNs(a: StepAction): number {
  if (a.kind === 'expect') return a.expect.withinNs;
  if (a.kind === 'expect-frames') return a.expect.toNs;
  if (a.kind === 'inject') return (a.count - 1) * a.everyNs;
  return 0;
}

/** When the result of a loopback, linktrace or PM step is in (their default 5 s timeouts). */
function resultSpanNs(a: StepAction): number {
  if (a.kind === 'loopback') return (a.count - 1) * a.intervalMs * 1e6 + 5e9 + 1;
  if (a.kind === 'linktrace') return 5e9 + 1;
  if (a.kind === 'pm') return a.count * a.intervalMs * 1e6 + 5e9 + 1;
  if (a.kind === 'y1731') return y1731SpanNs(a);
  return 0;
}

const ACTIONS = ['cut', 'restore', 'link', 'block', 'unblock', 'port', 'inject', 'config', 'loopback', 'linktrace', 'dmm', 'lmm', 'slm', 'lock', 'unlock', 'csf', 'rdi', 'status-tlv', 'expect', 'print', 'y1731', 'test-rx'];

function parseStep(s: unknown, w: string, baseDir: string, err: Err): ScenarioStep {
  if (!isObj(s)) err(w, `expected { at, <action> } with one action of: ${ACTIONS.join(', ')}`);
  const o = s as Obj;
  const atNs = dur(o.at ?? 0, `${w}.at`, err);
  const keys = Object.keys(o).filter((k) => k !== 'at');
  if (keys.length !== 1 || !ACTIONS.includes(keys[0])) err(w, `exactly one action of: ${ACTIONS.join(', ')} (got: ${keys.join(', ') || 'none'})`);
  const k = keys[0];
  const v = o[k];
  const aw = `${w}.${k}`;
  const obj = (): Obj => (isObj(v) ? (v as Obj) : err(aw, 'expected a mapping'));
  let action: StepAction;
  switch (k) {
    case 'cut': case 'restore': action = { kind: k, link: str(v, aw, err) }; break;
    case 'block': case 'unblock': action = { kind: 'block', port: str(v, aw, err), blocked: k === 'block' }; break;
    case 'link': {
      const x = obj();
      known(x, ['link', 'from', 'delay', 'jitter', 'loss', 'corrupt'], aw, err);
      action = {
        kind: 'link', link: str(x.link, `${aw}.link`, err),
        ...(x.from !== undefined ? { from: str(x.from, `${aw}.from`, err) } : {}),
        ...(x.delay !== undefined ? { delayNs: dur(x.delay, `${aw}.delay`, err) } : {}),
        ...(x.jitter !== undefined ? { jitterNs: dur(x.jitter, `${aw}.jitter`, err) } : {}),
        ...(x.loss !== undefined ? { lossRate: rate(x.loss, `${aw}.loss`, err) } : {}),
        ...(x.corrupt !== undefined ? { corruptRate: rate(x.corrupt, `${aw}.corrupt`, err) } : {}),
      };
      break;
    }
    case 'port': action = parsePortStep(obj(), aw, err); break;
    case 'inject': action = parseInject(obj(), aw, err); break;
    case 'config': action = { kind: 'config', config: v, baseDir }; break;
    case 'loopback': {
      const x = obj();
      known(x, ['mep', 'target', 'target-mep-id', 'multicast', 'count', 'interval', 'expect-received', 'expect-out-of-order', 'expect-bad-msdu'], aw, err);
      const n = (v: unknown, ww: string): number => int(v, ww, err, 0, 1_000_000);
      action = {
        kind: 'loopback', mep: str(x.mep, `${aw}.mep`, err), count: x.count === undefined ? 1 : int(x.count, `${aw}.count`, err, 1, 1024),
        intervalMs: x.interval === undefined ? 1000 : dur(x.interval, `${aw}.interval`, err) / 1e6,
        ...(x.target !== undefined ? { target: str(x.target, `${aw}.target`, err) } : {}),
        ...(x['target-mep-id'] !== undefined ? { targetMepId: int(x['target-mep-id'], `${aw}.target-mep-id`, err, 1, 8191) } : {}),
        ...(x.multicast === true ? { multicast: true } : {}),
        ...(x['expect-received'] !== undefined ? { expectReceived: bounds(x['expect-received'], `${aw}.expect-received`, err, n) } : {}),
        ...(x['expect-out-of-order'] !== undefined ? { expectOutOfOrder: bounds(x['expect-out-of-order'], `${aw}.expect-out-of-order`, err, n) } : {}),
        ...(x['expect-bad-msdu'] !== undefined ? { expectBadMsdu: bounds(x['expect-bad-msdu'], `${aw}.expect-bad-msdu`, err, n) } : {}),
      };
      if (x.target === undefined && x['target-mep-id'] === undefined && x.multicast !== true) err(aw, 'give target (MAC), target-mep-id or multicast: true');
      break;
    }
    case 'linktrace': {
      const x = obj();
      known(x, ['mep', 'target', 'target-mep-id', 'ttl', 'use-fdb-only', 'expect-hops', 'expect-replies'], aw, err);
      action = {
        kind: 'linktrace', mep: str(x.mep, `${aw}.mep`, err), ttl: x.ttl === undefined ? 64 : int(x.ttl, `${aw}.ttl`, err, 1, 255),
        useFdbOnly: x['use-fdb-only'] === true,
        ...(x.target !== undefined ? { targetMac: str(x.target, `${aw}.target`, err) } : {}),
        ...(x['target-mep-id'] !== undefined ? { targetMepId: int(x['target-mep-id'], `${aw}.target-mep-id`, err, 1, 8191) } : {}),
        ...(x['expect-hops'] !== undefined ? { expectHops: int(x['expect-hops'], `${aw}.expect-hops`, err, 0, 255) } : {}),
        ...(x['expect-replies'] !== undefined ? { expectReplies: parseReplies(x['expect-replies'], `${aw}.expect-replies`, err) } : {}),
      };
      if (x.target === undefined && x['target-mep-id'] === undefined) err(aw, 'give target (MAC) or target-mep-id');
      break;
    }
    case 'dmm': case 'lmm': case 'slm': {
      const x = obj();
      known(x, ['mep', 'target', 'target-mep-id', 'count', 'interval', 'expect-received', 'expect-delay', 'expect-far-end-loss', 'expect-near-end-loss'], aw, err);
      const pe = parsePmExpect(x, aw, err);
      action = {
        ...(pe ? { expect: pe } : {}),
        kind: 'pm', op: k, mep: str(x.mep, `${aw}.mep`, err), count: x.count === undefined ? 10 : int(x.count, `${aw}.count`, err, 1, 100000),
        intervalMs: x.interval === undefined ? 1000 : dur(x.interval, `${aw}.interval`, err) / 1e6,
        ...(x.target !== undefined ? { targetMac: str(x.target, `${aw}.target`, err) } : {}),
        ...(x['target-mep-id'] !== undefined ? { targetMepId: int(x['target-mep-id'], `${aw}.target-mep-id`, err, 1, 8191) } : {}),
      };
      break;
    }
    case 'y1731': action = parseY1731Step(obj(), aw, err); break;
    case 'test-rx': action = parseTestRxStep(obj(), aw, err); break;
    case 'lock': case 'unlock': action = { kind: 'lock', mep: str(v, aw, err), on: k === 'lock' }; break;
    case 'rdi': {
      const x = obj();
      action = { kind: 'rdi', mep: str(x.mep, `${aw}.mep`, err), on: x.on !== false };
      break;
    }
    case 'csf': {
      const x = obj();
      const type = x.type === null || x.type === 'clear' ? null : x.type;
      if (type !== null && type !== 'los' && type !== 'fdi' && type !== 'rdi') err(`${aw}.type`, "one of los, fdi, rdi, clear");
      action = { kind: 'csf', mep: str(x.mep, `${aw}.mep`, err), type: type as 'los' | 'fdi' | 'rdi' | null };
      break;
    }
    case 'status-tlv': {
      const x = obj();
      action = { kind: 'status-tlv', mep: str(x.mep, `${aw}.mep`, err), portStatus: x.port === undefined ? 0 : int(x.port, `${aw}.port`, err, 0, 255), interfaceStatus: x.interface === undefined ? 0 : int(x.interface, `${aw}.interface`, err, 0, 255) };
      break;
    }
    case 'print': action = { kind: 'print', what: 'status' }; break;
    default: {
      const x = obj();
      const check = x.frames === undefined ? parseStatusCheck(x, aw, err) : null;
      action = x.frames !== undefined ? { kind: 'expect-frames', expect: parseFramesExpect(x, aw, err) }
        : check ? { kind: 'expect-status', check }
        : { kind: 'expect', expect: parseExpect(x, aw, err) };
    }
  }
  return { atNs, where: w, action };
}

const STATES: RmepState[] = ['idle', 'start', 'ok', 'failed'];

function parseExpect(x: Obj, w: string, err: Err): Expectation {
  known(x, ['mep', 'defect', 'alarm', 'suppressed', 'remote', 'state', 'condition', 'active', 'within', 'window', 'never', 'no-defects'], w, err);
  const win = parseWindow(x, w, err);
  const e: Expectation = {
    mep: str(x.mep, `${w}.mep`, err), active: x.active !== false, withinNs: win.toNs,
    ...(win.fromNs > 0 ? { fromNs: win.fromNs } : {}),
    ...(x.never === true ? { never: true } : {}),
  };
  if (x.defect !== undefined) {
    if (!DEFECTS.includes(x.defect as DefectName)) err(`${w}.defect`, `one of ${DEFECTS.join(', ')}`);
    e.defect = x.defect as DefectName;
  }
  if (x.alarm !== undefined) {
    if (x.alarm !== 'clear' && !DEFECTS.includes(x.alarm as DefectName)) err(`${w}.alarm`, `one of ${DEFECTS.join(', ')}, clear`);
    e.alarm = x.alarm as DefectName | 'clear';
  }
  if (x.suppressed !== undefined) {
    if (typeof x.suppressed !== 'boolean' || x.alarm === undefined || x.alarm === 'clear') err(`${w}.suppressed`, 'true or false, with alarm: <defect>');
    e.suppressed = x.suppressed as boolean;
  }
  if (x.remote !== undefined) {
    e.remote = int(x.remote, `${w}.remote`, err, 1, 8191);
    if (!STATES.includes(x.state as RmepState)) err(`${w}.state`, `one of ${STATES.join(', ')}`);
    e.state = x.state as RmepState;
  }
  if (x.condition !== undefined) e.condition = str(x.condition, `${w}.condition`, err);
  if (x['no-defects'] === true) e.noDefects = true;
  const what = [e.defect, e.alarm, e.remote, e.condition, e.noDefects].filter((z) => z !== undefined).length;
  if (what !== 1) err(w, 'give exactly one of defect, alarm, remote (+ state), condition, no-defects');
  if (e.noDefects && e.withinNs !== 0) err(`${w}.within`, 'no-defects checks the status at the step time: no within');
  return e;
}
