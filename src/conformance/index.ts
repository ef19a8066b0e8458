/**
 * The vendor C ABI conformance suite (docs/vendor-abi.md): named rules run against any library
 * implementing native/asic/cfm_asic.h, from `cfm conformance` or test/conformance (vitest).
 */
import { mockAsicLibPath } from '../backends/asic-binding/index.js';
import type { ConformanceTarget } from './runner.js';

export { ABI_RULES } from './rules/index.js';
export { check, statusText, RuleFailure, RuleSkip } from './check.js';
export { ABI_STRUCT_SIZES } from './fixtures.js';
export {
  formatResult, runRule, runTarget,
  type ConformanceRule, type ConformanceTarget, type RuleContext, type RuleOutcome, type RuleResult, type TargetReport,
} from './runner.js';

/** Open strings of the two mock shapes the suite runs on when no --sdk is given. */
export const MOCK_SHAPES = {
  big: 'ports=4;port_voes=8;service_voes=16;peers=4;policers=2',
  lan966x: 'ports=2;port_voes=2;service_voes=0;peers=1;tx_mode=injected;budget_fps=300;up_mep=0;vlan_mep=0;policers=0;frame_io=0;inject=64',
} as const;

/** The targets of a run: the shim at `sdk` with `openArgs`, or the mock ASIC in its two shapes. */
export function conformanceTargets(sdk?: string, openArgs?: string): ConformanceTarget[] {
  if (sdk) return [{ label: sdk, libPath: sdk, openArgs: openArgs ?? '' }];
  const lib = mockAsicLibPath();
  return [
    { label: 'mock (big)', libPath: lib, openArgs: openArgs ?? MOCK_SHAPES.big },
    { label: 'mock (LAN966x-like)', libPath: lib, openArgs: MOCK_SHAPES.lan966x },
  ];
}
