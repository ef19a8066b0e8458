/** The state of a running scenario, shared by the step runner and the expectation checks. */
import type { FaultEvent } from '../engine/events.js';
import type { Mep } from '../engine/mep.js';
import type { Mip } from '../engine/mip.js';
import type { SimNetwork, SimLink, TxRecord } from './network.js';
import { ScenarioError } from './scenario-parse-util.js';
import type { Scenario, ScenarioStep } from './scenario-types.js';
import type { SimSwitch } from './switch.js';

export interface StepRecord {
  atNs: number;
  type: 'step' | 'result' | 'expect';
  where: string;
  text: string;
  ok?: boolean;
  data?: unknown;
}

export type ScenarioRecord = FaultEvent | StepRecord;

export interface World {
  sc: Scenario;
  net: SimNetwork;
  switches: Map<string, SimSwitch>;
  events: FaultEvent[];
  /** Every transmission (the ground truth of the links), kept only when a step needs it. */
  tx: TxRecord[];
  records: ScenarioRecord[];
  failures: string[];
  emit: (r: ScenarioRecord) => void;
  /** Steps with result expectations whose result is not in yet: where -> failure text if never. */
  pending: Map<string, string>;
}

/** Per step: write a record, or a failure, with the step's place and time. */
export interface StepIo {
  record(type: StepRecord['type'], text: string, extra?: Partial<StepRecord>): void;
  fail(message: string): void;
}

export const fmtS = (ns: number): string => `${+(ns / 1e9).toFixed(6)}s`;

export function stepIo(w: World, step: ScenarioStep): StepIo {
  return {
    record: (type, text, extra = {}) => w.emit({ atNs: w.net.clock.nowNs(), type, where: step.where, text, ...extra }),
    fail: (msg) => {
      w.failures.push(`${step.where} (${fmtS(step.atNs)}): ${msg}`);
    },
  };
}

export function mepOf(w: World, key: string, where: string): Mep {
  for (const sw of w.switches.values()) {
    const m = sw.engine.findMep(key);
    if (m) return m;
  }
  const all = [...w.switches.values()].flatMap((s) => s.engine.meps().map((m) => m.key));
  throw new ScenarioError(w.sc.file, where, `no MEP '${key}' (MEPs: ${all.join(', ')})`);
}

export function mipOf(w: World, key: string, where: string): Mip {
  for (const sw of w.switches.values()) {
    const m = sw.engine.mips().find((x) => x.key === key);
    if (m) return m;
  }
  const all = [...w.switches.values()].flatMap((s) => s.engine.mips().map((m) => m.key));
  throw new ScenarioError(w.sc.file, where, `no MIP '${key}' (MIPs: ${all.join(', ') || 'none'})`);
}

/** "<switch>:<port>" of the topology. */
export function portOf(w: World, spec: string, where: string): { sw: SimSwitch; port: string } {
  const [name, port] = spec.split(':');
  const sw = w.switches.get(name);
  if (!sw || !port || !sw.ports.includes(port)) throw new ScenarioError(w.sc.file, where, `no port '${spec}' (give <switch>:<port>)`);
  return { sw, port };
}

export function linkOf(w: World, spec: string, where: string): SimLink {
  try {
    return w.net.link(spec);
  } catch (e) {
    throw new ScenarioError(w.sc.file, where, (e as Error).message);
  }
}
