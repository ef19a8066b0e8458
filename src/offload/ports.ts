/**
 * Port names a backend is opened with, so that a plan that passes applies: the names the config
 * is checked against (the switch board's `ports`, from the config or its board profile), else the
 * profile's port list. A mock ASIC is a simulation: when neither names its ports it takes the
 * ports the config uses (filled up to the profile's port count), so it can run any config that
 * plans. A vendor shim numbers its ports itself: without names it keeps its own default.
 */
import type { CfmModel } from '../config/model.js';
import type { HwProfile } from '../profiles/types.js';
import { localMeps } from './planner.js';

/** The port names of switch `sw` from its board, else from the profile; undefined when neither lists any. */
export function boardPortNames(model: CfmModel, sw: string, profile: HwProfile): string[] | undefined {
  const board = model.switches.find((s) => s.name === sw)?.board ?? model.board;
  if (board && board.ports.length > 0) return board.ports.slice();
  if (profile.ports.length > 0) return profile.ports.slice();
  return undefined;
}

/** The ports the config uses on switch `sw` (MEPs, MIPs, CPU-protection bindings), sorted. */
export function usedPorts(model: CfmModel, sw: string): string[] {
  const used = new Set<string>();
  for (const m of localMeps(model)) if (m.switch === sw) used.add(m.port);
  for (const m of model.mips) if (m.switch === sw) used.add(m.port);
  for (const b of model.cpuProtection.bindings) if (b.switch === sw) used.add(b.port);
  return [...used].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Port names for a mock ASIC standing in for switch `sw` (never undefined: the mock takes any names). */
export function mockPortNames(model: CfmModel, sw: string, profile: HwProfile): string[] {
  const named = boardPortNames(model, sw, profile);
  if (named) return named;
  const names = usedPorts(model, sw);
  const want = Math.max(names.length, profile.portCount ?? 8, 1);
  const taken = new Set(names);
  for (let i = 1; names.length < want; i++) if (!taken.has(`swp${i}`)) names.push(`swp${i}`);
  return names;
}
