/**
 * The one policy compiler (seed 002). Turns the config model's CPU-protection policies and
 * bindings into CompiledBindings that the hardware mapper, the native policer and the TypeScript
 * engine all consume, so they enforce identical rules:
 *  - a binding applies its policy's eth-cfm entries only with eth-cfm-monitoring set; without it
 *    the entries are ignored and only the policy's overall rate applies;
 *  - entries are kept in ascending entry-number order: first match wins;
 *  - each level x opcode combination of an entry is its own bucket (the seed's table: level 5-7
 *    opcode 3,5 = six buckets), and one per source MAC unless `aggregate`;
 *  - CFM frames matching no entry fall under the policy's overall rate (one bucket per binding).
 */
import { CfmError } from '../common/errors.js';
import type { CfmModel, CpuProtectionBinding, CpuProtectionPolicy } from '../config/model.js';
import type { CompiledBinding, CompiledProtection, CompiledRule } from './types.js';

export function levelMaskOf(levels: number[]): number {
  let m = 0;
  for (const l of levels) m |= 1 << l;
  return m;
}

export function opcodeWordsOf(opcodes: number[]): number[] {
  const w = new Array<number>(8).fill(0);
  for (const op of opcodes) w[op >> 5] = (w[op >> 5] | (1 << (op & 31))) >>> 0;
  return w;
}

export function ruleMatches(r: CompiledRule, level: number, opcode: number): boolean {
  return (r.levelMask & (1 << level)) !== 0 && (r.opcodeWords[opcode >> 5] & (1 << (opcode & 31))) !== 0;
}

/** Every (level, opcode) combination of an entry, in level then opcode order. */
export function combinations(r: Pick<CompiledRule, 'levels' | 'opcodes'>): Array<{ level: number; opcode: number }> {
  const out: Array<{ level: number; opcode: number }> = [];
  for (const level of r.levels) for (const opcode of r.opcodes) out.push({ level, opcode });
  return out;
}

function mpPorts(model: CfmModel): Set<string> {
  const s = new Set<string>();
  for (const d of model.domains) for (const a of d.associations) for (const m of a.meps) s.add(`${m.switch}/${m.port}/${m.vlan}`);
  for (const m of model.mips) s.add(`${m.switch}/${m.port}/${m.vlan}`);
  return s;
}

function hasMpOn(mps: Set<string>, b: CpuProtectionBinding): boolean {
  if (mps.has(`${b.switch}/${b.port}/${b.vlan}`)) return true;
  if (b.vlan !== 0) return false;
  // A port-wide binding covers MPs on any VLAN of the port.
  const prefix = `${b.switch}/${b.port}/`;
  for (const k of mps) if (k.startsWith(prefix)) return true;
  return false;
}

function compileBinding(b: CpuProtectionBinding, pol: CpuProtectionPolicy | undefined, hasMp: boolean): CompiledBinding {
  if (b.policy !== null && !pol) throw new CfmError('CONFIG', `cpu-protection binding ${b.key}: policy ${b.policy} is not defined`);
  const rules: CompiledRule[] = b.ethCfmMonitoring && pol
    ? [...pol.ethCfm].sort((x, y) => x.entry - y.entry).map((e) => ({
        entry: e.entry, levels: [...e.levels], opcodes: [...e.opcodes], levelMask: levelMaskOf(e.levels),
        opcodeWords: opcodeWordsOf(e.opcodes), ratePps: e.ratePps,
      }))
    : [];
  return {
    key: b.key, switch: b.switch, port: b.port, vlan: b.vlan, policy: b.policy,
    monitoring: b.ethCfmMonitoring, aggregate: b.aggregate, rules,
    overallRatePps: pol?.overallRatePps ?? null,
    squelchLevels: [...b.squelchIngressLevels], squelchMask: levelMaskOf(b.squelchIngressLevels),
    hasMp,
  };
}

/** Compile the model's CPU protection (one switch when `switchName` is given). */
export function compileProtection(model: CfmModel, switchName?: string): CompiledProtection {
  const pols = new Map(model.cpuProtection.policies.map((p) => [p.id, p]));
  const mps = mpPorts(model);
  const bindings = model.cpuProtection.bindings
    .filter((b) => switchName === undefined || b.switch === switchName)
    .map((b) => compileBinding(b, b.policy === null ? undefined : pols.get(b.policy), hasMpOn(mps, b)));
  // Port+VLAN bindings before port-wide ones: the most specific binding is looked up first.
  bindings.sort((a, b) => (a.port < b.port ? -1 : a.port > b.port ? 1 : 0) || (b.vlan === 0 ? -1 : 0) - (a.vlan === 0 ? -1 : 0) || a.vlan - b.vlan);
  return { bindings };
}

/** The binding that covers a frame on `port` with outer VLAN `vlan` (exact VLAN first, then the port). */
export function bindingFor(p: CompiledProtection, port: string, vlan: number): CompiledBinding | undefined {
  let portWide: CompiledBinding | undefined;
  for (const b of p.bindings) {
    if (b.port !== port) continue;
    if (b.vlan === vlan && vlan !== 0) return b;
    if (b.vlan === 0) portWide = b;
  }
  return portWide;
}
