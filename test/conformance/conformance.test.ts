/**
 * Runs the vendor C ABI conformance suite inside `npm test` against the mock ASIC (the reference
 * implementation), in two shapes. `npm run conformance -- --sdk libshim.so` runs the same suite
 * against a vendor shim instead (scripts/conformance.mjs sets CFM_CONFORMANCE_SDK).
 */
import { mockAsicLibPath } from '../../src/backends/asic-binding/index.js';
import { runAbiConformance } from './abi-suite.js';

const sdk = process.env.CFM_CONFORMANCE_SDK;
if (sdk) {
  runAbiConformance(sdk, sdk, process.env.CFM_CONFORMANCE_ARGS ?? '');
} else {
  const lib = mockAsicLibPath();
  runAbiConformance('mock (big)', lib, process.env.CFM_CONFORMANCE_ARGS ?? 'ports=4;port_voes=8;service_voes=16;peers=4;policers=2');
  runAbiConformance('mock (LAN966x-like)', lib, 'ports=2;port_voes=2;service_voes=0;peers=1;tx_mode=injected;budget_fps=300;up_mep=0;vlan_mep=0;policers=0;frame_io=0');
}
