/**
 * `cfm demo` (`npm start`): two mock-ASIC switches in the simulator, each driven by an offload
 * manager, on examples/demo.yaml. The plan is printed (some MEPs in hardware, some in software,
 * with reasons), CCM sessions come up, then, in virtual time:
 *   1. the sw1 -> sw2 fiber breaks (one way): sw2 loses its peers (defRemoteCCM after 3.25..3.5
 *      intervals) and signals RDI; sw1 sees defRDICCM (the far end learns through RDI);
 *   2. the fiber is repaired: both clear;
 *   3. the cable is cut (both ways): defRemoteCCM on both sides;
 *   4. the cable is restored: everything clears; FNG alarms and alarm resets follow their timers;
 *   5. the operator runs a loopback and a linktrace from a hardware MEP, then pins it to software
 *      and back (manager.change): the peer sees no defect.
 * The run checks that each expected event happened in its window; the exit status says so.
 */
import { join } from 'node:path';
import { VirtualClock } from '../common/clock.js';
import { CfmError } from '../common/errors.js';
import { intervalName, intervalNs } from '../common/interval.js';
import { loadConfigOrThrow } from '../config/index.js';
import { PACKAGE_ROOT } from '../config/ajv.js';
import type { CfmModel, LocalMep } from '../config/model.js';
import type { FaultEvent } from '../engine/events.js';
import { formatEvent } from '../engine/events.js';
import { mockOptionsFromProfile } from '../backends/mock/options.js';
import { loadProfile } from '../profiles/index.js';
import { SimNetwork } from '../sim/network.js';
import { formatPlan } from './format.js';
import { OffloadManager } from './manager.js';
import { localMeps } from './planner.js';
import { MockSwitchNode } from './sim/mock-switch.js';
import { runVirtual } from './sim/run.js';

export const DEMO_CONFIG = join(PACKAGE_ROOT, 'examples', 'demo.yaml');

export interface DemoOptions {
  configPath?: string;
  /** Profile for switches whose board names none (default mock-default). */
  profile?: string;
  /** Text lines (plan, timeline, checks); default: nothing. */
  print?: (line: string) => void;
  /** Every fault event as it happens (for --json). */
  onEvent?: (e: DemoEvent) => void;
}

export type DemoEvent = FaultEvent & { switch: string };

export interface DemoCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DemoResult {
  ok: boolean;
  checks: DemoCheck[];
  events: DemoEvent[];
  hardware: number;
  software: number;
}

const SEC = 1e9;

/** Ports used by down MEPs on both switches: the demo cables them together. */
function cabledPorts(meps: LocalMep[], a: string, b: string): string[] {
  const on = (sw: string) => new Set(meps.filter((m) => m.switch === sw && m.direction === 'down').map((m) => m.port));
  const pa = on(a);
  return [...on(b)].filter((p) => pa.has(p)).sort();
}

/** Point-to-point MAs between the two switches on a cabled port, interval <= 1 s (the checked ones). */
function checkedPairs(model: CfmModel, a: string, b: string, ports: string[]): Array<[LocalMep, LocalMep]> {
  const out: Array<[LocalMep, LocalMep]> = [];
  for (const d of model.domains) {
    for (const ma of d.associations) {
      const x = ma.meps.filter((m) => m.switch === a && ports.includes(m.port) && m.direction === 'down');
      const y = ma.meps.filter((m) => m.switch === b && ports.includes(m.port) && m.direction === 'down');
      if (x.length === 1 && y.length === 1 && ma.mepIds.length === 2 && ma.interval <= 4) out.push([x[0], y[0]]);
    }
  }
  return out;
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoResult> {
  const print = o.print ?? (() => undefined);
  const model = loadConfigOrThrow(o.configPath ?? DEMO_CONFIG);
  const meps = localMeps(model);
  const switches = [...new Set(meps.map((m) => m.switch))].sort();
  if (switches.length !== 2) throw new CfmError('CONFIG', `the demo needs a config with two switches (has ${switches.join(', ') || 'none'})`);
  const [A, B] = switches;
  const ports = cabledPorts(meps, A, B);
  if (ports.length === 0) throw new CfmError('CONFIG', `no port carries down MEPs on both ${A} and ${B}: nothing to cable`);

  const clock = new VirtualClock();
  const net = new SimNetwork({ clock });
  const nodes: Record<string, MockSwitchNode> = {};
  const mgrs: Record<string, OffloadManager> = {};
  const events: DemoEvent[] = [];
  let hardware = 0;
  let software = 0;
  const pending: Array<{ atNs: number; line: string }> = [];
  const flush = () => {
    for (const p of pending.sort((a, b) => a.atNs - b.atNs).splice(0)) print(p.line);
  };
  try {
    for (const sw of switches) {
      const ref = model.switches.find((s) => s.name === sw);
      const profile = loadProfile(ref?.board?.profile ?? o.profile ?? 'mock-default');
      nodes[sw] = new MockSwitchNode(sw, net, mockOptionsFromProfile(profile, { instance: `demo-${sw}-${process.pid}-${Date.now()}` }));
      mgrs[sw] = new OffloadManager({ backend: nodes[sw].backend, profile, clock, switch: sw });
      mgrs[sw].onFault((e) => {
        const de = { ...e, switch: sw };
        events.push(de);
        o.onEvent?.(de);
        // hardware events reach the manager at its next poll (<= 10 ms later) carrying their
        // device time: buffer the lines and print them in time order at each phase boundary
        if (e.type !== 'remote-mep') pending.push({ atNs: e.atNs, line: formatEvent(e).replace(/^(\s*\S+) /, `$1 ${sw} `) });
      });
    }
    for (const p of ports) net.connect(`${A}:${p}`, `${B}:${p}`);

    for (const sw of switches) {
      const rep = await mgrs[sw].apply(model);
      print(formatPlan(rep.plan));
      print('');
      hardware += rep.plan.meps.filter((m) => m.ccm === 'hardware').length;
      software += rep.plan.meps.filter((m) => m.ccm === 'software').length;
    }
    const banner = (s: string): void => {
      flush();
      print(`${(clock.nowNs() / SEC).toFixed(6).padStart(12)}s ==== ${s}`);
    };
    const run = (ns: number) => runVirtual(clock, ns, 5_000_000);

    banner(`sessions start (cable ${ports.map((p) => `${A}:${p}-${B}:${p}`).join(', ')})`);
    await run(3 * SEC);
    const checks: DemoCheck[] = [];
    for (const sw of switches) {
      const st = await mgrs[sw].status();
      const up = st.meps.filter((m) => m.remotes.length > 0 && m.remotes.every((r) => r.state === 'ok'));
      banner(`${sw}: ${up.length} of ${st.meps.length} MEPs hear all their remote MEPs (${st.meps.filter((m) => m.placement === 'hardware').length} in hardware)`);
      const deaf = st.meps.filter((m) => !up.includes(m)).map((m) => m.key);
      checks.push({ name: `sessions: every MEP on ${sw} hears its remote MEPs`, ok: deaf.length === 0, detail: deaf.join(', ') || `${up.length} MEPs` });
    }

    const pairs = checkedPairs(model, A, B, ports);
    const find = (sw: string, key: string, defect: string, active: boolean, fromNs: number, toNs: number) =>
      events.find((e) => e.switch === sw && e.mep === key && e.type === 'defect' && e.defect === defect && e.active === active && e.atNs >= fromNs && e.atNs <= toNs);
    const expectLoc = (sw: string, m: LocalMep, cutNs: number, phase: string) => {
      const I = intervalNs(m.interval);
      // the last CCM before the cut arrived up to one interval earlier: LOC 2.25..3.5 intervals after the cut
      const e = find(sw, m.key, 'defRemoteCCM', true, cutNs + 2.25 * I - 1e6, cutNs + 3.5 * I + 1e6);
      checks.push({ name: `${phase}: ${sw} ${m.key} (${intervalName(m.interval)}) defRemoteCCM`, ok: !!e, detail: e ? `after ${((e.atNs - cutNs) / I).toFixed(2)} intervals` : 'missing' });
    };
    const expectEvent = (sw: string, m: LocalMep, defect: string, active: boolean, fromNs: number, toNs: number, phase: string) => {
      const e = find(sw, m.key, defect, active, fromNs, toNs);
      checks.push({ name: `${phase}: ${sw} ${m.key} ${defect} ${active ? 'raised' : 'cleared'}`, ok: !!e, detail: e ? `at ${(e.atNs / SEC).toFixed(3)}s` : 'missing' });
    };

    // 1. one-way break A -> B
    let t = clock.nowNs();
    banner(`fiber ${A} -> ${B} breaks (one way): ${B} loses its peers and sends RDI`);
    for (const p of ports) nodes[A].cutTx(p);
    await run(6 * SEC);
    for (const [a, b] of pairs) {
      expectLoc(B, b, t, 'one-way break');
      expectEvent(A, a, 'defRDICCM', true, t, clock.nowNs(), 'one-way break');
    }
    // 2. repair
    t = clock.nowNs();
    banner('fiber repaired');
    for (const p of ports) nodes[A].cutTx(p, false);
    await run(3 * SEC);
    for (const [a, b] of pairs) {
      expectEvent(B, b, 'defRemoteCCM', false, t, clock.nowNs(), 'repair');
      expectEvent(A, a, 'defRDICCM', false, t, clock.nowNs(), 'repair');
    }
    // 3. cable cut
    t = clock.nowNs();
    banner(`cable ${A}-${B} cut (both ways)`);
    for (const p of ports) net.link(`${A}:${p}`).up = false;
    await run(5 * SEC);
    for (const [a, b] of pairs) {
      expectLoc(A, a, t, 'cable cut');
      expectLoc(B, b, t, 'cable cut');
    }
    // 4. restore
    t = clock.nowNs();
    banner('cable restored');
    for (const p of ports) net.link(`${A}:${p}`).up = true;
    await run(13 * SEC);
    for (const [a, b] of pairs) {
      expectEvent(A, a, 'defRemoteCCM', false, t, clock.nowNs(), 'restore');
      expectEvent(B, b, 'defRemoteCCM', false, t, clock.nowNs(), 'restore');
    }
    // 5. the operator checks the path from a hardware MEP (the VOE punts LBM/LTM to the engine
    //    part of the MEP, docs/offload.md) and moves it to software and back at run time
    const pair = pairs.find(([a]) => mgrs[A].placementOf(a.key) === 'hardware') ?? pairs[0];
    if (pair) {
      const [a, b] = pair;
      banner(`operator: loopback and linktrace from ${A} ${a.key} (${mgrs[A].placementOf(a.key)}) to MEP ${b.mepId}`);
      const lb = mgrs[A].loopback(a.key, { targetMepId: b.mepId, count: 3, intervalMs: 100 });
      const lt = mgrs[A].linktrace(a.key, { targetMepId: b.mepId, timeoutMs: 2000 });
      await run(2.5 * SEC);
      const lr = await lb;
      const tr = await lt;
      print(`Sent ${lr.sent} packets, received ${lr.received} packets [${lr.outOfOrder} out-of-order, ${lr.badMsdu} Bad Msdu]`);
      for (const r of tr.replies) print(`  ltr ttl ${r.ttl} ${r.relayAction}${r.terminalMep ? ' terminal MEP' : ''} from ${r.srcMac}`);
      checks.push({ name: `loopback ${A} ${a.key} -> MEP ${b.mepId}`, ok: lr.received === 3, detail: `${lr.received} of ${lr.sent} answered` });
      checks.push({ name: `linktrace ${A} ${a.key} -> MEP ${b.mepId}`, ok: tr.replies.some((r) => r.terminalMep), detail: `${tr.replies.length} LTR` });

      t = clock.nowNs();
      const from = mgrs[A].placementOf(a.key) === 'hardware' ? 'hardware' : 'software';
      const to = from === 'hardware' ? 'software' : 'hardware';
      banner(`operator: ${A} ${a.key} pinned to ${to} and back (manager.change, one MEP re-planned)`);
      for (const pin of [to, 'auto'] as const) {
        const rep = await mgrs[A].change({ meps: [{ key: a.key, placement: pin }] });
        const mv = rep.moves.find((m) => m.key === a.key);
        print(`  ${a.key}: ${rep.ops.map((x) => x.kind).join(', ') || 'no VOE operation'}; now ${mgrs[A].placementOf(a.key)}${mv?.seq !== undefined ? `, sequence continues at ${mv.seq}` : ''}`);
        await run(2 * SEC);
      }
      const hiccup = events.filter((e) => e.switch === B && e.mep === b.key && e.type === 'defect' && e.atNs >= t);
      checks.push({ name: `move ${a.key} ${from} -> ${to} -> ${from}: no defect at ${B} ${b.key}`, ok: hiccup.length === 0 && mgrs[A].placementOf(a.key) === from, detail: hiccup.map((e) => e.defect).join(', ') || 'none' });
    }

    for (const sw of switches) {
      const st = await mgrs[sw].status();
      const bad = st.meps.filter((m) => pairs.some((p) => p.some((x) => x.key === m.key)) && m.defects.length > 0);
      checks.push({ name: `end: ${sw} checked MEPs without defects`, ok: bad.length === 0, detail: bad.map((m) => `${m.key}: ${m.defects.join(',')}`).join('; ') || 'all clear' });
    }
    checks.push({ name: 'plan: MEPs in hardware and in software', ok: hardware > 0 && software > 0, detail: `${hardware} hardware, ${software} software` });
    checks.push({ name: 'events from hardware and software MEPs', ok: events.some((e) => e.source === 'hardware') && events.some((e) => e.source === 'software'), detail: `${events.length} events` });
    banner('end');
    print('');
    for (const c of checks) print(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
    const ok = checks.every((c) => c.ok);
    print(ok ? `demo ok: ${checks.length} checks passed` : `demo FAILED: ${checks.filter((c) => !c.ok).length} of ${checks.length} checks failed`);
    return { ok, checks, events, hardware, software };
  } finally {
    for (const m of Object.values(mgrs)) await m.close();
    for (const n of Object.values(nodes)) await n.close();
  }
}
